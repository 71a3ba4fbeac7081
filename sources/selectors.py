"""Reads of sources and their link checks that are more than a filter call (the reviewers' dashboard, the source
page's timeline). Each is one query; the grouping happens in PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate

from .choices import NEUTRAL_OUTCOMES, SUCCESS_OUTCOMES, Health
from .models import LinkCheck, Source

TURNED_DEAD_DAYS = 7  # "sources that turned dead this week": the dashboard's count and the source list's filter


def _failure() -> Q:
    """A check that moves a source toward dead (the rules of sources/health.py: neither success nor neutral)."""
    return ~Q(outcome__in=[*SUCCESS_OUTCOMES, *NEUTRAL_OUTCOMES])


def sources_turned_dead(*, since: datetime) -> QuerySet[Source]:
    """Sources that are dead now and were not dead yet at ``since``: they turned dead after it.

    The moment a source turns dead is not stored; it follows from its checks and the rule (sources/health.py):
    dead after LINKCHECK_DEAD_AFTER_FAILURES failures in a row spanning LINKCHECK_DEAD_AFTER_DAYS. A dead source's
    current run of failures began at ``first_failure_at`` with no success since, so it was already dead at
    ``since`` exactly when the failures of that run checked before ``since`` met the rule. Sources that turned
    dead and came back since are not dead now, and not in this list: nothing about them needs doing.
    """
    before = (
        LinkCheck.objects.filter(source=OuterRef("pk"), checked_at__gte=OuterRef("first_failure_at"))
        .filter(checked_at__lt=since)
        .filter(_failure())
        .order_by()
        .values("source")
    )
    failures = Coalesce(
        Subquery(before.annotate(n=Count("*")).values("n"), output_field=IntegerField()),
        Value(0),
    )
    last_failure = Subquery(before.annotate(last=Max("checked_at")).values("last"))
    dead_already = Q(failures_before__gte=settings.LINKCHECK_DEAD_AFTER_FAILURES) & Q(
        last_failure_before__gte=F("first_failure_at") + timedelta(days=settings.LINKCHECK_DEAD_AFTER_DAYS)
    )
    # last_checked_at >= since is implied (it turned dead at a check after since) and is what narrows the rows.
    return (
        Source.objects.filter(health=Health.DEAD, last_checked_at__gte=since)
        .annotate(failures_before=failures, last_failure_before=last_failure)
        .exclude(dead_already)
    )


def dead_domains(*, limit: int = 10) -> list[dict]:
    """The domains with the most dead sources: ``domain``, ``dead`` and how many of those have an ``archived`` copy."""
    rows = (
        Source.objects.filter(health=Health.DEAD)
        .values("domain")
        .annotate(dead=Count("id"), archived=Count("id", filter=~Q(archive_url="")))
        .order_by("-dead", "domain")[:limit]
    )
    return list(rows)


def checks_by_day(*, start: datetime, until: datetime) -> list[tuple]:
    """(day, outcome, checks) for every check in [start, until), days in the current time zone."""
    rows = (
        LinkCheck.objects.filter(checked_at__gte=start, checked_at__lt=until)
        .annotate(day=TruncDate("checked_at"))
        .order_by()
        .values_list("day", "outcome")
        .annotate(n=Count("*"))
        .order_by("day", "outcome")
    )
    return list(rows)


# Health after each check, replayed from the checks by the rule of sources/health.py: a success is ok; failures
# in a row (neutral outcomes in between change nothing) are failing, then dead once there are enough of them over
# enough days. The replay reads from `replay_from`, some weeks before the first bucket, so that a run of failures
# that began before the chart is counted whole (see source_health_by_week). Each source counts once per week, with
# its health after its last check that week.
_HEALTH_BY_WEEK_SQL = """
WITH c AS (
    SELECT source_id, id, checked_at,
           CASE WHEN outcome = ANY(%(success)s) THEN 1 WHEN outcome = ANY(%(neutral)s) THEN 0 ELSE 2 END AS kind
    FROM {linkcheck}
    WHERE checked_at >= %(replay_from)s AND checked_at < %(until)s
), runs AS (
    SELECT *, count(*) FILTER (WHERE kind = 1)
                  OVER (PARTITION BY source_id ORDER BY checked_at, id ROWS UNBOUNDED PRECEDING) AS run
    FROM c
), replayed AS (
    SELECT source_id, checked_at, run,
           count(*) FILTER (WHERE kind = 2) OVER w AS failures,
           min(checked_at) FILTER (WHERE kind = 2) OVER w AS first_failure,
           max(checked_at) FILTER (WHERE kind = 2) OVER w AS last_failure,
           row_number() OVER (PARTITION BY source_id, date_trunc('week', checked_at AT TIME ZONE %(tz)s)
                              ORDER BY checked_at DESC, id DESC) AS newest
    FROM runs
    WINDOW w AS (PARTITION BY source_id, run ORDER BY checked_at, id ROWS UNBOUNDED PRECEDING)
)
SELECT date_trunc('week', checked_at AT TIME ZONE %(tz)s)::date AS week,
       CASE WHEN failures = 0 THEN CASE WHEN run > 0 THEN 'ok' ELSE 'unknown' END
            WHEN failures >= %(dead_failures)s AND last_failure - first_failure >= %(dead_span)s THEN 'dead'
            ELSE 'failing' END AS health,
       count(*)
FROM replayed
WHERE newest = 1 AND checked_at >= %(start)s
GROUP BY 1, 2
ORDER BY 1, 2
"""


def health_replay_lookback() -> timedelta:
    """How far before the first bucket the replay reads: long enough for a dead source on its schedule to show
    the failures the rule needs (N checks at the dead interval, or the rule's days, whichever is longer)."""
    n = settings.LINKCHECK_DEAD_AFTER_FAILURES
    hours = max(settings.LINKCHECK_DEAD_INTERVAL_HOURS, settings.LINKCHECK_FAILING_INTERVAL_HOURS)
    return max(timedelta(hours=n * hours), timedelta(days=settings.LINKCHECK_DEAD_AFTER_DAYS)) + timedelta(days=7)


def source_health_by_week(*, start: datetime, until: datetime) -> list[tuple]:
    """(monday, health, sources) for the weeks from ``start`` (a Monday, midnight) to ``until``: the sources
    checked each week by their health after their last check that week. PostgreSQL only (window functions)."""
    params = {
        "success": [str(o) for o in SUCCESS_OUTCOMES],
        "neutral": [str(o) for o in NEUTRAL_OUTCOMES],
        "replay_from": start - health_replay_lookback(),
        "start": start,
        "until": until,
        "tz": settings.TIME_ZONE,
        "dead_failures": settings.LINKCHECK_DEAD_AFTER_FAILURES,
        "dead_span": timedelta(days=settings.LINKCHECK_DEAD_AFTER_DAYS),
    }
    sql = _HEALTH_BY_WEEK_SQL.format(linkcheck=connection.ops.quote_name(LinkCheck._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def source_recent_checks(*, source_id: int, limit: int) -> list[LinkCheck]:
    """The source's newest checks, newest first (the page's table and its timeline share them)."""
    return list(
        LinkCheck.objects.filter(source_id=source_id)
        .only("id", "source_id", "checked_at", "outcome", "http_status", "elapsed_ms", "final_url", "error")
        .order_by("-checked_at", "-id")[:limit]
    )
