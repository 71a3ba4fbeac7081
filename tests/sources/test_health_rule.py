"""The rule of link health, held equal in its three places (sources/health_rule.py) on generated check histories.

Each history is recorded by the link checker's own write (linkchecks_record, which applies health_after), and the
same checks replayed in Python here are the oracle for: the stored health, the SQL replay (health_replay_sql) check
by check, the weekly rollup both as the recorder keeps it and as the rebuild recomputes it, and "turned dead"
(sources_turned_dead) at many moments, the edges among them.
"""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from sources.choices import NEUTRAL_OUTCOMES, SUCCESS_OUTCOMES, Health, Outcome
from sources.fetch import CheckResult
from sources.health import HealthState, SourceResult, health_after, linkchecks_record
from sources.health_rule import (
    FAILURE,
    NEUTRAL,
    SUCCESS,
    DeadRule,
    failure_q,
    health_replay_sql,
    outcome_kind,
    outcome_kind_sql,
)
from sources.models import LinkCheck, Source, SourceHealthWeek
from sources.rollups import check_rollups_rebuild
from sources.selectors import sources_turned_dead
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

US = timedelta(microseconds=1)
# Sunday 23:00 UTC, Monday 07:00 in Shanghai: the first gaps cross a week's edge in both zones.
T0 = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
# Not an Outcome: a value the rule has never heard of is a failure, in Python and in SQL.
STRANGE = "gone_fishing"
KINDS = {
    SUCCESS: sorted(SUCCESS_OUTCOMES),
    NEUTRAL: sorted(NEUTRAL_OUTCOMES),
    FAILURE: sorted({*Outcome.values, STRANGE} - SUCCESS_OUTCOMES - NEUTRAL_OUTCOMES),
}


def gaps(span: timedelta) -> list[timedelta]:
    """Gaps between checks, many of them on the span's edge (a run's first-to-last distance lands on it exactly,
    or a microsecond either side, when two or three of them add up)."""
    half = span / 2
    around = [g + d for g in (half, span) for d in (-US, timedelta(0), US)]
    return [g for g in [US, timedelta(hours=1), *around, 3 * span, timedelta(days=8)] if g > timedelta(0)]


def histories(rng: random.Random, *, sources: int, span: timedelta) -> list[list[tuple[datetime, str]]]:
    """For each source, its checks as (time, outcome), times strictly increasing (a source is checked once at a
    time; turned-dead reads a run from its first failure's time)."""
    choices = gaps(span)
    made = []
    for _ in range(sources):
        at = T0 + rng.choice([timedelta(0), timedelta(hours=2), timedelta(days=3)])
        checks = []
        for _ in range(rng.randint(1, 12)):
            kind = rng.choices([SUCCESS, FAILURE, NEUTRAL], weights=[2, 5, 2])[0]
            checks.append((at, rng.choice(KINDS[kind])))
            at += rng.choice(choices)
        made.append(checks)
    return made


def edge_histories(rule: DeadRule) -> list[list[tuple[datetime, str]]]:
    """Runs made to end on the span's edge: failing a microsecond before it, dead on it, with neutral checks in
    the run, a success just before the edge, and a source that turns dead, recovers and turns dead again."""
    n, span = rule.failures, rule.span
    if n < 2 or not span:
        return []
    start = T0 + timedelta(hours=5)
    spaced = [start + span * i / (n - 1) for i in range(n)]  # n failures, the last on the edge
    fail, neutral, ok = Outcome.NOT_FOUND, Outcome.RATE_LIMITED, Outcome.OK
    short = [(at, fail) for at in spaced[:-1]] + [(spaced[-1] - US, fail)]
    with_neutral = [check for at in spaced for check in ((at, fail), (at + US, neutral))]
    interrupted = [(at, fail) for at in spaced[:-1]] + [(spaced[-1] - US, ok), (spaced[-1], fail)]
    again = [*short, (spaced[-1], fail), (spaced[-1] + 2 * US, ok)]
    again += [(at + span + 3 * US, outcome) for at, outcome in again[:-1]]
    return [[*short, (spaced[-1], fail)], with_neutral, interrupted, again]


def replay(checks, **thresholds) -> list[HealthState]:
    """The oracle: health_after over a source's checks from a source never checked."""
    state, states = HealthState(Health.UNKNOWN), []
    for at, outcome in checks:
        state = health_after(state, outcome, at, **thresholds)
        states.append(state)
    return states


def turned_dead_at(checks, states) -> datetime | None:
    """When a source dead after its last check last turned dead (None when it is not dead now)."""
    turned, before = None, Health.UNKNOWN
    for (at, _), state in zip(checks, states, strict=True):
        if state.health == Health.DEAD and before != Health.DEAD:
            turned = at
        before = state.health
    return turned if before == Health.DEAD else None


def record_all(sources, histories_) -> dict[tuple[int, int], int]:
    """Record every history through the checker's write, one batch per step; returns (source, step) -> check id."""
    for step in range(max(len(h) for h in histories_)):
        batch = [
            SourceResult(source.id, CheckResult(url=source.url, outcome=h[step][1], checked_at=h[step][0]))
            for source, h in zip(sources, histories_, strict=True)
            if step < len(h)
        ]
        linkchecks_record(results=batch, run_key=f"step-{step}", rng=random.Random(step))
    return {
        (source_id, int(run_key.removeprefix("step-"))): check_id
        for check_id, source_id, run_key in LinkCheck.objects.values_list("id", "source_id", "run_key")
    }


def sql_replay(rule: DeadRule, tz: str) -> dict[int, tuple[str, int]]:
    """check id -> (health after it, newest_in_week) by the generated SQL."""
    sql = health_replay_sql(checks=connection.ops.quote_name(LinkCheck._meta.db_table), rule=rule)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"tz": tz})
        return {check_id: (health, newest) for _, check_id, _, newest, health in cursor.fetchall()}


def monday(at: datetime, tz: str):
    day = at.astimezone(ZoneInfo(tz)).date()
    return day - timedelta(days=day.weekday())


def weekly(histories_, states_, tz: str) -> dict:
    """(monday, health) -> sources: each source once a week, with its health after its last check that week."""
    last = {}
    for n, (checks, states) in enumerate(zip(histories_, states_, strict=True)):
        for (at, _), state in zip(checks, states, strict=True):
            last[(n, monday(at, tz))] = state.health
    return dict(Counter((week, health) for (_, week), health in last.items()))


def rollup() -> dict:
    return {(r.week, r.health): r.sources for r in SourceHealthWeek.objects.filter(sources__gt=0)}


@pytest.mark.parametrize(
    ("failures", "days", "seed"),
    [
        (3, 2, 1),  # the shape of the defaults
        (3, 2, 2),
        (2, 0.5, 3),  # a span that is not a whole number of days
        (1, 0, 4),  # dead at the first failure
        (0, 0, 5),  # a count below one means one, everywhere
    ],
)
def test_python_and_sql_agree_on_generated_histories(settings, failures, days, seed):
    settings.LINKCHECK_DEAD_AFTER_FAILURES = failures
    settings.LINKCHECK_DEAD_AFTER_DAYS = days
    rule = DeadRule.from_settings()
    rng = random.Random(seed)
    made = edge_histories(rule) + histories(rng, sources=150, span=rule.span)
    sources = SourceFactory.create_batch(len(made))
    check_ids = record_all(sources, made)
    states = [replay(h, dead_after_failures=failures, dead_after_days=days) for h in made]
    expected_health = {
        check_ids[(source.id, step)]: state.health
        for source, source_states in zip(sources, states, strict=True)
        for step, state in enumerate(source_states)
    }
    # Enough of every health, and runs that end on the span's edge, for the comparisons to mean something.
    finals = Counter(s[-1].health for s in states)
    can_fail = rule.failures > 1 or rule.span > timedelta(0)
    assert all(finals[h] >= 5 for h in (Health.OK, Health.DEAD, *([Health.FAILING] if can_fail else []))), finals
    assert Counter(expected_health.values())[Health.UNKNOWN] >= 1
    if rule.span:
        runs = [
            (state.health, at - state.first_failure_at)
            for checks, source_states in zip(made, states, strict=True)
            for (at, outcome), state in zip(checks, source_states, strict=True)
            if outcome_kind(outcome) == FAILURE and state.consecutive_failures >= rule.failures
        ]
        assert (Health.DEAD, rule.span) in runs
        assert (Health.FAILING, rule.span - US) in runs

    # The recorder stored what the rule says.
    for source, source_states in zip(sources, states, strict=True):
        source.refresh_from_db()
        final = source_states[-1]
        assert (source.health, source.consecutive_failures, source.first_failure_at) == (
            final.health,
            final.consecutive_failures,
            final.first_failure_at,
        )

    # The SQL replay, check by check, and its week boundaries in two zones.
    for tz in ("UTC", "Asia/Shanghai"):
        replayed = sql_replay(rule, tz)
        assert {check_id: health for check_id, (health, _) in replayed.items()} == expected_health
        newest = {check_id for check_id, (_, n) in replayed.items() if n == 1}
        expected_newest = {}
        for source, checks in zip(sources, made, strict=True):
            for step, (at, _) in enumerate(checks):
                expected_newest[(source.id, monday(at, tz))] = check_ids[(source.id, step)]
        assert newest == set(expected_newest.values())

    # The weekly rollup: as the recorder kept it, and as the rebuild replays it.
    expected_weeks = weekly(made, states, settings.TIME_ZONE)
    assert rollup() == expected_weeks
    check_rollups_rebuild()
    assert rollup() == expected_weeks

    # Turned dead: at every moment a source turned dead, a microsecond either side, and at random moments.
    turned = {
        source.id: turned_dead_at(checks, source_states)
        for source, checks, source_states in zip(sources, made, states, strict=True)
    }
    edges = {at for at in turned.values() if at is not None}
    moments = {at + d for at in edges for d in (-US, timedelta(0), US)}
    all_times = [at for checks in made for at, _ in checks]
    moments |= set(rng.sample(all_times, 40))
    for since in sorted(moments):
        expected = {sid for sid, at in turned.items() if at is not None and at >= since}
        assert set(sources_turned_dead(since=since).values_list("id", flat=True)) == expected, since


def test_the_outcome_classes_in_sql_are_outcome_kind():
    values = [*Outcome.values, STRANGE]
    columns = ", ".join(f"{outcome_kind_sql('o', kind)} AS {kind}" for kind in (SUCCESS, NEUTRAL, FAILURE))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT o, {columns} FROM unnest(%s::text[]) AS o", [values])  # ours
        rows = cursor.fetchall()
    assert len(rows) == len(values)
    for outcome, *flags in rows:
        assert [kind for kind, flag in zip((SUCCESS, NEUTRAL, FAILURE), flags, strict=True) if flag] == [
            outcome_kind(outcome)
        ]
    with pytest.raises(ValueError, match="no outcome kind"):
        outcome_kind_sql("o", "dead")


def test_the_orm_failure_filter_is_outcome_kind():
    source = SourceFactory()
    for n, outcome in enumerate([*Outcome.values, STRANGE]):
        LinkCheck.objects.create(source=source, run_key=f"r{n}", checked_at=T0, outcome=outcome, elapsed_ms=1)
    assert set(LinkCheck.objects.filter(failure_q()).values_list("outcome", flat=True)) == {
        outcome for outcome in [*Outcome.values, STRANGE] if outcome_kind(outcome) == FAILURE
    }


@pytest.mark.parametrize(
    "span", [timedelta(0), timedelta(days=3), timedelta(days=0.1), timedelta(days=2, microseconds=1)]
)
def test_the_dead_rule_in_sql_and_orm_is_is_dead(span):
    rule = DeadRule(failures=3, span=span)
    cases = [(n, T0, T0 + span + d) for n in (2, 3, 4) for d in (-US, timedelta(0), US)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rule.sql('n', 'first', 'last')} FROM unnest(%s::int[], %s::timestamptz[], %s::timestamptz[])"
            " WITH ORDINALITY AS c(n, first, last, i) ORDER BY i",
            [[c[0] for c in cases], [c[1] for c in cases], [c[2] for c in cases]],
        )
        in_sql = [row[0] for row in cursor.fetchall()]
    in_python = [rule.is_dead(*c) for c in cases]
    assert in_sql == in_python
    assert in_python.count(True) == 4  # 3 and 4 failures, on the edge and past it
    # The ORM form, over sources whose consecutive_failures, first_failure_at and last_checked_at hold the cases.
    made = [
        SourceFactory(consecutive_failures=n, first_failure_at=first, last_checked_at=last) for n, first, last in cases
    ]
    rows = Source.objects.filter(rule.q("consecutive_failures", "first_failure_at", "last_checked_at"))
    dead = set(rows.values_list("id", flat=True))
    assert [s.id in dead for s in made] == in_python
