"""Writes to sources. The link checker's writes live beside it (health.py)."""

import asyncio
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

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
from .models import LinkCheck, Source
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
_CLAIM_DUE_SQL = """
WITH ranked AS (
    SELECT id, row_number() OVER (PARTITION BY domain ORDER BY next_check_at NULLS FIRST, id) AS host_rank
    FROM {table}
    WHERE next_check_at IS NULL OR next_check_at <= %(now)s
), picked AS (
    SELECT s.id, w.host_rank
    FROM (SELECT id, host_rank FROM ranked WHERE host_rank <= %(per_host)s ORDER BY host_rank, id) w
    CROSS JOIN LATERAL (
        SELECT id FROM {table} s
        WHERE s.id = w.id AND (s.next_check_at IS NULL OR s.next_check_at <= %(now)s)
        FOR UPDATE SKIP LOCKED
    ) s
    LIMIT %(limit)s
)
UPDATE {table} s SET next_check_at = %(lease_until)s
FROM picked WHERE s.id = picked.id
RETURNING s.id, picked.host_rank
"""


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
    now = timezone.now()
    params = {"now": now, "per_host": per_host, "limit": limit, "lease_until": now + timedelta(seconds=lease)}
    sql = _CLAIM_DUE_SQL.format(table=connection.ops.quote_name(Source._meta.db_table))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [source_id for source_id, _rank in sorted(rows, key=lambda row: (row[1], row[0]))]
