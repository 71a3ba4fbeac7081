"""The webhook worker: the outbox dispatched into deliveries, and deliveries claimed, sent and recorded.

A run (webhooks_run, from the task) goes in rounds of a few statements each, whatever the round's size:
1. events_dispatch: new events become one Delivery per matching subscription;
2. deliveries_claim: the due heads of each (subscription, order key) queue, leased;
3. deliveries_send: one event loop POSTs them concurrently through the link checker's address guard;
4. deliveries_record: the attempts logged, each delivery moved on, the subscriptions' failure clocks kept.
All that a run knows is in PostgreSQL, so a run killed at any step loses nothing: a delivery sent but not recorded
is sent again when its lease runs out (at least once, with the same X-Factcheck-Delivery), never zero times.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.core import mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from claims.selectors.visibility import reviewers
from sources.choices import Failure
from sources.fetch import FetchConfig, PostResult, Resolve

from . import rules
from .choices import DeliveryState
from .dispatch import dispatch_soon
from .emails import subscription_paused_email
from .models import Delivery, DeliveryAttempt, Event, WebhookSubscription
from .sender import Outgoing, post_many, webhook_fetch_config, webhook_user_agent
from .signing import signature_header
from .webhook_secrets import SecretUnreadable, secret_decrypt

logger = logging.getLogger(__name__)

DISPATCH_LIMIT = 1000  # events per dispatch statement
RUN_BUDGET_SECONDS = 60.0  # a run stops starting rounds after this, and queues the next run at once
SECRET_UNREADABLE = "secret_unreadable"  # an attempt's error kind beside sources.choices.Failure: nothing was sent
# One dispatcher at a time (pg_try_advisory_xact_lock's key: "webhooks" in ASCII).
DISPATCH_LOCK_KEY = int.from_bytes(b"webhooks", "big") & 0x7FFF_FFFF_FFFF_FFFF

EVENT_TABLE = Event._meta.db_table
DELIVERY_TABLE = Delivery._meta.db_table
SUBSCRIPTION_TABLE = WebhookSubscription._meta.db_table
ATTEMPT_TABLE = DeliveryAttempt._meta.db_table


# --------------------------------------------------------------------------------------------
# The wire format (DESIGN-19): the body and the headers
# --------------------------------------------------------------------------------------------


def event_body(event) -> bytes:
    """The POST's body: compact JSON, keys sorted, UTF-8 as it stands; the same bytes on every attempt and replay,
    since it is built from the stored event alone."""
    document = {
        "created_at": event.created_at.astimezone(UTC),
        "data": event.payload,
        "id": event.id,
        "type": str(event.type),
    }
    return json.dumps(
        document, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()


def delivery_headers(delivery, event, secret: str, *, now: datetime | float, body: bytes | None = None) -> dict:
    """The POST's headers, signed with ``secret`` at ``now`` (the attempt's own time, so a receiver can refuse an
    old request). ``body``, when given, is ``event_body(event)`` already built."""
    timestamp = int(now.timestamp() if isinstance(now, datetime) else now)
    return {
        "Content-Type": "application/json",
        "User-Agent": webhook_user_agent(),
        "X-Factcheck-Event": str(event.type),
        "X-Factcheck-Delivery": str(delivery.uuid),
        "X-Factcheck-Signature": signature_header(
            secret, event_body(event) if body is None else body, timestamp=timestamp
        ),
    }


# --------------------------------------------------------------------------------------------
# 1. Dispatch: the outbox into deliveries
# --------------------------------------------------------------------------------------------


def _subscriptions_by_event_type() -> dict[str, list[WebhookSubscription]]:
    subscriptions = (
        # A paused subscription still gets its deliveries, held until it is resumed (deliveries_claim skips it):
        # pausing is about a receiver that is down, and the events it misses meanwhile are still owed to it.
        WebhookSubscription.objects.filter(active=True, owner__is_active=True).only(
            "id", "owner_id", "events", "language", "tag", "claimant"
        )
    )
    desk = set(reviewers().values_list("id", flat=True))  # receives_desk_events, for every owner in one query
    by_type: dict[str, list[WebhookSubscription]] = defaultdict(list)
    for subscription in subscriptions:
        subscription.owner_gets_desk_events = subscription.owner_id in desk
        for event_type in subscription.events:
            by_type[event_type].append(subscription)
    return by_type


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What dispatch needs of an event: what rules.event_matches reads, and the order key deliveries copy."""

    id: int
    type: str
    order_key: str
    language: str
    tags: list[str]
    claimant: str


# One row per matching (subscription, event), written in one statement; a pair that exists already is skipped.
INSERT_DELIVERIES_SQL = f"""
INSERT INTO {DELIVERY_TABLE} (uuid, subscription_id, event_id, order_key, state, attempts, next_attempt_at,
                              last_error, created_at)
SELECT gen_random_uuid(), v.subscription_id, v.event_id, v.order_key, %(pending)s, 0, %(now)s, '', %(now)s
FROM unnest(%(subscriptions)s::bigint[], %(events)s::bigint[], %(keys)s::text[])
     AS v(subscription_id, event_id, order_key)
ORDER BY v.event_id, v.subscription_id
ON CONFLICT (subscription_id, event_id) DO NOTHING
"""


@transaction.atomic
def events_dispatch(*, limit: int = DISPATCH_LIMIT, now: datetime | None = None) -> int:
    """Turn up to ``limit`` undispatched events, oldest first, into one pending delivery per matching subscription,
    and mark them dispatched; how many events. Safe to run twice (a delivery exists once per subscription and
    event) and at once (a second dispatcher returns at once)."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        # One dispatcher at a time, not only disjoint rows: with two, a later event of a claim could get its
        # delivery (and be sent) before an earlier one another dispatcher holds has its own, breaking the order.
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [DISPATCH_LOCK_KEY])
        if not cursor.fetchone()[0]:
            return 0
    events = [
        EventFacts(*row)
        for row in Event.objects.select_for_update(skip_locked=True)
        .filter(dispatched_at=None)
        .order_by("id")
        .values_list("id", "type", "order_key", "language", "tags", "claimant")[:limit]
    ]
    if not events:
        return 0
    by_type = _subscriptions_by_event_type()
    pairs = [
        (subscription.pk, event.id, event.order_key)
        for event in events
        for subscription in by_type.get(event.type, ())
        if rules.event_matches(subscription, event, owner_gets_desk_events=subscription.owner_gets_desk_events)
    ]
    with connection.cursor() as cursor:
        if pairs:
            subscriptions, event_ids, keys = (list(column) for column in zip(*pairs, strict=True))
            cursor.execute(
                INSERT_DELIVERIES_SQL,
                {
                    "pending": DeliveryState.PENDING.value,
                    "now": now,
                    "subscriptions": subscriptions,
                    "events": event_ids,
                    "keys": keys,
                },
            )
        cursor.execute(
            f"UPDATE {EVENT_TABLE} SET dispatched_at = %s WHERE id = ANY(%s)", [now, [event.id for event in events]]
        )
    return len(events)


# --------------------------------------------------------------------------------------------
# 2. Claim: the due heads of each queue, leased
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WireEvent:
    """What the wire format reads of an event (event_body, delivery_headers), as the claim's statement returns it."""

    id: int
    type: str
    created_at: datetime
    payload: dict


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery leased for one attempt, with all its POST needs (read in the claim's statement)."""

    id: int
    uuid: UUID
    subscription_id: int
    url: str
    secret_encrypted: str = field(repr=False)
    event: WireEvent = field(repr=False)
    body: bytes = field(repr=False)
    attempt: int  # this attempt's number: 1 for the first since the delivery was made or replayed
    lease: datetime  # the lease this claim set: recording is fenced by it


def lease_seconds() -> float:
    """How long a claimed delivery is its worker's: a POST may start until half the margin after a deadline's length
    from the claim and lasts at most a deadline; the rest of the margin covers recording (WEBHOOK_LEASE_MARGIN_SECONDS).
    A worker that died is replaced after this long."""
    return 2 * settings.WEBHOOK_DEADLINE + settings.WEBHOOK_LEASE_MARGIN_SECONDS


# A pending delivery is a queue's head when no earlier event of its order key is pending for its subscription. A
# leased one (in flight, or its worker died) is still pending, so it blocks the deliveries behind it: were they
# claimable, another worker could send event 2 while event 1 is in flight, and if event 1 then fails and waits for
# its retry, the receiver has had them out of order. Failed deliveries do not block (the queue would stop for good).
# Different order keys and subscriptions never wait for each other; SKIP LOCKED lets claims run side by side.
# The queue heads a worker may take, whenever due: pending, lease free or run out, subscription on and not paused,
# and no earlier event of the same order key pending for the same subscription. Claiming and "when is the next one
# due" ask the same rule.
QUEUE_HEADS_SQL = f"""FROM {DELIVERY_TABLE} d
    JOIN {SUBSCRIPTION_TABLE} s ON s.id = d.subscription_id
    WHERE d.state = %(pending)s
      AND (d.leased_until IS NULL OR d.leased_until <= %(now)s)
      AND s.active AND s.paused_at IS NULL
      AND NOT EXISTS (
          SELECT 1 FROM {DELIVERY_TABLE} earlier
          WHERE earlier.subscription_id = d.subscription_id
            AND earlier.order_key = d.order_key
            AND earlier.state = %(pending)s
            AND earlier.event_id < d.event_id
      )"""

CLAIM_SQL = f"""
WITH due AS (
    SELECT d.id
    {QUEUE_HEADS_SQL}
      AND d.next_attempt_at <= %(now)s
    ORDER BY d.next_attempt_at, d.id
    LIMIT %(limit)s
    FOR UPDATE OF d SKIP LOCKED
)
UPDATE {DELIVERY_TABLE} d
SET leased_until = %(lease)s
FROM due, {EVENT_TABLE} e, {SUBSCRIPTION_TABLE} s
WHERE d.id = due.id AND e.id = d.event_id AND s.id = d.subscription_id
RETURNING d.id, d.uuid, d.attempts, d.subscription_id, s.url, s.secret_encrypted,
          e.id, e.type, e.created_at, e.payload
"""


def deliveries_claim(*, limit: int, now: datetime | None = None) -> list[ClaimedDelivery]:
    """Lease up to ``limit`` due deliveries, each the head of its (subscription, order key) queue, for one attempt
    (leased_until = now + 2 deadlines + a margin), and commit; a lease that runs out makes it claimable again."""
    now = now or timezone.now()
    lease = now + timedelta(seconds=lease_seconds())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL, {"pending": DeliveryState.PENDING.value, "now": now, "limit": limit, "lease": lease})
        rows = cursor.fetchall()
    bodies: dict[int, tuple[WireEvent, bytes]] = {}
    claimed = []
    for delivery_id, uuid, attempts, subscription_id, url, secret, event_id, event_type, created_at, payload in sorted(
        rows, key=lambda row: row[6]
    ):
        if event_id not in bodies:
            # Django reads jsonb as text (its JSONField decodes it); decoded here the same way.
            data = json.loads(payload) if isinstance(payload, str | bytes) else payload
            event = WireEvent(event_id, event_type, created_at, data)
            bodies[event_id] = (event, event_body(event))
        event, body = bodies[event_id]
        claimed.append(
            ClaimedDelivery(
                id=delivery_id,
                uuid=uuid,
                subscription_id=subscription_id,
                url=url,
                secret_encrypted=secret,
                event=event,
                body=body,
                attempt=attempts + 1,
                lease=lease,
            )
        )
    return claimed


# --------------------------------------------------------------------------------------------
# 3. Send: one event loop, the address guard, signed as each POST starts
# --------------------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: list[tuple[ClaimedDelivery, PostResult]] = field(default_factory=list)
    not_started: list[ClaimedDelivery] = field(default_factory=list)  # their turn came too late in the lease
    seconds: float = 0.0


def _signed_headers(delivery: ClaimedDelivery, secret: str):
    return lambda: delivery_headers(delivery, delivery.event, secret, now=time.time(), body=delivery.body)


def deliveries_send(
    claimed: Sequence[ClaimedDelivery], *, config: FetchConfig | None = None, resolve: Resolve | None = None
) -> SendReport:
    """POST each claimed delivery once, concurrently (WEBHOOK_CONCURRENCY in all, WEBHOOK_HOST_CONCURRENCY per
    host), each subscription's secret decrypted once. Secrets and signatures stay in memory: never logged, never in
    a result."""
    started = time.monotonic()
    config = config or webhook_fetch_config()
    report = SendReport()
    secrets: dict[int, str | None] = {}
    for delivery in claimed:
        if delivery.subscription_id not in secrets:
            try:
                secrets[delivery.subscription_id] = secret_decrypt(delivery.secret_encrypted)
            except SecretUnreadable:
                secrets[delivery.subscription_id] = None
    sendable = [delivery for delivery in claimed if secrets[delivery.subscription_id] is not None]
    for delivery in claimed:
        if secrets[delivery.subscription_id] is None:
            unsigned = PostResult(url=delivery.url, failure=SECRET_UNREADABLE, started_at=datetime.now(UTC))
            report.sent.append((delivery, unsigned))
    outgoing = [
        Outgoing(delivery.url, delivery.body, _signed_headers(delivery, secrets[delivery.subscription_id]))
        for delivery in sendable
    ]
    # A POST may start while it can still end within the lease (lease_seconds).
    start_by = started + lease_seconds() - config.deadline - settings.WEBHOOK_LEASE_MARGIN_SECONDS / 2
    results = asyncio.run(post_many(outgoing, config=config, resolve=resolve, start_by=start_by)) if outgoing else []
    for delivery, result in zip(sendable, results, strict=True):
        if result.started_at is None:
            report.not_started.append(delivery)
        else:
            report.sent.append((delivery, result))
    report.seconds = time.monotonic() - started
    return report


# --------------------------------------------------------------------------------------------
# 4. Record: in bulk, a few statements per round
# --------------------------------------------------------------------------------------------


def attempt_error(result: PostResult) -> str:
    """What went wrong with an attempt, in words for the delivery's log ("" when it was delivered)."""
    status = result.status
    if status is not None:
        if rules.is_success(status):
            return result.error  # delivered; at most a note that the answer's body was cut short
        if 300 <= status < 400:
            return _("the receiver redirected (HTTP %(status)s) to %(location)s; webhooks do not follow redirects") % {
                "status": status,
                "location": result.location or _("nowhere"),
            }
        retry_after = rules.honoured_retry_after(status, result.retry_after)
        if retry_after is not None:
            return _("the receiver answered HTTP %(status)s and asked us to wait %(seconds)s s") % {
                "status": status,
                "seconds": retry_after,
            }
        return _("the receiver answered HTTP %(status)s") % {"status": status}
    if result.failure == SECRET_UNREADABLE:
        return _("not sent: the subscription's secret cannot be read (it was encrypted under a key no longer set)")
    words = str(Failure(result.failure).label) if result.failure in Failure.values else _("the request failed")
    return f"{words} ({result.error})" if result.error else words


@dataclass
class RecordReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    released: int = 0  # leases given back unused
    stale: int = 0  # attempts whose lease had passed to another claim (or a replay): logged, state left alone
    paused: list[int] = field(default_factory=list)


# Every POST is logged, also one whose lease had passed on (the receiver did get it); the same report recorded twice
# logs nothing twice (an attempt is its delivery, number and start).
INSERT_ATTEMPTS_SQL = f"""
INSERT INTO {ATTEMPT_TABLE} (delivery_id, number, started_at, duration_ms, status, error, response_excerpt)
SELECT v.* FROM unnest(%s::bigint[], %s::smallint[], %s::timestamptz[], %s::int[], %s::smallint[], %s::text[],
                       %s::text[]) AS v(delivery_id, number, started_at, duration_ms, status, error, response_excerpt)
WHERE NOT EXISTS (
    SELECT 1 FROM {ATTEMPT_TABLE} a
    WHERE a.delivery_id = v.delivery_id AND a.number = v.number AND a.started_at = v.started_at
)
"""

# Fenced by the lease: an attempt whose lease has passed to another claim (it ran out) or was cleared (a replay) is
# logged, but the delivery's state is the newer claim's to set.
UPDATE_DELIVERIES_SQL = f"""
UPDATE {DELIVERY_TABLE} d
SET state = v.state,
    attempts = v.attempts,
    next_attempt_at = COALESCE(v.next_attempt_at, d.next_attempt_at),
    last_status = v.status,
    last_error = v.error,
    delivered_at = CASE WHEN v.state = %s THEN %s ELSE d.delivered_at END,
    leased_until = NULL
FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::timestamptz[], %s::int[], %s::text[], %s::timestamptz[])
     AS v(id, state, attempts, next_attempt_at, status, error, lease)
WHERE d.id = v.id AND d.leased_until = v.lease
RETURNING d.id
"""

RELEASE_SQL = f"""
UPDATE {DELIVERY_TABLE} d SET leased_until = NULL
FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, lease)
WHERE d.id = v.id AND d.leased_until = v.lease
"""

# The pause, once: only a row not paused yet is, and RETURNING says which this statement paused.
PAUSE_SQL = f"""
UPDATE {SUBSCRIPTION_TABLE} s
SET paused_at = %s, pause_reason = v.reason, pause_notified_at = NULL, updated_at = %s
FROM unnest(%s::bigint[], %s::text[]) AS v(id, reason)
WHERE s.id = v.id AND s.paused_at IS NULL AND s.failing_since <= %s
RETURNING s.id
"""


@transaction.atomic
def deliveries_record(report: SendReport, *, now: datetime | None = None) -> RecordReport:
    """Log each attempt and move each delivery on: delivered; pending again at its retry time; failed after
    WEBHOOK_MAX_ATTEMPTS or a refusal retrying will not change. A subscription's failure clock starts at its first
    failure and stops at any success; one failing for WEBHOOK_PAUSE_AFTER_HOURS is paused and its owner emailed."""
    now = now or timezone.now()
    outcome = RecordReport()
    attempts, rows = [], []
    succeeded: set[int] = set()
    last_errors: dict[int, str] = {}
    for delivery, result in report.sent:
        error = attempt_error(result)[:500]
        attempts.append(
            (delivery.id, delivery.attempt, result.started_at, result.elapsed_ms, result.status, error, result.excerpt)
        )
        next_attempt_at = None
        if rules.is_success(result.status):
            state = DeliveryState.DELIVERED
            succeeded.add(delivery.subscription_id)
            error = ""
        elif rules.is_retryable(result.status, result.failure) and delivery.attempt < settings.WEBHOOK_MAX_ATTEMPTS:
            retry_after = rules.honoured_retry_after(result.status, result.retry_after)
            state = DeliveryState.PENDING
            next_attempt_at = now + rules.retry_delay(delivery.attempt, retry_after=retry_after)
            last_errors[delivery.subscription_id] = error
        else:
            state = DeliveryState.FAILED
            last_errors[delivery.subscription_id] = error
        rows.append((delivery.id, state.value, delivery.attempt, next_attempt_at, result.status, error, delivery.lease))
    with connection.cursor() as cursor:
        if rows:
            cursor.execute(INSERT_ATTEMPTS_SQL, [list(column) for column in zip(*attempts, strict=True)])
            cursor.execute(
                UPDATE_DELIVERIES_SQL,
                [DeliveryState.DELIVERED.value, now, *(list(column) for column in zip(*rows, strict=True))],
            )
            applied = {row[0] for row in cursor.fetchall()}
            outcome.stale = len(rows) - len(applied)
            states = Counter(row[1] for row in rows if row[0] in applied)
            outcome.delivered = states[DeliveryState.DELIVERED]
            outcome.retrying = states[DeliveryState.PENDING]
            outcome.failed = states[DeliveryState.FAILED]
        if report.not_started:
            cursor.execute(RELEASE_SQL, [[d.id for d in report.not_started], [d.lease for d in report.not_started]])
            outcome.released = cursor.rowcount
        _failure_clocks(cursor, succeeded=succeeded, last_errors=last_errors, now=now, outcome=outcome)
    return outcome


def _failure_clocks(cursor, *, succeeded: set[int], last_errors: dict[int, str], now: datetime, outcome) -> None:
    """failing_since: cleared by any success, set by a failure when empty; pause those failing long enough."""
    if succeeded:
        cursor.execute(
            f"UPDATE {SUBSCRIPTION_TABLE} SET failing_since = NULL WHERE id = ANY(%s) AND failing_since IS NOT NULL",
            [sorted(succeeded)],
        )
    failing = sorted(set(last_errors) - succeeded)
    if not failing:
        return
    cursor.execute(
        f"UPDATE {SUBSCRIPTION_TABLE} SET failing_since = %s WHERE id = ANY(%s) AND failing_since IS NULL",
        [now, failing],
    )
    hours = settings.WEBHOOK_PAUSE_AFTER_HOURS
    reasons = [
        (
            _("Every delivery has failed for %(hours)s hours or more; the last error: %(error)s")
            % {"hours": f"{hours:g}", "error": last_errors[subscription_id]}
        )[:300]
        for subscription_id in failing
    ]
    cursor.execute(PAUSE_SQL, [now, now, failing, reasons, now - timedelta(hours=hours)])
    outcome.paused = sorted(row[0] for row in cursor.fetchall())


def subscriptions_paused_notify() -> int:
    """Email the owner (with an address and an active account) of each paused subscription not told yet, once: the
    row records it when the mail server took the email, so a refused or unreachable server is tried again at the
    next run, and two runs at once send one email (the rows are locked, SKIP LOCKED). How many were sent."""
    sent = 0
    with transaction.atomic():
        untold = (
            WebhookSubscription.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(paused_at__isnull=False, pause_notified_at__isnull=True)
            .select_related("owner")
            .order_by("id")
        )
        told = []
        mailer = None
        for subscription in untold:
            if subscription.owner.email and subscription.owner.is_active:
                message = subscription_paused_email(subscription, last_error=_last_error(subscription.pk))
                mailer = mailer or mail.get_connection()
                try:
                    mailer.send_messages([message])
                except Exception:  # any mail failure: leave it untold, the next run tries again
                    logger.warning(
                        "could not email the owner of paused subscription %s", subscription.pk, exc_info=True
                    )
                    continue
                sent += 1
            logger.warning("webhook subscription %s paused: %s", subscription.pk, subscription.pause_reason)
            told.append(subscription.pk)
        if told:
            WebhookSubscription.objects.filter(pk__in=told).update(pause_notified_at=timezone.now())
    return sent


def _owners_untold() -> bool:
    return WebhookSubscription.objects.filter(paused_at__isnull=False, pause_notified_at__isnull=True).exists()


def _last_error(subscription_id: int) -> str:
    """The error of the subscription's latest attempt, as its attempt log words it."""
    latest = (
        DeliveryAttempt.objects.filter(delivery__subscription_id=subscription_id)
        .exclude(error="")
        .order_by("-started_at", "-id")
        .values_list("error", flat=True)
        .first()
    )
    return latest or ""


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------

NEXT_DUE_SQL = f"""
SELECT d.next_attempt_at
{QUEUE_HEADS_SQL}
ORDER BY d.next_attempt_at
LIMIT 1
"""


def deliveries_next_due(*, now: datetime | None = None) -> datetime | None:
    """When the next claimable delivery falls due (a queue's head, lease free, subscription on), if any."""
    with connection.cursor() as cursor:
        cursor.execute(NEXT_DUE_SQL, {"pending": DeliveryState.PENDING.value, "now": now or timezone.now()})
        row = cursor.fetchone()
    return row[0] if row else None


RUN_COUNTS = (
    "events",
    "rounds",
    "claimed",
    "delivered",
    "retrying",
    "failed",
    "not_started",
    "stale",
    "paused",
    "owners_told",
)


def webhooks_run(
    *,
    budget_seconds: float = RUN_BUDGET_SECONDS,
    now: datetime | None = None,
    requeue: bool = True,
    resolve: Resolve | None = None,
) -> dict:
    """Dispatch the outbox, then claim, send and record rounds until nothing is due or ``budget_seconds`` are spent.
    With ``requeue``, queue the next run: at once when out of time, else when a retry falls due within
    WEBHOOK_SWEEP_SECONDS (later ones are the beat's sweep's). ``now`` stands in for the clock (tests)."""
    started = time.monotonic()
    counts: Counter[str] = Counter(dict.fromkeys(RUN_COUNTS, 0))
    out_of_time = False
    helper_asked = False
    while True:
        # One dispatch statement per round, not the whole outbox first: the first POSTs of a large backlog start
        # after a thousand events are dispatched, not after all of them, and a helper run has deliveries to claim.
        dispatched = events_dispatch(now=now)
        counts["events"] += dispatched
        claimed = deliveries_claim(limit=settings.WEBHOOK_BATCH_SIZE, now=now)
        if not claimed:
            if dispatched >= DISPATCH_LIMIT:
                continue  # more of the outbox waits: its events may match where these matched nothing
            break
        counts["rounds"] += 1
        counts["claimed"] += len(claimed)
        if requeue and not helper_asked and len(claimed) >= settings.WEBHOOK_BATCH_SIZE:
            # A full round: more is due than one process sends at once. Ask for a second run (once per run), which
            # an idle worker process takes and claims beside this one (SKIP LOCKED, the queue heads keep the order);
            # it asks for a third only if it too claims a full round, and a run that finds nothing ends at once.
            dispatch_soon()
            helper_asked = True
        report = deliveries_send(claimed, resolve=resolve)
        recorded = deliveries_record(report, now=now)
        counts.update(
            delivered=recorded.delivered,
            retrying=recorded.retrying,
            failed=recorded.failed,
            not_started=recorded.released,
            stale=recorded.stale,
            paused=len(recorded.paused),
        )
        if time.monotonic() - started >= budget_seconds:
            out_of_time = True
            break
    if counts["paused"] or _owners_untold():
        counts["owners_told"] = subscriptions_paused_notify()
    next_run_in = 0.0 if out_of_time else _next_run_in(now)
    if requeue and next_run_in is not None:
        dispatch_soon(countdown=next_run_in)
    result = {**counts, "seconds": round(time.monotonic() - started, 3), "next_run_in": next_run_in}
    if counts["claimed"]:
        logger.info("webhooks run: %s", result)
    return result


def _next_run_in(now: datetime | None) -> float | None:
    """Seconds until the next delivery falls due, if within a sweep's interval; None for the sweep to find it."""
    due = deliveries_next_due(now=now)
    if due is None:
        return None
    seconds = (due - (now or timezone.now())).total_seconds()
    return max(seconds, 0.0) if seconds <= settings.WEBHOOK_SWEEP_SECONDS else None
