"""Writes of subscriptions and deliveries that people ask for: subscribing, unsubscribing, replaying, resuming.
The worker's own writes (dispatching the outbox, recording attempts) live in notifications.delivery."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from claims.selectors.visibility import user_sees_drafts

from .choices import PUBLIC_EVENT_TYPES, DeliveryState, EventType
from .dispatch import dispatch_soon
from .language_rule import language_filter_clean
from .models import MAX_URL_LENGTH, Delivery, WebhookSubscription
from .webhook_secrets import secret_encrypt, secret_hint, secret_new


@dataclass(frozen=True)
class NewSubscription:
    subscription: WebhookSubscription
    secret: str  # the only time it is readable: give it to the owner, never store or log it


def receives_desk_events(user) -> bool:
    """Desk events (tips, sources and excerpts of claims not yet published) go to the desk: active staff who may
    review, as claims.selectors.visibility.reviewers() selects them in SQL. Staff alone is not enough: a researcher
    given the admin reads there only what the public API shows (factcheck.admin_visibility)."""
    return bool(user is not None and getattr(user, "is_staff", False) and user_sees_drafts(user))


def allowed_event_types(user) -> tuple[str, ...]:
    """The events a user may subscribe to: the desk all of them, anyone else the public ones."""
    return tuple(EventType.values) if receives_desk_events(user) else tuple(PUBLIC_EVENT_TYPES)


def check_events(events: Iterable[str], *, user) -> list[str]:
    """The requested event types, in a stable order; ValidationError naming any that is unknown or not the user's."""
    wanted = list(dict.fromkeys(events or ()))
    if not wanted:
        raise ValidationError({"events": [_("Name at least one event type.")]})
    unknown = [name for name in wanted if name not in EventType.values]
    if unknown:
        raise ValidationError(
            {"events": [_("Unknown event types: %(names)s.") % {"names": ", ".join(map(str, unknown))}]}
        )
    allowed = allowed_event_types(user)
    refused = [name for name in wanted if name not in allowed]
    if refused:
        raise ValidationError(
            {
                "events": [
                    _("These events go to the desk's own subscriptions only: %(names)s.")
                    % {"names": ", ".join(refused)}
                ]
            }
        )
    return [name for name in EventType.values if name in wanted]


def check_target_url(url: str) -> str:
    """An http(s) url whose host, when written as an address, is one the worker may reach. Where a host name points
    is checked at every delivery instead (the link checker's address guard), since DNS answers change."""
    from django.core.validators import URLValidator

    from sources.fetch import InvalidHost, address_is_allowed, parse_ip_host, parse_networks

    url = (url or "").strip()
    try:
        URLValidator(schemes=("http", "https"))(url)
    except ValidationError as exc:
        raise ValidationError({"url": [_("Enter an http or https url.")]}) from exc
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError({"url": [_("The url is longer than %(limit)s characters.") % {"limit": MAX_URL_LENGTH}]})
    parts = urlsplit(url)
    if parts.username or parts.password:
        # The sender never sends credentials written into a url (the fetcher drops them): say so now, rather than
        # let every delivery meet a 401. The signature is how a receiver knows it is us.
        raise ValidationError({"url": [_("Remove the user name and password from the url: they are not sent.")]})
    host = parts.hostname or ""
    try:
        literal = parse_ip_host(host)
    except InvalidHost as exc:
        raise ValidationError({"url": [_("%(host)s is not a valid address.") % {"host": host}]}) from exc
    if literal is not None and not address_is_allowed(literal, parse_networks(settings.LINKCHECK_ALLOW_NETWORKS)):
        raise ValidationError(
            {"url": [_("%(host)s is not a public address: webhooks are not sent there.") % {"host": host}]}
        )
    return url


def check_filters(*, language: str = "", tag: str = "", claimant: str = "") -> dict[str, str]:
    """The filters as stored (trimmed); ValidationError when the language is not a language tag (the feeds' rule,
    notifications.language_rule)."""
    try:
        language = language_filter_clean(language)
    except ValidationError as exc:
        raise ValidationError({"language": exc.messages}) from exc
    return {"language": language, "tag": (tag or "").strip(), "claimant": (claimant or "").strip()}


def check_room_for_subscription(owner) -> None:
    """ValidationError when the owner has WEBHOOK_SUBSCRIPTIONS_PER_OWNER subscriptions already. Call it inside the
    transaction that adds one: it locks the owner's row, so two requests at once cannot both take the last place."""
    limit = settings.WEBHOOK_SUBSCRIPTIONS_PER_OWNER
    if not limit:
        return
    list(get_user_model().objects.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True))
    if WebhookSubscription.objects.filter(owner=owner).count() >= limit:
        message = ngettext(
            "An account may have %(limit)d webhook subscription; remove it before adding another.",
            "An account may have %(limit)d webhook subscriptions; remove one before adding another.",
            limit,
        )
        raise ValidationError(message % {"limit": limit}, code="too_many")


def check_subscription(
    *,
    owner,
    url: str | None = None,
    events: Iterable[str] | None = None,
    filters: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The given target, events and filters as stored, each checked (None: not given); one ValidationError naming
    every field that is wrong, so a client fixes them all at once."""
    checks: dict[str, Any] = {}
    if url is not None:
        checks["url"] = lambda: {"url": check_target_url(url)}
    if events is not None:
        checks["events"] = lambda: {"events": check_events(events, user=owner)}
    if filters is not None:
        checks["filters"] = lambda: {name: value for name, value in check_filters(**filters).items() if name in filters}
    values: dict[str, Any] = {}
    errors: dict[str, list] = {}
    for check in checks.values():
        try:
            values.update(check())
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def webhook_subscribe(
    *,
    owner,
    url: str,
    events: Iterable[str],
    language: str = "",
    tag: str = "",
    claimant: str = "",
    description: str = "",
) -> NewSubscription:
    """A new subscription with a new secret, which is returned once and kept only encrypted."""
    checked = check_subscription(
        owner=owner, url=url, events=events, filters={"language": language, "tag": tag, "claimant": claimant}
    )
    check_room_for_subscription(owner)
    secret = secret_new()
    subscription = WebhookSubscription(
        owner=owner,
        **checked,
        description=(description or "").strip(),
        secret_encrypted=secret_encrypt(secret),
        secret_hint=secret_hint(secret),
    )
    subscription.full_clean()
    subscription.save()
    return NewSubscription(subscription, secret)


# What webhook_change may change; the owner and the secret have their own ways (none, and webhook_secret_rotate).
CHANGEABLE_FIELDS = frozenset({"url", "events", "language", "tag", "claimant", "description", "active"})


@transaction.atomic
def webhook_change(*, subscription_id: int, changes: Mapping[str, Any]) -> WebhookSubscription:
    """Change a subscription's target, events, filters, description or whether it is on, with the checks of
    webhook_subscribe. Switching it on resumes it (as webhook_resume); switching it off is webhooks_switch_off's."""
    unknown = set(changes) - CHANGEABLE_FIELDS
    if unknown:
        raise TypeError(f"webhook_change cannot change {', '.join(sorted(unknown))}")
    subscription = WebhookSubscription.objects.select_for_update().select_related("owner").get(pk=subscription_id)
    filters = {name: changes[name] for name in ("language", "tag", "claimant") if name in changes}
    checked = check_subscription(
        owner=subscription.owner, url=changes.get("url"), events=changes.get("events"), filters=filters or None
    )
    for name, value in checked.items():
        setattr(subscription, name, value)
    if "description" in changes:
        subscription.description = (changes["description"] or "").strip()
    if "active" in changes:
        if changes["active"]:
            if not subscription.active or subscription.paused_at is not None:
                _switch_on(subscription)
        else:
            subscription.active = False
    subscription.full_clean()
    subscription.save()
    return subscription


@transaction.atomic
def webhook_secret_rotate(*, subscription_id: int) -> NewSubscription:
    """A new secret for a subscription; the old one stops signing at once."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
    secret = secret_new()
    subscription.secret_encrypted = secret_encrypt(secret)
    subscription.secret_hint = secret_hint(secret)
    subscription.save(update_fields=["secret_encrypted", "secret_hint", "updated_at"])
    return NewSubscription(subscription, secret)


@transaction.atomic
def webhook_unsubscribe(*, subscription: WebhookSubscription) -> None:
    """Remove a subscription with its deliveries and their log."""
    subscription.delete()


def _switch_on(subscription: WebhookSubscription) -> None:
    subscription.active = True
    subscription.paused_at = None
    subscription.pause_reason = ""
    subscription.failing_since = None
    transaction.on_commit(dispatch_soon, robust=True)  # its pending deliveries are due now


@transaction.atomic
def webhook_resume(*, subscription_id: int) -> WebhookSubscription:
    """Turn a paused (or switched off) subscription back on; its pending deliveries go out again, oldest first."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
    _switch_on(subscription)
    subscription.save(update_fields=["active", "paused_at", "pause_reason", "failing_since", "updated_at"])
    return subscription


@transaction.atomic
def webhooks_switch_off(*, subscription_ids: Iterable[int]) -> int:
    """Stop sending to these subscriptions until they are resumed. Unlike a pause, which holds what is owed to a
    receiver that is down, events that happen while one is off are not kept for it (dispatch skips it); what was
    already pending waits. How many were on."""
    return WebhookSubscription.objects.filter(pk__in=list(subscription_ids), active=True).update(
        active=False, updated_at=timezone.now()
    )


def _replay(deliveries) -> int:
    now = timezone.now()
    count = deliveries.update(
        state=DeliveryState.PENDING,
        attempts=0,
        next_attempt_at=now,
        leased_until=None,
        replayed_at=now,
    )
    if count:
        transaction.on_commit(dispatch_soon, robust=True)
    return count


@transaction.atomic
def deliveries_replay(*, delivery_ids: Iterable[int]) -> int:
    """Send deliveries again (delivered or failed alike), with the same delivery id and a fresh set of attempts.
    How many were queued."""
    return _replay(Delivery.objects.filter(pk__in=list(delivery_ids)))


@transaction.atomic
def subscription_replay_since(*, subscription_id: int, since: datetime) -> int:
    """Send again every delivery of a subscription whose event happened at or after ``since``."""
    if since > timezone.now():
        raise ValidationError({"since": [_("Choose a time in the past.")]})
    return _replay(Delivery.objects.filter(subscription_id=subscription_id, event__created_at__gte=since))


# A final delivery's rows (and its attempt log) are kept this long after its event or its last replay, as webhook
# providers keep theirs (Stripe resends 30 days of events); the events themselves stay, the changes feeds list them.
_PRUNE_SQL = """
WITH doomed AS (
    SELECT id FROM notifications_delivery
     WHERE state IN (%(delivered)s, %(failed)s) AND created_at < %(before)s
       AND (replayed_at IS NULL OR replayed_at < %(before)s)
     ORDER BY id LIMIT %(batch)s
       FOR UPDATE SKIP LOCKED
), attempts AS (
    DELETE FROM notifications_deliveryattempt WHERE delivery_id IN (SELECT id FROM doomed)
)
DELETE FROM notifications_delivery WHERE id IN (SELECT id FROM doomed)
"""


def deliveries_prune(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Delete the delivered and failed deliveries older than WEBHOOK_DELIVERY_RETENTION_DAYS (0 keeps them all),
    with their attempt logs, a batch per transaction so no lock is held for long; pending ones are never touched.
    How many went."""
    days = settings.WEBHOOK_DELIVERY_RETENTION_DAYS
    if days <= 0:
        return 0
    params = {
        "delivered": DeliveryState.DELIVERED,
        "failed": DeliveryState.FAILED,
        "before": (now or timezone.now()) - timedelta(days=days),
        "batch": batch,
    }
    pruned = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_PRUNE_SQL, params)
            gone = cursor.rowcount
        pruned += gone
        if gone < batch:
            return pruned
