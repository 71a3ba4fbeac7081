"""The reviewers' dashboard on the admin home: each panel's figures against data made for it, the links, the cache,
who sees it, and the SVG charts."""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims import dashboard
from claims import tasks as claims_tasks
from claims.choices import ClaimStatus, ExcerptStatus, Verdict
from claims.models import Claim, ClaimEvidenceTally, Evidence
from claims.rollups import all_lost_tallies, claim_tallies_rebuild
from claims.selectors import attention
from sources import tasks
from sources.choices import Health, Outcome
from sources.fetch import CheckResult
from sources.health import SourceResult, linkchecks_record
from sources.models import LinkCheckDay, Source, SourceHealthWeek
from sources.rollups import check_rollups_rebuild
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    LinkCheckFactory,
    PublishedClaimFactory,
    ResearcherFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

ADMIN = "/admin/"
# A Wednesday: the week buckets start on Monday 23 November.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.delete(dashboard.CACHE_KEY)
    yield
    cache.delete(dashboard.CACHE_KEY)


@pytest.fixture
def rclient(client, reviewer):
    cache.delete(dashboard.USER_CACHE_KEY.format(reviewer.pk))
    client.force_login(reviewer)
    return client


def record(source: Source, outcome: str, at: datetime, elapsed_ms: int = 120) -> None:
    """One check of ``source`` at ``at``, recorded by the link checker's own write (health moved by its rule)."""
    result = CheckResult(url=source.url, outcome=outcome, checked_at=at, elapsed_ms=elapsed_ms)
    linkchecks_record(results=[SourceResult(source.id, result)], run_key=f"t{at.timestamp():.0f}-{source.id}")


def fail(source, *ats):
    for at in ats:
        record(source, Outcome.NOT_FOUND, at)


# --- needs attention -----------------------------------------------------------------------------------------


def dead_source(**kw):
    return SourceFactory(health=Health.DEAD, **kw)


def live_needing_attention() -> set[int]:
    """The rule computed live from evidence and sources, the definition the tally replaced: claims citing something,
    none of it still backed (alive, or dead with an archived copy). Only the tests keep it, as the tally's oracle."""
    cited = Evidence.objects.filter(claim=OuterRef("pk"))
    still_backed = cited.filter(~Q(source__health=Health.DEAD) | ~Q(source__archive_url=""))
    return set(Claim.objects.filter(Exists(cited)).exclude(Exists(still_backed)).values_list("pk", flat=True))


def test_all_sources_dead_counts_claims_with_nothing_left_to_follow():
    counted = ClaimFactory()
    EvidenceFactory(claim=counted, source=dead_source())
    EvidenceFactory(claim=counted, source=dead_source())
    draft_too = ClaimFactory(status=ClaimStatus.DRAFT)  # the admin filter counts every status; so do we
    EvidenceFactory(claim=draft_too, source=dead_source())
    one_alive = ClaimFactory()
    EvidenceFactory(claim=one_alive, source=dead_source())
    EvidenceFactory(claim=one_alive, source=SourceFactory(health=Health.OK))
    archived = ClaimFactory()
    EvidenceFactory(claim=archived, source=dead_source(archive_url="https://web.archive.org/web/2024/x"))
    failing = ClaimFactory()
    EvidenceFactory(claim=failing, source=SourceFactory(health=Health.FAILING))
    ClaimFactory()  # no evidence at all: not "needs attention"

    assert live_needing_attention() == {counted.pk, draft_too.pk}
    assert set(dashboard.claims_all_sources_dead()) == {counted, draft_too}
    assert set(attention.claims_needing_attention()) == {counted, draft_too}  # the admin filter's definition
    assert dashboard.attention_counts(now=NOW)["all_sources_dead"] == 2
    condition = attention.needs_attention_condition()
    assert set(Claim.objects.exclude(condition)) == {one_alive, archived, failing, *Claim.objects.filter(evidence=None)}
    assert list(attention.claims_needing_attention(Claim.objects.filter(pk=counted.pk))) == [counted]
    assert not attention.claims_needing_attention(Claim.objects.filter(pk=one_alive.pk)).exists()


def tallied_and_live() -> tuple[set, set]:
    return set(all_lost_tallies().values_list("claim_id", flat=True)), live_needing_attention()


def test_every_source_dead_tally_follows_every_kind_of_write():
    """The tally every reader asks, held to the live rule after each kind of write to evidence and sources."""

    def agree() -> set:
        tallied, live = tallied_and_live()
        assert tallied == live
        assert set(attention.claims_needing_attention().values_list("pk", flat=True)) == live
        assert dashboard.attention_counts(now=NOW)["all_sources_dead"] == len(live)
        return live

    one, two, three = ClaimFactory.create_batch(3)
    gone, alive = dead_source(), SourceFactory(health=Health.OK)
    e1 = EvidenceFactory(claim=one, source=gone)  # an insert
    EvidenceFactory(claim=two, source=gone)
    e2b = EvidenceFactory(claim=two, source=alive)
    assert agree() == {one.pk}
    Source.objects.filter(pk=alive.pk).update(health=Health.DEAD)  # a bulk update turns a source dead
    assert agree() == {one.pk, two.pk}
    alive.refresh_from_db()
    alive.archive_url = "https://web.archive.org/web/2024/x"  # an archive found, saved through the model
    alive.save()
    assert agree() == {one.pk}
    Source.objects.filter(pk=alive.pk).update(archive_url="")  # and removed again
    assert agree() == {one.pk, two.pk}
    Source.objects.filter(pk=alive.pk).update(archive_url="https://web.archive.org/web/2025/x")
    assert agree() == {one.pk}
    e2b.delete()  # a delete
    assert agree() == {one.pk, two.pk}
    Evidence.objects.filter(pk=e1.pk).update(claim=three)  # moved to another claim
    assert agree() == {two.pk, three.pk}
    Evidence.objects.filter(pk=e1.pk).update(source=SourceFactory(health=Health.FAILING))  # to another source
    assert agree() == {two.pk}
    e1.refresh_from_db()
    e1.source = gone  # back to a lost source, saved through the model
    e1.save()
    assert agree() == {two.pk, three.pk}
    Evidence.objects.filter(claim=two).update(excerpt_status=ExcerptStatus.MISSING)  # moves nothing
    assert agree() == {two.pk, three.pk}
    revived = SourceFactory()
    fail(revived, NOW - timedelta(days=6), NOW - timedelta(days=4), NOW - timedelta(days=2))  # the link checker
    EvidenceFactory(claim=three, source=revived)
    three.evidence.exclude(source=revived).delete()
    assert agree() == {two.pk, three.pk}
    record(revived, Outcome.OK, NOW - timedelta(days=1))  # and back
    assert agree() == {two.pk}
    four, five = ClaimFactory.create_batch(2)
    lost_ones = [dead_source() for _ in range(3)]
    backed = SourceFactory(health=Health.OK)
    Evidence.objects.bulk_create(  # a bulk insert across claims: one all lost, one still backed
        [Evidence(claim=four, source=lost_ones[1]), Evidence(claim=four, source=lost_ones[2])]
        + [Evidence(claim=five, source=lost_ones[0]), Evidence(claim=five, source=backed)]
    )
    assert agree() == {two.pk, four.pk}
    Evidence.objects.filter(claim=five, source=backed).update(claim=four)  # a bulk move
    assert agree() == {two.pk, five.pk}
    with connection.cursor() as cursor:  # raw SQL, past the ORM: two claims swap their evidence in one statement
        cursor.execute(
            "UPDATE claims_evidence SET claim_id = CASE claim_id WHEN %s THEN %s ELSE %s END"
            " WHERE claim_id IN (%s, %s)",
            [four.pk, five.pk, four.pk, four.pk, five.pk],
        )
    assert agree() == {two.pk, four.pk}
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO claims_evidence (claim_id, source_id, stance, excerpt, excerpt_status, note, created_at)"
            " VALUES (%s, %s, 'supports', '', 'unchecked', '', now())",
            [two.pk, SourceFactory(health=Health.OK).pk],
        )
        assert agree() == {four.pk}
        cursor.execute("DELETE FROM claims_evidence WHERE claim_id = %s AND source_id <> %s", [two.pk, gone.pk])
        assert agree() == {two.pk, four.pk}
        cursor.execute("UPDATE sources_source SET health = 'failing' WHERE id = %s", [gone.pk])  # many claims at once
        assert agree() == {four.pk}
        cursor.execute("UPDATE sources_source SET health = 'dead' WHERE id = %s", [gone.pk])
    assert agree() == {two.pk, four.pk}
    Evidence.objects.filter(claim=four).delete()  # a bulk delete
    assert agree() == {two.pk}
    two.delete()  # a claim deleted with its evidence
    assert agree() == set()
    rows = sorted(ClaimEvidenceTally.objects.filter(evidence__gt=0).values_list("claim_id", "evidence", "lost"))
    for _ in range(2):  # the repair rebuilds the same rows, however often it runs
        claim_tallies_rebuild()
        assert sorted(ClaimEvidenceTally.objects.values_list("claim_id", "evidence", "lost")) == rows


def test_tally_rebuild_task_repairs_a_load_that_bypassed_the_triggers_and_is_scheduled(settings):
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, source=dead_source())
    ClaimEvidenceTally.objects.all().delete()  # as a load with the triggers seeing evidence before its sources
    assert tallied_and_live() == (set(), {claim.pk})
    assert claims_tasks.claim_tallies_rebuild.apply().get() == 1
    assert claims_tasks.claim_tallies_rebuild.apply().get() == 1
    assert tallied_and_live() == ({claim.pk}, {claim.pk})
    assert settings.CELERY_TASK_ROUTES["claims.tasks.claim_tallies_rebuild"] == {"queue": "maintenance"}
    from django_celery_beat.models import PeriodicTask

    beat = PeriodicTask.objects.get(task="claims.tasks.claim_tallies_rebuild")
    assert (beat.enabled, beat.crontab.day_of_week, beat.crontab.hour) == (True, "0", "4")


def test_excerpt_missing_counts_evidence_not_claims():
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, excerpt="gone", excerpt_status=ExcerptStatus.MISSING)
    EvidenceFactory(claim=claim, excerpt="also gone", excerpt_status=ExcerptStatus.MISSING)
    EvidenceFactory(excerpt="still there", excerpt_status=ExcerptStatus.FOUND)
    EvidenceFactory(excerpt="not looked for yet", excerpt_status=ExcerptStatus.UNCHECKED)
    EvidenceFactory()
    assert dashboard.attention_counts(now=NOW)["excerpt_missing"] == 2


def test_recheck_due_counts_claims_whose_date_has_come():
    today = NOW.date()
    ClaimFactory(recheck_after=today - timedelta(days=30))
    ClaimFactory(recheck_after=today)
    ClaimFactory(recheck_after=today + timedelta(days=1))
    ClaimFactory(recheck_after=None)
    assert dashboard.attention_counts(now=NOW)["recheck_due"] == 2


def test_assigned_and_overdue_count_only_my_open_claims(reviewer, other_reviewer):
    """Assigned to me: open claims (draft, in review) assigned to me, whoever last reviewed them; overdue: those of
    them past their due date. Claims in review that nobody has are counted for everyone."""
    past, later = NOW - timedelta(hours=1), NOW + timedelta(days=1)
    ClaimFactory(status=ClaimStatus.IN_REVIEW, assignee=reviewer, reviewer=other_reviewer, due_at=past)
    ClaimFactory(status=ClaimStatus.DRAFT, assignee=reviewer, due_at=later)
    ClaimFactory(status=ClaimStatus.IN_REVIEW, assignee=reviewer)  # no due date: never overdue
    PublishedClaimFactory(assignee=reviewer, due_at=past)  # published: asks nothing of me, not overdue
    ClaimFactory(status=ClaimStatus.IN_REVIEW, reviewer=reviewer, assignee=other_reviewer, due_at=past)
    ClaimFactory(status=ClaimStatus.IN_REVIEW, reviewer=reviewer)  # nobody's: unassigned in review
    ClaimFactory(status=ClaimStatus.DRAFT)  # a draft nobody has is not waiting for review
    mine = dashboard.dashboard_for(user=reviewer, now=NOW, use_cache=False).mine
    assert (mine["assigned"], mine["overdue"]) == (3, 1)
    theirs = dashboard.dashboard_for(user=other_reviewer, now=NOW, use_cache=False)
    assert (theirs.mine["assigned"], theirs.mine["overdue"]) == (1, 1)
    assert theirs.counts["unassigned_in_review"] == 1


def test_oldest_unrated_lists_the_first_added_and_counts_them_all():
    unrated = ClaimFactory.create_batch(7, verdict=Verdict.UNRATED)
    ClaimFactory(verdict=Verdict.FALSE)
    PublishedClaimFactory()
    assert [row["id"] for row in dashboard.oldest_unrated()] == [c.pk for c in unrated[:5]]
    assert dashboard.attention_counts(now=NOW)["unrated"] == 7


def test_turned_dead_this_week_follows_the_dead_rule_over_the_check_history():
    d = timedelta(days=1)
    recent = SourceFactory()  # third failure 1 day ago, four days after the first: dead since yesterday
    fail(recent, NOW - 5 * d, NOW - 3 * d, NOW - 1 * d)
    straddling = SourceFactory()  # two failures before the week, the third in it: turned dead in the week
    fail(straddling, NOW - 9 * d, NOW - 8 * d, NOW - 6 * d)
    slow = SourceFactory()  # three failures within two days before the week (not dead), a fourth in it
    fail(slow, NOW - 12 * d, NOW - 11 * d, NOW - 10 * d, NOW - 4 * d)
    long_dead = SourceFactory()  # dead ten days ago and still failing: not news this week
    fail(long_dead, NOW - 20 * d, NOW - 15 * d, NOW - 10 * d, NOW - 2 * d)
    paused = SourceFactory()  # rate limits in between change nothing (neutral)
    fail(paused, NOW - 13 * d, NOW - 12 * d)
    record(paused, Outcome.RATE_LIMITED, NOW - 11 * d)
    fail(paused, NOW - 9 * d, NOW - 2 * d)  # dead at -9 days already
    failing = SourceFactory()
    fail(failing, NOW - 2 * d, NOW - 1 * d)
    recovered = SourceFactory()  # turned dead this week, then answered again: nothing to do
    fail(recovered, NOW - 6 * d, NOW - 4 * d, NOW - 2 * d)
    record(recovered, Outcome.OK, NOW - d)
    for source in (recent, straddling, slow, long_dead, paused, failing, recovered):
        source.refresh_from_db()
    assert [s.health for s in (recent, straddling, slow, long_dead, paused, failing, recovered)] == [
        Health.DEAD,
        Health.DEAD,
        Health.DEAD,
        Health.DEAD,
        Health.DEAD,
        Health.FAILING,
        Health.OK,
    ]

    assert set(dashboard.sources_turned_dead(now=NOW)) == {recent, straddling, slow}
    assert dashboard.attention_counts(now=NOW)["turned_dead"] == 3


# --- charts ----------------------------------------------------------------------------------------------------


def at(y, m, d, h=12):
    return datetime(y, m, d, h, tzinfo=UTC)


def test_verdicts_by_month_counts_public_claims_by_first_publication():
    PublishedClaimFactory.create_batch(2, verdict=Verdict.FALSE, published_at=at(2026, 11, 2))
    PublishedClaimFactory(verdict=Verdict.TRUE, published_at=at(2026, 10, 31))
    PublishedClaimFactory(verdict=Verdict.MOSTLY_FALSE, status=ClaimStatus.RETRACTED, published_at=at(2026, 10, 1, 0))
    PublishedClaimFactory(verdict=Verdict.MIXED, published_at=at(2025, 12, 1, 0))  # first of the twelve months
    PublishedClaimFactory(verdict=Verdict.MIXED, published_at=at(2025, 11, 30, 23))  # thirteen months back
    PublishedClaimFactory(verdict=Verdict.FALSE, status=ClaimStatus.IN_REVIEW, published_at=at(2026, 11, 3))
    ClaimFactory(verdict=Verdict.FALSE, status=ClaimStatus.DRAFT)

    board = dashboard.dashboard_compute(now=NOW)
    assert board.verdict_months[0] == date(2025, 12, 1)
    assert board.verdict_months[-1] == date(2026, 11, 1)
    assert sorted(board.verdicts_by_month) == [
        (date(2025, 12, 1), "mixed", 1),
        (date(2026, 10, 1), "mostly_false", 1),
        (date(2026, 10, 1), "true", 1),
        (date(2026, 11, 1), "false", 2),
    ]


def test_verdicts_chart_shows_the_twelve_months_up_to_the_newest_publication_when_nothing_is_recent():
    PublishedClaimFactory(verdict=Verdict.FALSE, published_at=at(2024, 11, 27))
    board = dashboard.dashboard_compute(now=NOW)
    assert board.verdict_months[-1] == date(2024, 11, 1)
    assert board.verdicts_by_month == [(date(2024, 11, 1), "false", 1)]


def test_source_health_by_week_replays_the_rule_over_each_weeks_last_check():
    ok_source, dying, slipping, unknown, old_run = SourceFactory.create_batch(5)
    record(ok_source, Outcome.OK, at(2026, 11, 16))
    record(ok_source, Outcome.OK, at(2026, 11, 23))
    fail(dying, at(2026, 11, 10), at(2026, 11, 12), at(2026, 11, 14), at(2026, 11, 18))
    record(slipping, Outcome.OK, at(2026, 11, 9))
    record(slipping, Outcome.NOT_FOUND, at(2026, 11, 17))
    record(unknown, Outcome.RATE_LIMITED, at(2026, 11, 24))
    # a run of failures that began before the first week (7 September): counted whole, so dead in that week
    fail(old_run, at(2026, 9, 1), at(2026, 9, 3), at(2026, 9, 5), at(2026, 9, 8))
    record(ok_source, Outcome.OK, at(2026, 8, 31))  # the week before the first: not shown

    expected = [
        (date(2026, 9, 7), "dead", 1),
        (date(2026, 11, 9), "dead", 1),
        (date(2026, 11, 9), "ok", 1),
        (date(2026, 11, 16), "dead", 1),
        (date(2026, 11, 16), "failing", 1),
        (date(2026, 11, 16), "ok", 1),
        (date(2026, 11, 23), "ok", 1),
        (date(2026, 11, 23), "unknown", 1),
    ]
    board = dashboard.dashboard_compute(now=NOW)  # from the rollup the service kept as each check was recorded
    assert board.health_weeks[0] == date(2026, 9, 7)
    assert board.health_weeks[-1] == date(2026, 11, 23)
    assert sorted(board.health_by_week) == expected
    # the repair replays the rule over the whole history and finds the same, however often it runs
    for _ in range(2):
        check_rollups_rebuild()
        assert sorted(dashboard.dashboard_compute(now=NOW).health_by_week) == expected


def test_health_rollup_moves_a_source_within_its_week_and_counts_it_again_the_next():
    source = SourceFactory()
    fail(source, at(2026, 11, 16), at(2026, 11, 18))  # Monday and Wednesday: failing after the second
    assert rollup_weeks() == {(date(2026, 11, 16), "failing"): 1}
    record(source, Outcome.OK, at(2026, 11, 20))  # back the same week: ok, still one source that week
    record(source, Outcome.RATE_LIMITED, at(2026, 11, 22))  # neutral: still ok
    fail(source, at(2026, 11, 23))  # the next week
    assert rollup_weeks() == {(date(2026, 11, 16), "ok"): 1, (date(2026, 11, 23), "failing"): 1}
    kept = rollup_weeks(), rollup_days()
    check_rollups_rebuild()
    assert (rollup_weeks(), rollup_days()) == kept
    assert rollup_days() == {
        (date(2026, 11, 16), "not_found"): 1,
        (date(2026, 11, 18), "not_found"): 1,
        (date(2026, 11, 20), "ok"): 1,
        (date(2026, 11, 22), "rate_limited"): 1,
        (date(2026, 11, 23), "not_found"): 1,
    }


def test_a_check_recorded_twice_for_its_run_is_counted_once():
    source = SourceFactory()
    result = CheckResult(url=source.url, outcome=Outcome.OK, checked_at=at(2026, 11, 24), elapsed_ms=5)
    for _ in range(2):
        linkchecks_record(results=[SourceResult(source.id, result)], run_key="same-run")
    assert rollup_days() == {(date(2026, 11, 24), "ok"): 1}
    assert rollup_weeks() == {(date(2026, 11, 23), "ok"): 1}


def test_rollup_rebuild_task_is_idempotent_routed_to_maintenance_and_scheduled_weekly(settings):
    source = SourceFactory()
    fail(source, at(2026, 11, 10), at(2026, 11, 12), at(2026, 11, 14))
    LinkCheckFactory.create_batch(3, checked_at=at(2026, 11, 20), outcome=Outcome.OK)  # loaded past the service
    kept = rollup_weeks(), rollup_days()
    first = tasks.check_rollups_rebuild.apply().get()
    after_first = rollup_weeks(), rollup_days()
    assert tasks.check_rollups_rebuild.apply().get() == first
    assert (rollup_weeks(), rollup_days()) == after_first
    assert after_first[1] == {**kept[1], (date(2026, 11, 20), "ok"): 3}
    assert after_first[0] == {**kept[0], (date(2026, 11, 16), "ok"): 3}
    assert settings.CELERY_TASK_ROUTES["sources.tasks.check_rollups_rebuild"] == {"queue": "maintenance"}
    from django_celery_beat.models import PeriodicTask

    beat = PeriodicTask.objects.get(task="sources.tasks.check_rollups_rebuild")
    assert (beat.enabled, beat.crontab.day_of_week, beat.crontab.hour) == (True, "0", "4")


def rollup_weeks() -> dict:
    return {(r.week, r.health): r.sources for r in SourceHealthWeek.objects.filter(sources__gt=0)}


def rollup_days() -> dict:
    return {(r.day, r.outcome): r.checks for r in LinkCheckDay.objects.filter(checks__gt=0)}


def test_checks_by_day_counts_outcomes_per_day_in_the_last_thirty_days():
    LinkCheckFactory.create_batch(2, checked_at=at(2026, 11, 25, 1), outcome=Outcome.OK)
    LinkCheckFactory(checked_at=at(2026, 11, 25, 2), outcome=Outcome.TIMEOUT)
    LinkCheckFactory(checked_at=at(2026, 10, 27, 0), outcome=Outcome.NOT_FOUND)  # first of the 30 days
    LinkCheckFactory(checked_at=at(2026, 10, 26, 23), outcome=Outcome.NOT_FOUND)  # the day before
    LinkCheckFactory(checked_at=NOW + timedelta(days=1))  # tomorrow: after the window
    check_rollups_rebuild()  # the factory writes past the service, as a bulk load would: the repair counts them
    board = dashboard.dashboard_compute(now=NOW)
    assert board.check_days[0] == date(2026, 10, 27)
    assert board.checks_by_day == [
        (date(2026, 10, 27), "not_found", 1),
        (date(2026, 11, 25), "ok", 2),
        (date(2026, 11, 25), "timeout", 1),
    ]


def test_dead_domains_ranks_domains_by_dead_sources_and_counts_archived_ones():
    for i in range(3):
        dead_source(url=f"https://gone.example.com/{i}")
    dead_source(url="https://flaky.example.net/1")
    dead_source(url="https://flaky.example.net/2", archive_url="https://web.archive.org/web/2024/x")
    SourceFactory(url="https://flaky.example.net/3", health=Health.OK)
    SourceFactory.create_batch(4, health=Health.OK)
    assert dashboard.dashboard_compute(now=NOW).dead_domains == [
        {"domain": "gone.example.com", "dead": 3, "archived": 0},
        {"domain": "flaky.example.net", "dead": 2, "archived": 1},
    ]


# --- the page ------------------------------------------------------------------------------------------------


@pytest.fixture
def everything(reviewer, other_reviewer):
    """At least one row for each "needs attention" count, and rows each must leave out."""
    now = timezone.now()
    d = timedelta(days=1)
    attention = ClaimFactory(status=ClaimStatus.IN_REVIEW, reviewer=reviewer, assignee=reviewer, due_at=now - d)
    EvidenceFactory(claim=attention, source=dead_source())
    EvidenceFactory(claim=attention, source=dead_source(), excerpt="x", excerpt_status=ExcerptStatus.MISSING)
    EvidenceFactory(source=dead_source(archive_url="https://web.archive.org/web/2024/x"))
    ClaimFactory(status=ClaimStatus.IN_REVIEW, reviewer=other_reviewer, recheck_after=now.date() - d)
    ClaimFactory(status=ClaimStatus.DRAFT, assignee=reviewer, due_at=now + d)  # mine, not overdue
    ClaimFactory(status=ClaimStatus.IN_REVIEW, assignee=other_reviewer, due_at=now - d)  # overdue, not mine
    PublishedClaimFactory(reviewer=reviewer, recheck_after=now.date() + d)
    ClaimFactory(recheck_after=now.date())
    turned = SourceFactory(url="https://turned.example.org/a")
    fail(turned, now - 6 * d, now - 4 * d, now - 2 * d)
    long_dead = SourceFactory(url="https://turned.example.org/b")
    fail(long_dead, now - 30 * d, now - 20 * d, now - 10 * d, now - d)
    LinkCheckFactory(checked_at=now - 40 * d, outcome=Outcome.SERVER_ERROR)


def test_each_count_links_to_a_list_of_exactly_those_rows(rclient, everything):
    response = rclient.get(ADMIN)
    assert response.status_code == 200
    items = response.context["dashboard"]["attention"]
    assert {item["key"] for item in items} == {
        "all_sources_dead",
        "excerpt_missing",
        "recheck_due",
        "assigned_mine",
        "overdue_mine",
        "unassigned_in_review",
        "unrated",
        "turned_dead",
    }
    for item in items:
        assert item["count"] > 0, item["key"]
        listed = rclient.get(item["url"])
        assert listed.status_code == 200, item["url"]
        assert listed.context["cl"].result_count == item["count"], item["key"]
        assert f'href="{item["url"].replace("&", "&amp;")}"' in response.content.decode()
    for row in response.context["dashboard"]["oldest_unrated"]:
        assert rclient.get(row["url"]).status_code == 200


def test_dead_domain_bars_link_to_that_domains_dead_sources(rclient):
    for i in range(2):
        dead_source(url=f"https://gone.example.com/{i}")
    dead_source(url="https://gone.example.com.evil.example/x")
    SourceFactory(url="https://gone.example.com/alive", health=Health.OK)
    response = rclient.get(ADMIN)
    hrefs = re.findall(r'<a href="([^"]*domain=gone\.example\.com)"', response.content.decode())
    assert len(hrefs) == 1
    listed = rclient.get(hrefs[0].replace("&amp;", "&"))
    assert listed.context["cl"].result_count == 2


def test_dashboard_query_count_is_pinned_and_the_second_render_reads_the_cache(
    rclient, everything, django_assert_max_num_queries
):
    # session, user, the user's language and zone (accounts), 2 permission reads, 8 panels, the admin log; SET LOCAL
    # jit (and the test's savepoint pair)
    with django_assert_max_num_queries(17):
        rclient.get(ADMIN)
    with CaptureQueriesContext(connection) as second:
        response = rclient.get(ADMIN)
    assert "dashboard" in response.context
    panel_tables = ("claims_claim", "claims_evidence", "sources_source", "sources_linkcheck")
    assert not [q["sql"] for q in second.captured_queries if any(t in q["sql"] for t in panel_tables)]


def test_the_cache_is_shared_by_reviewers_but_my_count_is_mine(client, reviewer, other_reviewer):
    ClaimFactory(status=ClaimStatus.IN_REVIEW, assignee=reviewer)
    first = dashboard.dashboard_for(user=reviewer)
    ClaimFactory(verdict=Verdict.UNRATED)  # after the cache was filled: not seen until it expires
    second = dashboard.dashboard_for(user=other_reviewer)
    assert second.counts == first.counts
    assert second.computed_at == first.computed_at
    assert (first.mine["assigned"], second.mine["assigned"]) == (1, 0)


def test_the_page_says_when_its_figures_were_computed(rclient):
    content = rclient.get(ADMIN).content.decode()
    assert 'id="fc-computed"' in content
    assert "kept for 60 seconds" in content


def test_reviewers_see_the_dashboard_above_the_app_list(rclient, everything):
    content = rclient.get(ADMIN).content.decode()
    assert content.index('id="fc-dashboard"') < content.index('id="content-main"')
    assert "Claims" in content  # the app list is still there
    assert content.count('data-chart="') == 4


def test_staff_researchers_get_the_admin_without_the_dashboard(client, everything):
    client.force_login(ResearcherFactory(username="ruth", is_staff=True))
    response = client.get(ADMIN)
    assert response.status_code == 200
    assert "dashboard" not in response.context
    assert b"fc-dashboard" not in response.content


def test_researchers_without_admin_access_are_sent_to_log_in(client, researcher):
    client.force_login(researcher)
    response = client.get(ADMIN)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_an_empty_database_says_what_to_do_first(rclient):
    content = rclient.get(ADMIN).content.decode()
    assert 'id="fc-first-steps"' in content
    assert "python manage.py load_demo" in content
    assert reverse("admin:claims_article_import") in content
    assert "No claim has been published yet" in content
    assert "No link checks in the last 30 days" in content
    assert "Every claim has a verdict" in content
    assert "data-chart=" not in content


def test_a_new_install_with_the_demo_data_shows_it(rclient):
    call_command("load_demo", verbosity=0)
    response = rclient.get(ADMIN)
    content = response.content.decode()
    assert 'id="fc-first-steps"' not in content
    assert 'data-chart="verdicts"' in content
    board = response.context["dashboard"]
    assert sum(item["count"] for item in board["attention"]) > 0 or board["oldest_unrated"]


# --- the SVG ---------------------------------------------------------------------------------------------------


def svg_of(html: str, key: str) -> ET.Element:
    match = re.search(rf'<svg class="fc-chart" data-chart="{key}".*?</svg>', html, re.S)
    assert match, key
    return ET.fromstring(match.group(0))


NS = "{http://www.w3.org/2000/svg}"


def test_verdict_chart_is_accessible_svg_with_a_tooltip_per_segment(rclient):
    PublishedClaimFactory.create_batch(3, verdict=Verdict.FALSE)
    PublishedClaimFactory(verdict=Verdict.TRUE)
    content = rclient.get(ADMIN).content.decode()
    svg = svg_of(content, "verdicts")
    assert svg.get("role") == "img"
    labelled = svg.get("aria-labelledby").split()
    assert [svg.find(f"{NS}title").get("id"), svg.find(f"{NS}desc").get("id")] == labelled
    segments = {seg.get("data-series"): seg for seg in svg.iter(f"{NS}rect") if seg.get("data-series")}
    assert int(segments["false"].get("data-value")) == 3
    assert segments["false"].get("fill") == Verdict.FALSE.colour == "#b91c1c"
    assert segments["false"].find(f"{NS}title").text.endswith("False: 3 claims")
    assert int(segments["true"].get("data-value")) == 1
    assert '<table class="visually-hidden">' in content  # the same figures for screen readers


def test_chart_text_is_escaped(rclient):
    dead_source(url="https://xn--e1afmkfd.example/<script>")
    content = rclient.get(ADMIN).content.decode()
    svg_of(content, "domains")  # parses
    assert "<script>" not in content.split('id="fc-dashboard"')[1].split("</section>")[0]
