"""The reviewers' dashboard (the admin home): what needs attention, and how the record is changing.

Reads only. Each "needs attention" row is a queryset defined here once: the dashboard counts it and the admin list
filter its link opens applies the same definition, so the count is the number of rows the link shows ("every source
dead" counts the all-lost rows of the evidence tally, whose claims its filter keeps: claims.selectors.attention).
Every panel is one query; the charts over the check history read rollups kept as checks are recorded
(sources.rollups), so a cold render costs the same whatever the history. The panels shared by all reviewers are
cached together for DASHBOARD_CACHE_SECONDS, the ones that depend on who is looking ("assigned to me", "overdue")
per user; the cold render is what is measured (bench/dashboard.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from sources import selectors as source_selectors
from sources.models import Source

from .choices import ExcerptStatus, Verdict
from .models import Claim, Evidence
from .rollups import all_lost_tallies
from .selectors import assignment
from .selectors.attention import claims_needing_attention
from .selectors.claims import claims_for_recheck_flags
from .selectors.visibility import public_claims

CACHE_SECONDS = getattr(settings, "DASHBOARD_CACHE_SECONDS", 60)
# v2: the counts of assignment (a cached v1 board lacks them).
CACHE_KEY = "dashboard:v2:global"
USER_CACHE_KEY = "dashboard:v2:user:{}"
OLDEST_UNRATED = 5
TURNED_DEAD_DAYS = source_selectors.TURNED_DEAD_DAYS
VERDICT_MONTHS = 12
HEALTH_WEEKS = 12
CHECK_DAYS = 30
TOP_DOMAINS = 10


# --- The "needs attention" rows (the admin's list filters apply these same querysets) ---------------------------


def claims_all_sources_dead() -> QuerySet[Claim]:
    """Claims whose every cited source is dead with no archived copy: the admin's "needs attention" filter."""
    return claims_needing_attention()


def evidence_excerpt_missing() -> QuerySet[Evidence]:
    """Evidence whose excerpt the link checker looked for on the page and did not find (sources/health.py)."""
    return Evidence.objects.filter(excerpt_status=ExcerptStatus.MISSING)


def claims_recheck_due(*, today: date) -> QuerySet[Claim]:
    """Claims whose recheck_after has come (the rule of the daily job that sets needs_recheck, read live)."""
    due, _ = claims_for_recheck_flags(today=today)
    return due


def claims_assigned_to(*, user) -> QuerySet[Claim]:
    """Open claims assigned to ``user`` (claims.selectors.assignment): the admin's "Assigned to me"."""
    return assignment.claims_assigned_to(user=user)


def claims_overdue_for(*, user, now: datetime) -> QuerySet[Claim]:
    """Of those, the ones past their due date: "Assigned to me" and "Overdue" in the admin's list together."""
    return assignment.claims_overdue(now=now, claims=claims_assigned_to(user=user))


def claims_unassigned_in_review() -> QuerySet[Claim]:
    """Claims in review that nobody is assigned to: the admin's "Nobody, in review"."""
    return assignment.claims_unassigned_in_review()


def claims_unrated() -> QuerySet[Claim]:
    """Claims still without a verdict (any status but published or retracted: publishing needs one)."""
    return Claim.objects.filter(verdict=Verdict.UNRATED)


def sources_turned_dead(*, now: datetime) -> QuerySet:
    return source_selectors.sources_turned_dead(since=now - timedelta(days=TURNED_DEAD_DAYS))


# --- Panels ----------------------------------------------------------------------------------------------------


def _counts(**querysets: QuerySet) -> dict[str, int]:
    """Several counts in one round trip: SELECT (SELECT count(*) FROM (...)), ... with each queryset's own SQL."""
    parts, params = [], []
    for name, queryset in querysets.items():
        if not queryset.query.is_sliced and queryset._fields is None:  # a values() queryset is counted as it is
            queryset = queryset.order_by().values("pk")
        sql, p = queryset.query.sql_with_params()
        parts.append(f"(SELECT count(*) FROM ({sql}) AS q) AS {connection.ops.quote_name(name)}")
        params.extend(p)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))


def attention_counts(*, now: datetime) -> dict[str, int]:
    """The counts every reviewer sees, plus ``claims``/``sources`` (0 or 1: is there anything at all)."""
    return _counts(
        # The tally's all-lost rows, index-only; the link opens claims_all_sources_dead(), the claims they belong to.
        all_sources_dead=all_lost_tallies(),
        excerpt_missing=evidence_excerpt_missing(),
        recheck_due=claims_recheck_due(today=timezone.localdate(now)),
        unrated=claims_unrated(),
        unassigned_in_review=claims_unassigned_in_review(),
        turned_dead=sources_turned_dead(now=now),
        claims=Claim.objects.order_by().values("pk")[:1],
        sources=Source.objects.order_by().values("pk")[:1],
    )


def oldest_unrated(*, limit: int = OLDEST_UNRATED) -> list[dict]:
    # By id, the order they were added in (created_at is set on insert), which claim_verdict_idx serves.
    return list(claims_unrated().order_by("id").values("id", "text", "status", "created_at")[:limit])


def month_starts(now: datetime, months: int) -> list[date]:
    """The first days of the last ``months`` months, oldest first, the current month last."""
    today = timezone.localdate(now)
    y, m = today.year, today.month
    out = []
    for _ in range(months):
        out.append(date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def _public_claims():
    return public_claims().filter(published_at__isnull=False)


def verdict_months_until(*, now: datetime) -> list[date]:
    """The twelve months the verdict chart shows: up to this month, or, when nothing was published in them, up to
    the month of the newest publication (a new install with only the demo data still has something to show)."""
    months = month_starts(now, VERDICT_MONTHS)
    newest = _public_claims().filter(published_at__lte=now).aggregate(newest=Max("published_at"))["newest"]
    if newest is not None and newest < _midnight(months[0]):
        months = month_starts(newest, VERDICT_MONTHS)
    return months


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def verdicts_by_month(*, months: list[date]) -> list[tuple]:
    """(month, verdict, claims) for public claims by the month they were first published, in ``months``.

    Grouped by verdict only, with a count per month as a filter on the month's bounds: no month computed per row
    (date_trunc in the time zone, then a hash on month and verdict, was 45-60 ms for a year's 88,000 publications at
    make bench scale; this is 30-38 ms, index-only on claim_public_published_idx, which includes the verdict)."""
    bounds = [_midnight(month) for month in months] + [_midnight(_next_month(months[-1]))]
    per_month = {
        f"m{i}": Count("verdict", filter=Q(published_at__gte=bounds[i], published_at__lt=bounds[i + 1]))
        for i in range(len(months))
    }
    rows = (
        _public_claims()
        .filter(published_at__gte=bounds[0], published_at__lt=bounds[-1])
        .order_by()
        .values("verdict")
        .annotate(**per_month)
    )
    out = [(month, row["verdict"], row[f"m{i}"]) for row in rows for i, month in enumerate(months) if row[f"m{i}"]]
    return sorted(out)


def week_starts(now: datetime, weeks: int) -> list[date]:
    monday = timezone.localdate(now) - timedelta(days=timezone.localdate(now).weekday())
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def day_range(now: datetime, days: int) -> list[date]:
    today = timezone.localdate(now)
    return [today - timedelta(days=days - 1 - i) for i in range(days)]


@dataclass
class Dashboard:
    """What the admin home shows; plain values, so the cache can hold it."""

    computed_at: datetime
    counts: dict[str, int]
    oldest_unrated: list[dict]
    verdict_months: list[date]
    verdicts_by_month: list[tuple]
    health_weeks: list[date]
    health_by_week: list[tuple]
    check_days: list[date]
    checks_by_day: list[tuple]
    dead_domains: list[dict]
    mine: dict = field(default_factory=dict)  # per user: my_counts() and "computed_at"


def _without_jit() -> None:
    """PostgreSQL's JIT compiles these aggregates for 0.3-0.9 s each at make bench scale (their cost estimates pass
    jit_above_cost) to save a few milliseconds of execution: off, for this transaction only. The verdicts' group of
    a year's publications (88,000 rows) spilled its sort to disk with the default 4 MB work_mem: 16 MB here."""
    with connection.cursor() as cursor:
        # One statement (set_config(..., is_local)): SET LOCAL twice would be two round trips.
        cursor.execute("SELECT set_config('jit', 'off', true), set_config('work_mem', '16MB', true)")


def my_counts(*, user, now: datetime) -> dict[str, int]:
    """The counts that depend on who is looking, in one query: the open claims assigned to them, and those overdue."""
    return _counts(assigned=claims_assigned_to(user=user), overdue=claims_overdue_for(user=user, now=now))


@transaction.atomic
def dashboard_compute(*, now: datetime) -> Dashboard:
    """Every panel shared by all reviewers, one query each (in one transaction: one snapshot, JIT off)."""
    _without_jit()
    months = verdict_months_until(now=now)
    weeks = week_starts(now, HEALTH_WEEKS)
    days = day_range(now, CHECK_DAYS)
    return Dashboard(
        computed_at=now,
        counts=attention_counts(now=now),
        oldest_unrated=oldest_unrated(),
        verdict_months=months,
        verdicts_by_month=verdicts_by_month(months=months),
        health_weeks=weeks,
        health_by_week=source_selectors.source_health_by_week(first=weeks[0], last=weeks[-1]),
        check_days=days,
        checks_by_day=source_selectors.checks_by_day(first=days[0], last=days[-1]),
        dead_domains=source_selectors.dead_domains(limit=TOP_DOMAINS),
    )


def dashboard_for(*, user, now: datetime | None = None, use_cache: bool = True) -> Dashboard:
    """The dashboard as ``user`` sees it, from the cache when it is fresh (the cache fails open: without Redis
    every request computes it).

    Its days, weeks and months are the desk's (settings.TIME_ZONE) whatever zone the reviewer reads in: the check
    rollups are kept in that calendar (sources.rollups), the recheck dates are due by it (claims_flag_stale), and
    one cached copy serves every reviewer."""
    now = now or timezone.now()
    board = cache.get(CACHE_KEY) if use_cache else None
    if board is None:
        with timezone.override(timezone.get_default_timezone()):
            board = dashboard_compute(now=now)
        if use_cache:
            cache.set(CACHE_KEY, board, CACHE_SECONDS)
    user_key = USER_CACHE_KEY.format(user.pk)
    mine = cache.get(user_key) if use_cache else None
    if mine is None:
        mine = {**my_counts(user=user, now=now), "computed_at": now}
        if use_cache:
            cache.set(user_key, mine, CACHE_SECONDS)
    board.mine = mine
    return board
