"""Link health after a check, defined once: the outcome classes, the dead thresholds, and the rule in Python and SQL.

A success makes a source ok; a failure makes it failing, or dead once there are ``LINKCHECK_DEAD_AFTER_FAILURES``
failures in a row whose first and last are at least ``LINKCHECK_DEAD_AFTER_DAYS`` apart; a neutral outcome (rate
limited, restricted, blocked) leaves everything as it was; only neutral outcomes since the first check leave it
unknown. The classes of outcomes are the constants of sources.choices (beside the outcomes, where the charts group
them too).

Three places apply the rule: the recorder check by check (sources.health.health_after), the rebuild of the weekly
health rollup over the whole history (sources.rollups), and "turned dead", which finds in the history the check at
which a source met the rule (sources.selectors). The SQL the last two need is generated here from the same
constants, and tests/sources/test_health_rule.py holds it equal to the Python on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q

from factcheck.db import InConstants, sql_constants

from .choices import NEUTRAL_OUTCOMES, SUCCESS_OUTCOMES, Health

SUCCESS, FAILURE, NEUTRAL = "success", "failure", "neutral"

# Anything that is neither a success nor neutral is a failure, unknown values included: SQL says "NOT IN" for it.
_NOT_FAILURE = SUCCESS_OUTCOMES | NEUTRAL_OUTCOMES


def outcome_kind(outcome: str) -> str:
    """success, failure, or neutral (a result that says nothing about the source being alive)."""
    if outcome in SUCCESS_OUTCOMES:
        return SUCCESS
    if outcome in NEUTRAL_OUTCOMES:
        return NEUTRAL
    return FAILURE


def outcome_kind_sql(column: str, kind: str) -> str:
    """The SQL condition that ``column`` (an outcome) is of ``kind``, as outcome_kind decides it."""
    if kind == SUCCESS:
        return f"{column} IN {sql_constants(sorted(SUCCESS_OUTCOMES))}"
    if kind == NEUTRAL:
        return f"{column} IN {sql_constants(sorted(NEUTRAL_OUTCOMES))}"
    if kind == FAILURE:
        return f"{column} NOT IN {sql_constants(sorted(_NOT_FAILURE))}"
    raise ValueError(f"no outcome kind {kind!r}")


def failure_q(field: str = "outcome") -> Q:
    """The ORM filter for a failed check (outcome_kind(outcome) == FAILURE), its values written into the SQL."""
    return ~Q(InConstants(field, sorted(_NOT_FAILURE)))


@dataclass(frozen=True)
class DeadRule:
    """Dead after ``failures`` failures in a row (neutral outcomes between them do not count or break the row)
    whose first and last are at least ``span`` apart."""

    failures: int
    span: timedelta

    @classmethod
    def from_settings(cls, *, failures: int | None = None, days: float | None = None) -> DeadRule:
        """LINKCHECK_DEAD_AFTER_FAILURES and LINKCHECK_DEAD_AFTER_DAYS, unless given; one failure at least."""
        failures = settings.LINKCHECK_DEAD_AFTER_FAILURES if failures is None else failures
        days = settings.LINKCHECK_DEAD_AFTER_DAYS if days is None else days
        return cls(max(1, int(failures)), timedelta(days=days))

    def is_dead(self, failures: int, first: datetime, last: datetime) -> bool:
        """A row of ``failures`` failures from ``first`` to ``last`` makes its source dead."""
        return failures >= self.failures and last >= first + self.span

    def sql(self, failures: str, first: str, last: str) -> str:
        """is_dead in SQL over three columns (a count and two timestamptz), the thresholds written in."""
        span = self.span
        interval = f"interval '{span.days} days {span.seconds} seconds {span.microseconds} microseconds'"
        return f"({failures} >= {self.failures} AND {last} >= {first} + {interval})"

    def q(self, failures: str, first: str, last: str) -> Q:
        """is_dead as an ORM filter over three fields or annotations."""
        return Q(**{f"{failures}__gte": self.failures}) & Q(**{f"{last}__gte": F(first) + self.span})


def _literal(value: str) -> str:
    return sql_constants([value])[1:-1]


def health_replay_sql(*, checks: str, rule: DeadRule) -> str:
    """A SELECT of every check in ``checks`` (a table or subquery with source_id, id, checked_at, outcome) with
    ``health``, its source's health after it by the rule replayed over the source's checks in (checked_at, id)
    order, and ``newest_in_week``, 1 for a source's last check of its week (weeks start on Monday in the time zone
    given as the parameter ``tz``).

    A success starts a new run; the health after a check follows from the failures of its run so far. One sort
    per window: by source and time, by source and run, and by source and week.
    """
    success, failure = outcome_kind_sql("outcome", SUCCESS), outcome_kind_sql("outcome", FAILURE)
    return f"""
SELECT source_id, id, checked_at, newest_in_week,
       CASE WHEN failures = 0 THEN CASE WHEN run > 0 THEN {_literal(Health.OK)} ELSE {_literal(Health.UNKNOWN)} END
            WHEN {rule.sql("failures", "first_failure", "last_failure")} THEN {_literal(Health.DEAD)}
            ELSE {_literal(Health.FAILING)} END AS health
FROM (
    SELECT source_id, id, checked_at, run,
           count(*) FILTER (WHERE failure) OVER w AS failures,
           min(checked_at) FILTER (WHERE failure) OVER w AS first_failure,
           max(checked_at) FILTER (WHERE failure) OVER w AS last_failure,
           row_number() OVER (PARTITION BY source_id, date_trunc('week', checked_at AT TIME ZONE %(tz)s)
                              ORDER BY checked_at DESC, id DESC) AS newest_in_week
    FROM (
        SELECT source_id, id, checked_at, failure,
               count(*) FILTER (WHERE success)
                   OVER (PARTITION BY source_id ORDER BY checked_at, id ROWS UNBOUNDED PRECEDING) AS run
        FROM (SELECT source_id, id, checked_at, {success} AS success, {failure} AS failure FROM {checks}) AS c
    ) AS runs
    WINDOW w AS (PARTITION BY source_id, run ORDER BY checked_at, id ROWS UNBOUNDED PRECEDING)
) AS replayed
"""
