"""Issue 19's outbox rule for the link checker's events: source.dead and source.recovered when a source's health
crosses the DeadRule, evidence.excerpt_missing when a cited excerpt leaves its page, through every way a check
runs (the services, the admin's "Check now", the Celery tasks in-process, the management command), against a real
loopback site whose pages the test turns dead, alive or changes. Health moves that are not those two (failing
again, ok to failing, dead again) and an excerpt missing again write nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from claims.choices import ExcerptStatus, Stance
from notifications.choices import EventType
from notifications.models import Event
from sources import tasks
from sources.choices import Health, Outcome
from sources.models import LinkCheck, Source
from sources.services import source_check, sources_check
from tests.factories import ClaimFactory, EvidenceFactory, PublishedClaimFactory, SourceFactory

from .conftest import events, json_time

pytestmark = pytest.mark.django_db

DEAD, RECOVERED, MISSING = EventType.SOURCE_DEAD, EventType.SOURCE_RECOVERED, EventType.EVIDENCE_EXCERPT_MISSING
EXCERPT = "the deficit fell to 3.1 per cent in 2023"
PAGE = "<h1>Budget report</h1><p>The minister said that the deficit fell to 3.1&nbsp;per cent in 2023.</p>"
PAGE_EDITED = "<h1>Budget report</h1><p>The minister declined to comment.</p>"


def cited_source(site, path: str, *, status: int = 200) -> Source:
    """A source on the loopback site, cited by a published claim and a draft."""
    source = SourceFactory(url=site.serve(path, status), title=f"Page {path}")
    PublishedClaimFactory(evidence=None).evidence.create(source=source, stance=Stance.SUPPORTS)
    EvidenceFactory(claim=ClaimFactory(), source=source)
    return source


def assert_source_event(event: Event, kind: str, source: Source) -> None:
    """A desk event of ``source``: its type, order key and ids, no claim filters, the source as it is now."""
    source = Source.objects.get(pk=source.pk)
    assert event.type == kind
    assert event.order_key == f"source:{source.pk}"
    assert event.object_ids == {"source": source.pk}
    assert (event.language, event.tags, event.claimant) == ("", [], "")
    data = event.payload["source"]
    assert data["id"] == source.pk
    assert (data["url"], data["title"], data["health"]) == (source.url, source.title, source.health)
    assert (data["last_outcome"], data["last_status"]) == (source.last_outcome, source.last_status)
    assert data["consecutive_failures"] == source.consecutive_failures
    assert data["last_checked_at"] == json_time(source.last_checked_at)
    assert data["archive_url"] is None
    citing = sorted(source.evidence.values_list("claim_id", flat=True))
    assert event.payload["claim_ids"] == citing


def health(source: Source) -> str:
    return Source.objects.get(pk=source.pk).health


def test_dead_then_recovered_through_the_service_one_event_each(loopback_site):
    source = cited_source(loopback_site, "/gone", status=404)
    source_check(source_id=source.pk)
    assert (health(source), events()) == (Health.FAILING, [])  # one failure: failing, nobody told

    source_check(source_id=source.pk)  # the second in a row: dead by the rule
    [dead] = events()
    assert health(source) == Health.DEAD
    assert_source_event(dead, DEAD, source)
    assert dead.payload["source"]["last_outcome"] == Outcome.NOT_FOUND

    source_check(source_id=source.pk)  # dead again: no second event
    assert len(events()) == 1

    loopback_site.serve("/gone", 200)
    source_check(source_id=source.pk)
    assert health(source) == Health.OK
    recovered = events()[-1]
    assert_source_event(recovered, RECOVERED, source)
    source_check(source_id=source.pk)  # ok again: nothing
    assert [e.type for e in events()] == [DEAD, RECOVERED]


def test_failing_again_and_ok_to_failing_write_nothing(loopback_site, settings):
    settings.LINKCHECK_DEAD_AFTER_FAILURES = 5
    source = cited_source(loopback_site, "/flaky")
    source_check(source_id=source.pk)
    assert health(source) == Health.OK
    loopback_site.serve("/flaky", 500)
    for _ in range(3):
        source_check(source_id=source.pk)
    assert health(source) == Health.FAILING
    loopback_site.serve("/flaky", 200)  # failing to ok: not a recovery from dead
    source_check(source_id=source.pk)
    assert health(source) == Health.OK
    assert events() == []


def test_a_batch_tells_only_the_sources_that_crossed(loopback_site):
    dying, recovering, failing, fine = (cited_source(loopback_site, f"/{name}") for name in ("d", "r", "f", "ok"))
    Source.objects.filter(pk=dying.pk).update(health=Health.FAILING, consecutive_failures=1)
    Source.objects.filter(pk=recovering.pk).update(health=Health.DEAD, consecutive_failures=4)
    loopback_site.serve("/d", 404)
    loopback_site.serve("/f", 503)
    report = sources_check(source_ids=[s.pk for s in (dying, recovering, failing, fine)], run_key="batch-1")
    assert len(report.recorded) == 4
    by_source = {event.object_ids["source"]: event for event in events()}
    assert set(by_source) == {dying.pk, recovering.pk}
    assert_source_event(by_source[dying.pk], DEAD, dying)
    assert_source_event(by_source[recovering.pk], RECOVERED, recovering)
    # The same run delivered again records nothing and tells nobody twice.
    sources_check(source_ids=[s.pk for s in (dying, recovering, failing, fine)], run_key="batch-1")
    assert len(events()) == 2


def test_admin_check_now(loopback_site, admin_client, monkeypatch):
    source = cited_source(loopback_site, "/admin-checked", status=410)
    Source.objects.filter(pk=source.pk).update(health=Health.FAILING, consecutive_failures=1)
    response = admin_client.post("/admin/sources/source/", {"action": "check_now", "_selected_action": [source.pk]})
    assert response.status_code == 302
    [event] = events()
    assert_source_event(event, DEAD, source)

    # More sources than are checked while the reviewer waits go to the worker's batch task (in-process here).
    monkeypatch.setattr("sources.admin.CHECK_NOW_INLINE", 0)
    loopback_site.serve("/admin-checked", 200)
    response = admin_client.post("/admin/sources/source/", {"action": "check_now", "_selected_action": [source.pk]})
    assert response.status_code == 302
    assert_source_event(events()[-1], RECOVERED, source)
    assert [e.type for e in events()] == [DEAD, RECOVERED]


def test_celery_tasks_in_process_and_a_redelivery(loopback_site):
    source = cited_source(loopback_site, "/task", status=404)
    Source.objects.filter(pk=source.pk).update(health=Health.FAILING, consecutive_failures=1)
    assert tasks.check_source.delay(source.pk, "task-run-1").get() == Outcome.NOT_FOUND
    tasks.check_source.delay(source.pk, "task-run-1").get()  # redelivered: the same run key, nothing new
    assert LinkCheck.objects.filter(source=source).count() == 1
    [dead] = events()
    assert_source_event(dead, DEAD, source)

    loopback_site.serve("/task", 200)
    tasks.check_sources_batch.delay([source.pk], "task-run-2").get()
    assert_source_event(events()[-1], RECOVERED, source)
    assert [e.type for e in events()] == [DEAD, RECOVERED]


def test_management_command(loopback_site):
    source = cited_source(loopback_site, "/command", status=404)
    Source.objects.filter(pk=source.pk).update(health=Health.FAILING, consecutive_failures=1)
    call_command("check_sources", "--source", str(source.pk), "--no-progress", stdout=StringIO())
    [event] = events()
    assert_source_event(event, DEAD, source)


# --- excerpt drift ---------------------------------------------------------------------------------------------


def test_an_excerpt_leaving_its_page_is_one_event_until_it_comes_back(loopback_site):
    claim = PublishedClaimFactory(evidence=None, claimant="A minister", language="en")
    claim.tags.create(name="budget")
    source = SourceFactory(url=loopback_site.serve("/report", 200, PAGE))
    evidence = EvidenceFactory(claim=claim, source=source, excerpt=EXCERPT, note="Private: ask the ministry.")
    unchecked = EvidenceFactory(source=source, excerpt="")  # no excerpt: nothing to look for

    source_check(source_id=source.pk)
    evidence.refresh_from_db()
    assert evidence.excerpt_status == ExcerptStatus.FOUND
    assert events() == []

    loopback_site.serve("/report", 200, PAGE_EDITED)
    source_check(source_id=source.pk)
    [event] = events()
    evidence.refresh_from_db()
    assert evidence.excerpt_status == ExcerptStatus.MISSING
    assert event.type == MISSING
    assert event.order_key == f"claim:{claim.pk}"
    assert event.object_ids == {"evidence": evidence.pk, "claim": claim.pk, "source": source.pk}
    assert (event.language, event.tags, event.claimant) == ("en", ["budget"], "A minister")
    assert event.payload["evidence"] == {
        "id": evidence.pk,
        "stance": evidence.stance,
        "excerpt": EXCERPT,
        "excerpt_checked_at": json_time(evidence.excerpt_checked_at),
    }
    assert event.payload["claim"]["id"] == claim.pk
    assert event.payload["claim"]["text"] == claim.text
    assert event.payload["source"] == {"id": source.pk, "url": source.url, "title": source.title}
    assert "Private: ask the ministry." not in str(event.payload)  # the evidence note is the desk's, not sent

    source_check(source_id=source.pk)  # missing again: no second event
    assert len(events()) == 1
    loopback_site.serve("/report", 200, PAGE)  # back on the page, then gone again: told again
    source_check(source_id=source.pk)
    loopback_site.serve("/report", 200, PAGE_EDITED)
    source_check(source_id=source.pk)
    assert [e.object_ids["evidence"] for e in events()] == [evidence.pk, evidence.pk]
    assert unchecked.pk not in [e.object_ids["evidence"] for e in events()]


def test_an_excerpt_never_checked_and_missing_is_told_once_through_the_admin(loopback_site, admin_client):
    source = SourceFactory(url=loopback_site.serve("/edited", 200, PAGE_EDITED))
    evidence = EvidenceFactory(claim=PublishedClaimFactory(evidence=None), source=source, excerpt=EXCERPT)
    for _ in range(2):
        admin_client.post("/admin/sources/source/", {"action": "check_now", "_selected_action": [source.pk]})
    [event] = events()
    assert (event.type, event.object_ids["evidence"]) == (MISSING, evidence.pk)


def test_a_dead_page_changes_no_excerpt_status_and_tells_only_of_the_death(loopback_site):
    source = SourceFactory(url=loopback_site.serve("/dies", 404))
    EvidenceFactory(claim=PublishedClaimFactory(evidence=None), source=source, excerpt=EXCERPT)
    source_check(source_id=source.pk)
    source_check(source_id=source.pk)
    assert [e.type for e in events()] == [DEAD]  # a page that does not answer is not evidence of drift
