"""Reads of sources and their link checks that are more than a filter call (the reviewers' dashboard, the source
page's timeline). Each is one query; the grouping happens in PostgreSQL, or ahead of time in the rollups
(sources.rollups) for the charts over the check history."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from .choices import Health
from .health_rule import DeadRule, failure_q
from .models import Capture, LinkCheck, LinkCheckDay, Source, SourceHealthWeek

TURNED_DEAD_DAYS = 7  # "sources that turned dead this week": the dashboard's count and the source list's filter


def sources_turned_dead(*, since: datetime) -> QuerySet[Source]:
    """Sources that are dead now and turned dead at a check at or after ``since``.

    The moment a source turns dead is not stored; it follows from its checks and the rule (sources/health_rule.py):
    dead after LINKCHECK_DEAD_AFTER_FAILURES failures in a row spanning LINKCHECK_DEAD_AFTER_DAYS. A dead source's
    current run of failures began at ``first_failure_at`` with no success since, so it turned dead before ``since``
    exactly when the failures of that run checked before ``since`` met the rule. Sources that turned dead and came
    back since are not dead now, and not in this list: nothing about them needs doing.
    """
    before = (
        LinkCheck.objects.filter(source=OuterRef("pk"), checked_at__gte=OuterRef("first_failure_at"))
        .filter(checked_at__lt=since)
        .filter(failure_q())
        .order_by()
        .values("source")
    )
    failures = Coalesce(
        Subquery(before.annotate(n=Count("*")).values("n"), output_field=IntegerField()),
        Value(0),
    )
    last_failure = Subquery(before.annotate(last=Max("checked_at")).values("last"))
    dead_already = DeadRule.from_settings().q(
        failures="failures_before", first="first_failure_at", last="last_failure_before"
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
        # count(*), not count(id): the dead sources' partial index (domain, archive_url) answers it index-only
        .annotate(dead=Count("*"), archived=Count("archive_url", filter=~Q(archive_url="")))
        .order_by("-dead", "domain")[:limit]
    )
    return list(rows)


def checks_by_day(*, first: date, last: date) -> list[tuple]:
    """(day, outcome, checks) for the days from ``first`` to ``last``, days in settings.TIME_ZONE: from the
    rollup the service keeps as checks are recorded (sources.rollups), a row per day and outcome."""
    rows = (
        LinkCheckDay.objects.filter(day__gte=first, day__lte=last, checks__gt=0)
        .order_by("day", "outcome")
        .values_list("day", "outcome", "checks")
    )
    return list(rows)


def source_health_by_week(*, first: date, last: date) -> list[tuple]:
    """(monday, health, sources) for the weeks from ``first`` to ``last`` (Mondays): the sources checked each week
    by their health after their last check that week, from the rollup kept by sources.rollups."""
    rows = (
        SourceHealthWeek.objects.filter(week__gte=first, week__lte=last, sources__gt=0)
        .order_by("week", "health")
        .values_list("week", "health", "sources")
    )
    return list(rows)


def source_recent_checks(*, source_id: int, limit: int) -> list[LinkCheck]:
    """The source's newest checks, newest first (the page's table and its timeline share them)."""
    return list(
        LinkCheck.objects.filter(source_id=source_id)
        .only("id", "source_id", "checked_at", "outcome", "failure", "http_status", "elapsed_ms", "final_url", "error")
        .order_by("-checked_at", "-id")[:limit]
    )


def source_captures(*, source_id: int) -> QuerySet[Capture]:
    """The source's captures, newest first (along the index of a source's captures), without their text: a list
    shows when, why, how each went and its hash, not the page."""
    return Capture.objects.filter(source_id=source_id).defer("text").order_by("-fetched_at", "-id")
