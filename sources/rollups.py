"""Link-check figures pre-aggregated for the reviewers' dashboard, kept current as checks are recorded.

Two small tables (sources.models): LinkCheckDay, checks per day and outcome, and SourceHealthWeek, the sources
checked each week by their health after their last check that week. The dashboard reads a few dozen of their rows
instead of grouping months of LinkCheck history (the health replay alone cost 225 ms at make bench scale with the
windows full; a real schedule, 300,000 sources weekly, is 5M checks in its sixteen weeks).

- ``rollups_add_checks`` applies one recorded batch's changes; sources.health.linkchecks_record calls it in its
  own transaction, so the rollups move with the checks, in the same commit.
- ``check_rollups_rebuild`` recomputes both tables from the whole LinkCheck history: the migration's backfill,
  after a bulk load that bypassed the service (bench/generate.py COPYs checks), and weekly by beat as a repair
  (checks deleted with their source). Safe to run twice.

Both follow the rule of sources/health_rule.py: the health after a check is the stored health the service computes
(health_after), and the rebuild replays that same rule, in SQL generated from the same constants, over each
source's whole history, so the two agree.
Days and weeks are in settings.TIME_ZONE; rebuild after changing it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from .health_rule import DeadRule, health_replay_sql
from .models import LinkCheck, LinkCheckDay, SourceHealthWeek


@dataclass(frozen=True)
class CheckChange:
    """One recorded check and what it did to its source's health."""

    at: datetime
    outcome: str
    health_after: str
    health_before: str
    last_checked_before: datetime | None


def local_day(at: datetime) -> date:
    return at.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def week_of(at: datetime) -> date:
    day = local_day(at)
    return day - timedelta(days=day.weekday())


def _upsert(table: str, key: tuple[str, str], value: str, deltas: Counter) -> None:
    rows = sorted((k, n) for k, n in deltas.items() if n)  # one order for every writer: no deadlock between batches
    if not rows:
        return
    qn = connection.ops.quote_name
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    sql = (
        f"INSERT INTO {qn(table)} ({qn(key[0])}, {qn(key[1])}, {qn(value)}) VALUES {values} "  # names
        f"ON CONFLICT ({qn(key[0])}, {qn(key[1])}) DO UPDATE SET {qn(value)} = {qn(table)}.{qn(value)} + "
        f"excluded.{qn(value)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [v for (a, b), n in rows for v in (a, b, n)])


def rollups_add_checks(changes: Iterable[CheckChange]) -> None:
    """Count a batch of recorded checks: +1 per check on its day and outcome; in its week, the source moves from
    the health after its previous check that week (if it had one) to its health now. Two statements at most."""
    days: Counter = Counter()
    weeks: Counter = Counter()
    for change in changes:
        days[(local_day(change.at), change.outcome)] += 1
        week = week_of(change.at)
        if change.last_checked_before is not None and week_of(change.last_checked_before) == week:
            weeks[(week, change.health_before)] -= 1
        weeks[(week, change.health_after)] += 1
    _upsert(LinkCheckDay._meta.db_table, ("day", "outcome"), "checks", days)
    _upsert(SourceHealthWeek._meta.db_table, ("week", "health"), "sources", weeks)


# Each source counts once per week, with its health after its last check that week: the rule replayed over its
# whole history (sources.health_rule.health_replay_sql).
_HEALTH_WEEKS_SQL = """
INSERT INTO {rollup} (week, health, sources)
SELECT date_trunc('week', checked_at AT TIME ZONE %(tz)s)::date, health, count(*)
FROM ({replay}) AS replayed
WHERE newest_in_week = 1
GROUP BY 1, 2
"""

_CHECK_DAYS_SQL = """
INSERT INTO {rollup} (day, outcome, checks)
SELECT (checked_at AT TIME ZONE %(tz)s)::date, outcome, count(*) FROM {linkcheck} GROUP BY 1, 2
"""


@transaction.atomic
def check_rollups_rebuild() -> dict[str, int]:
    """Recompute LinkCheckDay and SourceHealthWeek from every LinkCheck; returns the rows written.

    The rollups are locked first (readers go on reading the old rows): a batch recorded meanwhile waits to add its
    deltas until the rebuild commits, and the rebuild's reads see every batch that committed before it. 11 s for
    3,000,000 checks (make bench scale), most of it the replay's sort.
    """
    qn = connection.ops.quote_name
    day_table, week_table = qn(LinkCheckDay._meta.db_table), qn(SourceHealthWeek._meta.db_table)
    params = {"tz": settings.TIME_ZONE}
    linkcheck = qn(LinkCheck._meta.db_table)
    replay = health_replay_sql(checks=linkcheck, rule=DeadRule.from_settings())
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {day_table}, {week_table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SET LOCAL jit = off")  # compiling the replay costs more than it saves
        cursor.execute("SET LOCAL work_mem = '64MB'")  # the replay sorts the whole history: in memory when it fits
        cursor.execute(f"DELETE FROM {day_table}")  # names only
        cursor.execute(f"DELETE FROM {week_table}")  # names only
        cursor.execute(_CHECK_DAYS_SQL.format(rollup=day_table, linkcheck=linkcheck), params)
        days = cursor.rowcount
        cursor.execute(_HEALTH_WEEKS_SQL.format(rollup=week_table, replay=replay), params)
        weeks = cursor.rowcount
    return {"days": days, "weeks": weeks}
