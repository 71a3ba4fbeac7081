"""The health rules as pure functions, then across simulated days against a loopback server."""

import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from claims.choices import ExcerptStatus
from sources.choices import Health, Outcome
from sources.health import (
    HealthState,
    excerpt_on_page,
    fold_text,
    health_after,
    html_to_text,
    next_check_delay,
    parse_availability,
)
from sources.health_rule import outcome_kind
from sources.models import LinkCheck, Source
from sources.services import new_run_key, sources_check
from tests import factories

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("outcome", "kind"),
    [
        (Outcome.OK, "success"),
        (Outcome.REDIRECTED, "success"),
        (Outcome.RATE_LIMITED, "neutral"),
        (Outcome.RESTRICTED, "neutral"),
        (Outcome.BLOCKED, "neutral"),
        (Outcome.NOT_FOUND, "failure"),
        (Outcome.SERVER_ERROR, "failure"),
        (Outcome.TIMEOUT, "failure"),
        (Outcome.DNS_ERROR, "failure"),
        (Outcome.REDIRECT_LOOP, "failure"),
        (Outcome.TOO_MANY_REDIRECTS, "failure"),
        (Outcome.TLS_ERROR, "failure"),
    ],
)
def test_outcome_kinds(outcome, kind):
    assert outcome_kind(outcome) == kind


def run(outcomes_by_day, *, failures=3, days=3):
    state = HealthState(Health.UNKNOWN)
    seen = []
    for day, outcome in outcomes_by_day:
        state = health_after(
            state, outcome, T0 + timedelta(days=day), dead_after_failures=failures, dead_after_days=days
        )
        seen.append(state.health)
    return state, seen


def test_dead_only_after_three_failures_spread_over_three_days():
    state, seen = run([(0, Outcome.NOT_FOUND), (1, Outcome.NOT_FOUND), (2, Outcome.NOT_FOUND), (3, Outcome.NOT_FOUND)])
    assert seen == [Health.FAILING, Health.FAILING, Health.FAILING, Health.DEAD]
    assert state.consecutive_failures == 4
    assert state.first_failure_at == T0


def test_one_bad_night_is_not_dead():
    _, seen = run([(0, Outcome.TIMEOUT), (0.01, Outcome.TIMEOUT), (0.02, Outcome.TIMEOUT), (0.03, Outcome.TIMEOUT)])
    assert seen == [Health.FAILING] * 4


def test_zero_days_means_the_count_alone():
    _, seen = run([(0, Outcome.SERVER_ERROR)] * 3, days=0)
    assert seen == [Health.FAILING, Health.FAILING, Health.DEAD]


def test_one_success_clears_and_restarts_the_count():
    state, seen = run(
        [
            (0, Outcome.NOT_FOUND),
            (1, Outcome.NOT_FOUND),
            (2, Outcome.OK),
            (3, Outcome.NOT_FOUND),
            (4, Outcome.NOT_FOUND),
            (5, Outcome.NOT_FOUND),
        ]
    )
    assert seen == [Health.FAILING, Health.FAILING, Health.OK, Health.FAILING, Health.FAILING, Health.FAILING]
    assert state.first_failure_at == T0 + timedelta(days=3)
    _, seen = run([(0, Outcome.NOT_FOUND), (1, Outcome.NOT_FOUND), (3, Outcome.NOT_FOUND), (4, Outcome.OK)])
    assert seen[-2:] == [Health.DEAD, Health.OK]


def test_neutral_outcomes_do_not_move_toward_dead():
    _, seen = run(
        [
            (0, Outcome.NOT_FOUND),
            (1, Outcome.RATE_LIMITED),
            (2, Outcome.RESTRICTED),
            (3, Outcome.BLOCKED),
            (4, Outcome.RATE_LIMITED),
        ]
    )
    assert seen == [Health.FAILING] * 5
    state, _ = run([(0, Outcome.RESTRICTED), (5, Outcome.RESTRICTED)])
    assert state == HealthState(Health.UNKNOWN)


def test_next_check_weekly_when_healthy_daily_when_failing_with_jitter(settings):
    rng = random.Random(4)
    week, day = timedelta(days=7), timedelta(days=1)
    healthy = [next_check_delay(Health.OK, Outcome.OK, rng=rng) for _ in range(200)]
    failing = [next_check_delay(Health.FAILING, Outcome.NOT_FOUND, rng=rng) for _ in range(200)]
    assert all(0.9 * week <= d <= 1.1 * week for d in healthy)
    assert all(0.9 * day <= d <= 1.1 * day for d in failing)
    assert len(set(healthy)) > 150  # spread, not all on one instant
    assert next_check_delay(Health.OK, Outcome.RATE_LIMITED, rng=rng) <= 1.1 * day
    assert next_check_delay(Health.OK, Outcome.RATE_LIMITED, retry_after=3 * 86400, rng=rng) == timedelta(days=3)
    settings.LINKCHECK_JITTER = 0
    assert next_check_delay(Health.DEAD, Outcome.NOT_FOUND) == week


# -- content drift --------------------------------------------------------------------------


def test_html_to_text_drops_markup_scripts_and_styles():
    text = html_to_text(
        "<html><head><title>T</title><style>p{}</style></head><body><script>x=1</script>"
        "<p>Hello&nbsp;<b>world</b></p><p>again</p></body></html>"
    )
    assert "x=1" not in text
    assert "p{}" not in text
    assert fold_text(text) == "hello world again"


@pytest.mark.parametrize(
    ("excerpt", "page", "found"),
    [
        ("the deficit fell to 3.1 per cent", "<p>The Deficit\n  fell to <b>3.1&nbsp;per cent</b></p>", True),
        ("“Quoted” — text", '<p>"quoted" - text</p>', True),
        ("ＧＤＰ增长5.2%", "<p>全年GDP增长\n5.2％，高于预期</p>", True),
        ("全年 GDP 增长", "<p>全年GDP增长</p>", True),
        ("国家统计局表示", "<p>国家统计局\n表示</p>", True),
        ("the deficit rose", "<p>the deficit fell</p>", False),
        ("   ", "<p>anything</p>", False),
    ],
)
def test_excerpt_search_folds_width_case_and_whitespace(excerpt, page, found):
    assert excerpt_on_page(excerpt, fold_text(html_to_text(page))) is found


def test_parse_availability():
    answer = (
        '{"archived_snapshots": {"closest": {"available": true, "status": "200", '
        '"url": "http://web.archive.org/web/20200101000000/http://x.org/", "timestamp": "20200101000000"}}}'
    )
    snapshot = parse_availability(answer)
    assert snapshot.url.startswith("http://web.archive.org/")
    assert snapshot.at == datetime(2020, 1, 1, tzinfo=UTC)
    assert parse_availability('{"archived_snapshots": {}}') is None
    assert parse_availability("not json") is None
    assert (
        parse_availability('{"archived_snapshots": {"closest": {"url": "javascript:x", "timestamp": "2020"}}}') is None
    )


# -- across simulated days, against the loopback farm ---------------------------------------


@pytest.mark.django_db
def test_a_dead_link_over_days_then_archived(farm):
    claim = factories.ClaimFactory()
    source = factories.SourceFactory(url=farm.url("/status/404"))
    with time_machine.travel(T0, tick=False):  # cited at T0 exactly, however long creating it takes
        evidence = factories.EvidenceFactory(claim=claim, source=source)
    farm.snapshots[:] = [
        ("20250101000000", "http://web.archive.org/web/20250101000000/x"),  # before citation
        ("20260401000000", "http://web.archive.org/web/20260401000000/x"),
    ]  # after, but closer
    healths = []
    for day in (0, 1, 2, 3):
        with time_machine.travel(T0 + timedelta(days=day, hours=1 + day), tick=True):
            sources_check(source_ids=[source.id], run_key=f"day-{day}")
        source.refresh_from_db()
        healths.append(source.health)
        if day < 3:
            wait = source.next_check_at - (T0 + timedelta(days=day, hours=1 + day))
            assert timedelta(hours=21) < wait < timedelta(hours=27)
    assert healths == [Health.FAILING, Health.FAILING, Health.FAILING, Health.DEAD]
    assert source.consecutive_failures == 4
    assert source.last_outcome == Outcome.NOT_FOUND
    assert source.last_status == 404
    # The closest snapshot *before* the citation, although a later one is closer.
    assert source.archive_url == "http://web.archive.org/web/20250101000000/x"
    assert source.archived_at == datetime(2025, 1, 1, tzinfo=UTC)
    assert LinkCheck.objects.filter(source=source).count() == 4
    assert evidence.created_at == T0


@pytest.mark.django_db
def test_archive_falls_back_to_the_closest_at_all(farm):
    source = factories.SourceFactory(url=farm.url("/status/410"))
    factories.EvidenceFactory(source=source)
    farm.snapshots[:] = [("20990101000000", "http://web.archive.org/web/20990101000000/x")]
    Source.objects.filter(id=source.id).update(
        health=Health.FAILING, consecutive_failures=5, first_failure_at=T0 - timedelta(days=30)
    )
    sources_check(source_ids=[source.id], run_key=new_run_key())
    source.refresh_from_db()
    assert source.health == Health.DEAD
    assert source.archive_url == "http://web.archive.org/web/20990101000000/x"


@pytest.mark.django_db
def test_500_then_200_recovers_to_ok(farm):
    source = factories.SourceFactory(url=farm.url("/flaky?key=recover"))
    sources_check(source_ids=[source.id], run_key="r1")
    source.refresh_from_db()
    assert (source.health, source.consecutive_failures, source.last_status) == (Health.FAILING, 1, 500)
    sources_check(source_ids=[source.id], run_key="r2")
    source.refresh_from_db()
    assert (source.health, source.consecutive_failures, source.first_failure_at) == (Health.OK, 0, None)
    assert source.last_outcome == Outcome.OK


@pytest.mark.django_db
def test_429_retry_after_sets_the_next_check(farm):
    source = factories.SourceFactory(url=farm.url("/rate-limited?after=259200"))
    with time_machine.travel(T0, tick=False):
        sources_check(source_ids=[source.id], run_key="r1")
    source.refresh_from_db()
    assert source.health == Health.UNKNOWN
    assert source.last_outcome == Outcome.RATE_LIMITED
    assert source.next_check_at == T0 + timedelta(days=3)


@pytest.mark.django_db
def test_redirected_source_shows_its_final_url(farm):
    source = factories.SourceFactory(url=farm.url("/moved"))
    sources_check(source_ids=[source.id], run_key="r1")
    source.refresh_from_db()
    assert (source.health, source.last_outcome, source.final_url) == (Health.OK, Outcome.REDIRECTED, farm.url("/ok"))


@pytest.mark.django_db
def test_excerpt_removed_from_a_live_page_is_missing(farm):
    live = factories.EvidenceFactory(
        source=factories.SourceFactory(url=farm.url("/article")), excerpt="Officials confirmed the figure on Monday."
    )
    gone = factories.EvidenceFactory(
        source=factories.SourceFactory(url=farm.url("/article?removed=1")),
        excerpt="Officials confirmed the figure on Monday.",
    )
    sources_check(source_ids=[live.source_id, gone.source_id], run_key="r1")
    live.refresh_from_db()
    gone.refresh_from_db()
    assert live.excerpt_status == ExcerptStatus.FOUND
    assert gone.excerpt_status == ExcerptStatus.MISSING
    assert gone.excerpt_checked_at is not None
    assert gone.source.checks.get().outcome == Outcome.OK  # the link lives; it no longer says it
    assert all(entry["method"] == "GET" for entry in farm.log)  # an excerpt needs the page


@pytest.mark.django_db
@pytest.mark.parametrize("charset", ["utf-8", "gb18030"])
def test_chinese_page_with_the_excerpt_present(farm, charset):
    evidence = factories.EvidenceFactory(
        source=factories.SourceFactory(url=farm.url(f"/zh?charset={charset}")),
        excerpt="国家统计局表示，2023年全年GDP增长5.2%",
    )
    other = factories.EvidenceFactory(source=evidence.source, excerpt="增长百分之十")
    sources_check(source_ids=[evidence.source_id], run_key="r1")
    evidence.refresh_from_db()
    other.refresh_from_db()
    assert evidence.excerpt_status == ExcerptStatus.FOUND
    assert other.excerpt_status == ExcerptStatus.MISSING


@pytest.mark.django_db
def test_excerpt_not_judged_when_the_page_is_gone(farm):
    evidence = factories.EvidenceFactory(
        source=factories.SourceFactory(url=farm.url("/status/404")), excerpt="anything"
    )
    sources_check(source_ids=[evidence.source_id], run_key="r1")
    evidence.refresh_from_db()
    assert evidence.excerpt_status == ExcerptStatus.UNCHECKED
