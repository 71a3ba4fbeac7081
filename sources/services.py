"""Writes to sources. The link checker's writes live beside it (health.py)."""

import asyncio
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import ngettext

from factcheck.failsafe import enqueue

from .capture import CaptureRequest, new_capture_key, sources_capture
from .choices import CaptureReason, Health
from .fetch import CheckResult, FetchConfig, SafeClient, check_many
from .health import (
    SourceResult,
    archive_lookup,
    excerpt_on_page,
    fold_text,
    linkchecks_record,
    page_text,
    source_set_archive,
    sources_cited_at,
)
from .models import Capture, LinkCheck, Source
from .politeness import limiter_from_settings
from .urlnorm import normalize_url


def source_get_or_create(*, url: str, title: str = "", publisher: str = "") -> Source:
    """The source for this url in canonical form, created on first use."""
    return source_find_or_create(url=url, title=title, publisher=publisher)[0]


def source_find_or_create(*, url: str, title: str = "", publisher: str = "") -> tuple[Source, bool]:
    """The source for this url in canonical form, and whether this call created it."""
    canonical = normalize_url(url)
    source = Source.objects.filter(url=canonical).first()
    if source is not None:
        return source, False
    try:
        with transaction.atomic():
            return Source.objects.create(url=canonical, title=title, publisher=publisher), True
    except IntegrityError:  # created by a concurrent request between our read and write
        return Source.objects.get(url=canonical), False


# --- Link health --------------------------------------------------------------------------


@dataclass
class BatchReport:
    run_key: str
    outcomes: Counter = field(default_factory=Counter)
    recorded: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)  # already checked in this run: left alone
    deferred: list[int] = field(default_factory=list)  # not started within the budget: due again soon
    archived: list[int] = field(default_factory=list)
    excerpts_went_missing: list[int] = field(default_factory=list)  # evidence ids whose excerpt left its page now
    seconds: float = 0.0


def new_run_key(kind: str = "manual") -> str:
    return f"{kind}-{timezone.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}"


def _excerpt_matches(result: CheckResult, excerpts: list[tuple[int, str]]) -> dict[int, bool]:
    """Found/missing per evidence row, only when the page answered 2xx with text we could read."""
    if not excerpts or result.text is None or not (result.http_status and 200 <= result.http_status < 300):
        return {}
    folded = fold_text(page_text(result.text, result.content_type))
    return {evidence_id: excerpt_on_page(excerpt, folded) for evidence_id, excerpt in excerpts}


async def _check_batch(
    todo: list[tuple[int, str]],
    excerpts: dict[int, list[tuple[int, str]]],
    *,
    config: FetchConfig,
    budget: float | None,
    use_redis: bool,
    progress: Callable[[int, int, CheckResult], None] | None,
) -> list[SourceResult | None]:
    limiter = limiter_from_settings(use_redis=use_redis)
    out: list[SourceResult | None] = [None] * len(todo)
    done = 0

    def on_result(index: int, result: CheckResult) -> None:
        nonlocal done
        source_id = todo[index][0]
        # Match excerpts now and drop the page: a batch must not keep hundreds of pages in memory.
        out[index] = SourceResult(source_id, result, _excerpt_matches(result, excerpts.get(source_id, [])))
        result.text = None
        done += 1
        if progress is not None:
            progress(done, len(todo), result)

    try:
        await check_many(
            [url for _, url in todo],
            want_body=lambda i: todo[i][0] in excerpts,
            config=config,
            limiter=limiter,
            on_result=on_result,
            stop_at=None if budget is None else time.monotonic() + budget,
        )
    finally:
        await limiter.aclose()
    return out


async def _archive_batch(urls: dict[int, str], cited: dict, *, config: FetchConfig, use_redis: bool) -> dict:
    limiter = limiter_from_settings(use_redis=use_redis)
    try:
        async with SafeClient(config, limiter=limiter) as client:
            found = await asyncio.gather(
                *(archive_lookup(client, url, cited_at=cited.get(source_id)) for source_id, url in urls.items())
            )
    finally:
        await limiter.aclose()
    return {source_id: snapshot for source_id, snapshot in zip(urls, found, strict=True) if snapshot}


def sources_check(
    *,
    source_ids: Iterable[int],
    run_key: str,
    budget: float | None = None,
    use_redis: bool = True,
    progress: Callable[[int, int, CheckResult], None] | None = None,
    config: FetchConfig | None = None,
) -> BatchReport:
    """Check many sources concurrently, record one LinkCheck each for ``run_key``; safe to run twice."""
    from claims.seam import evidence_excerpts_for_sources  # not at the top: claims.services imports this module

    started = time.monotonic()
    report = BatchReport(run_key=run_key)
    ids = list(dict.fromkeys(source_ids))
    done_before = set(LinkCheck.objects.filter(run_key=run_key, source_id__in=ids).values_list("source_id", flat=True))
    report.duplicates = sorted(done_before)
    todo = list(Source.objects.filter(id__in=ids).exclude(id__in=done_before).order_by("id").values_list("id", "url"))
    if not todo:
        return report
    excerpts = evidence_excerpts_for_sources(source_ids=[source_id for source_id, _ in todo])
    config = config or FetchConfig.from_settings()
    results = asyncio.run(
        _check_batch(todo, excerpts, config=config, budget=budget, use_redis=use_redis, progress=progress)
    )
    checked = [item for item in results if item is not None]
    report.deferred = [source_id for (source_id, _), item in zip(todo, results, strict=True) if item is None]
    recorded = linkchecks_record(results=checked, run_key=run_key)
    report.recorded = recorded.recorded
    report.duplicates += recorded.duplicates
    report.excerpts_went_missing = recorded.excerpts_went_missing
    report.outcomes = Counter(item.result.outcome for item in checked if item.source_id in set(recorded.recorded))
    if report.deferred:
        # Give them back: due again a little later, spread so they do not all land on one beat.
        now = timezone.now()
        for source_id in report.deferred:
            Source.objects.filter(id=source_id).update(next_check_at=now + timedelta(seconds=random.randint(30, 300)))
    if recorded.need_archive:
        urls = dict(Source.objects.filter(id__in=recorded.need_archive).values_list("id", "url"))
        snapshots = asyncio.run(_archive_batch(urls, sources_cited_at(urls), config=config, use_redis=use_redis))
        for source_id, snapshot in snapshots.items():
            source_set_archive(source_id=source_id, snapshot=snapshot)
        report.archived = sorted(snapshots)
    report.seconds = time.monotonic() - started
    return report


def source_check(*, source_id: int, run_key: str | None = None, use_redis: bool = True) -> LinkCheck | None:
    """Check one source now and return its LinkCheck for the run (None if the source is gone)."""
    run_key = run_key or new_run_key()
    sources_check(source_ids=[source_id], run_key=run_key, use_redis=use_redis)
    return LinkCheck.objects.filter(source_id=source_id, run_key=run_key).first()


# Each wanted row is locked through a LATERAL lookup by primary key, so the plan stays an index probe per row
# whatever the statistics say. Joining the ranked rows back to the table instead let the planner, with
# statistics taken before the rows fell due (estimate: 1 row), pick a nested loop with a join filter:
# quadratic, 10 s for 5,000 due sources and minutes for LINKCHECK_DUE_LIMIT (make bench). Rows are locked
# one by one in rank order as the LIMIT pulls them, so a row another claimer holds is skipped and the next
# one taken, as before.
# Both claims of due sources (checks, scheduled captures) are this statement over their own due column, the capture's
# with more conditions in ``also``.
_CLAIM_DUE_SQL = """
WITH ranked AS (
    SELECT s.id, row_number() OVER (PARTITION BY s.domain ORDER BY s.{due} NULLS FIRST, s.id) AS host_rank
    FROM {table} s
    WHERE (s.{due} IS NULL OR s.{due} <= %(now)s){also}
), picked AS (
    SELECT s.id, w.host_rank
    FROM (SELECT id, host_rank FROM ranked WHERE host_rank <= %(per_host)s ORDER BY host_rank, id) w
    CROSS JOIN LATERAL (
        SELECT id FROM {table} s
        WHERE s.id = w.id AND (s.{due} IS NULL OR s.{due} <= %(now)s)
        FOR UPDATE SKIP LOCKED
    ) s
    LIMIT %(limit)s
)
UPDATE {table} s SET {due} = %(lease_until)s
FROM picked WHERE s.id = picked.id
RETURNING s.id, picked.host_rank
"""


def _sources_claim_due_by_host(
    *, due: str, limit: int, per_host: int, lease_seconds: int, now, also: str = "", params: dict | None = None
) -> list[int]:
    """Claim due sources (``due`` the column that says when, pushed past the lease), interleaved by host."""
    values = {"now": now, "per_host": per_host, "limit": limit, "lease_until": now + timedelta(seconds=lease_seconds)}
    sql = _CLAIM_DUE_SQL.format(table=connection.ops.quote_name(Source._meta.db_table), due=due, also=also)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, {**values, **(params or {})})
        rows = cursor.fetchall()
    return [source_id for source_id, _rank in sorted(rows, key=lambda row: (row[1], row[0]))]


def sources_claim_due(
    *, limit: int | None = None, per_host: int | None = None, lease_seconds: int | None = None
) -> list[int]:
    """Claim the sources whose check is due, pushing their next check past a lease, in one statement.

    Two beat processes (or a beat and ``check_sources --due``) never get the same source: rows
    another claimer holds are skipped (SKIP LOCKED) and rows it claimed are no longer due. A claim
    whose batch is lost is due again when the lease ends. Returned interleaved by host, so each
    batch mixes hosts and no batch waits on one site's politeness.
    """
    limit = settings.LINKCHECK_DUE_LIMIT if limit is None else limit
    per_host = settings.LINKCHECK_DUE_PER_HOST if per_host is None else per_host
    lease = settings.LINKCHECK_LEASE_SECONDS if lease_seconds is None else lease_seconds
    return _sources_claim_due_by_host(
        due="next_check_at", limit=limit, per_host=per_host, lease_seconds=lease, now=timezone.now()
    )


# --- Captures (sources/capture.py takes them; these say when) ---------------------------------------------------


def capture_key_cited(*, evidence_id: int, source_id: int) -> str:
    """The key of the capture a citation asks for: one per piece of evidence and the source it cites."""
    return f"cited:{evidence_id}:{source_id}"


def capture_key_drift(*, source_id: int, checked_at: datetime) -> str:
    """The key of the capture an excerpt's drift asks for: one per source and check."""
    return f"drift:{source_id}:{checked_at.isoformat()}"


def captures_enqueue_on_commit(*, requests: Sequence[CaptureRequest]) -> None:
    """Queue these captures once the caller's transaction commits (none if it rolls back). Only captures on demand
    are queued while CAPTURE_ENABLED is off. A broker that cannot take them is logged and the change stands: the beat
    job (sources_capture_due) takes a cited source that still has no capture."""
    wanted = [r for r in requests if settings.CAPTURE_ENABLED or r.reason == CaptureReason.ON_DEMAND]

    # A function, not a functools.partial: Django logs a robust callback's failure by its __qualname__.
    def captures_enqueue_now() -> None:
        captures_enqueue(requests=wanted)

    if wanted:
        transaction.on_commit(captures_enqueue_now, robust=True)


def captures_enqueue(*, requests: Sequence[CaptureRequest]) -> bool:
    """Send these captures to the captures queue now: one task for one, batches of CAPTURE_BATCH_SIZE for more.
    False when the broker could not take them all."""
    from .tasks import source_capture, sources_capture  # the tasks import this module (see claims/tasks.py)

    requests = list(requests)
    if len(requests) == 1:
        (one,) = requests
        return enqueue(source_capture, one.source_id, one.reason, one.evidence_id, one.key)
    size = max(1, settings.CAPTURE_BATCH_SIZE)
    sent = [
        enqueue(sources_capture, [r.as_task_argument() for r in requests[start : start + size]])
        for start in range(0, len(requests), size)
    ]
    return all(sent)


@dataclass
class CaptureNow:
    """What "Capture now" did: the captures taken while the reviewer waited, or how many went to the worker."""

    taken: list[Capture] = field(default_factory=list)
    queued: int = 0
    not_queued: int = 0  # the broker was away

    # What the admin's message and the API's answer say of the captures not taken while the reviewer waited.
    def queued_words(self) -> str:
        return ngettext(
            "%(count)d capture queued; it appears on the source when it is taken.",
            "%(count)d captures queued; they appear on their sources when they are taken.",
            self.queued,
        ) % {"count": self.queued}

    def not_queued_words(self) -> str:
        return ngettext(
            "The task queue is unavailable; %(count)d capture was not taken. Try again in a while.",
            "The task queue is unavailable; %(count)d captures were not taken. Try again in a while.",
            self.not_queued,
        ) % {"count": self.not_queued}


CAPTURE_NOW_INLINE = 5  # more than this are taken by the worker


def sources_capture_now(
    *, source_ids: Iterable[int] = (), evidence: Iterable[tuple[int, int]] = (), inline: int = CAPTURE_NOW_INLINE
) -> CaptureNow:
    """Capture these sources, and the sources of these (evidence id, source id) pairs, on demand: a few while the
    caller waits, more on the worker. Taken whether or not CAPTURE_ENABLED is on."""
    requests = [
        CaptureRequest(source_id=s, reason=CaptureReason.ON_DEMAND, key=new_capture_key(CaptureReason.ON_DEMAND, s))
        for s in dict.fromkeys(source_ids)
    ] + [
        CaptureRequest(
            source_id=s,
            reason=CaptureReason.ON_DEMAND,
            key=new_capture_key(CaptureReason.ON_DEMAND, s),
            evidence_id=e,
        )
        for e, s in dict.fromkeys(evidence)
    ]
    if len(requests) <= inline:
        return CaptureNow(taken=sources_capture(requests=requests))
    if captures_enqueue(requests=requests):
        return CaptureNow(queued=len(requests))
    return CaptureNow(not_queued=len(requests))


# The sources due a scheduled capture, claimed as sources_claim_due claims checks (one statement, SKIP LOCKED, a
# lease, interleaved by host, each wanted row locked through a LATERAL lookup by key). Due: not dead (its page is
# gone; its last capture stands), not leased, and either cited by a claim the public sees (the monthly recapture) or
# never captured though cited a while ago (a capture lost on the way, or a citation older than captures).
_CAPTURE_DUE_ALSO = """ AND s.health <> %(dead)s
      AND ({public} OR (s.next_capture_at IS NULL AND {cited_before}
                        AND NOT EXISTS (SELECT 1 FROM {capture} c WHERE c.source_id = s.id)))"""


def sources_claim_capture_due(
    *, limit: int | None = None, per_host: int | None = None, lease_seconds: int | None = None
) -> list[int]:
    """Claim the sources due a scheduled capture, pushing their next one past a lease, in one statement; two beat
    runs never get the same source. Returned interleaved by host. A claim whose batch is lost is due again when the
    lease ends; a capture recorded sets the next one CAPTURE_INTERVAL_DAYS on (sources.capture)."""
    from claims.seam import cited_before_sql, cited_by_public_claim_sql  # not at the top: claims imports us

    limit = settings.CAPTURE_DUE_LIMIT if limit is None else limit
    per_host = settings.LINKCHECK_DUE_PER_HOST if per_host is None else per_host
    lease = settings.CAPTURE_LEASE_SECONDS if lease_seconds is None else lease_seconds
    now = timezone.now()
    also = _CAPTURE_DUE_ALSO.format(
        capture=connection.ops.quote_name(Capture._meta.db_table),
        public=cited_by_public_claim_sql("s.id"),
        cited_before=cited_before_sql("s.id", before_param="cited_before"),
    )
    return _sources_claim_due_by_host(
        due="next_capture_at",
        also=also,
        params={"dead": Health.DEAD, "cited_before": now - timedelta(minutes=settings.CAPTURE_GRACE_MINUTES)},
        limit=limit,
        per_host=per_host,
        lease_seconds=lease,
        now=now,
    )


def sources_capture_due(*, run_key: str | None = None) -> int:
    """Beat: claim the sources due a scheduled capture and queue them in batches; how many were claimed. Their keys
    name the run, so a batch delivered twice takes each capture once."""
    if not settings.CAPTURE_ENABLED:
        return 0
    claimed = sources_claim_capture_due()
    run_key = run_key or new_run_key("capture")
    captures_enqueue(
        requests=[
            CaptureRequest(source_id=s, reason=CaptureReason.SCHEDULED, key=f"scheduled:{run_key}:{s}") for s in claimed
        ]
    )
    return len(claimed)
