"""Issue 19's outbox rule, the transaction half: "No change commits without its event, and no event exists for a
change that rolled back." For each kind of event, a failure after the event was written undoes both; a failure
writing the event undoes the change; a committed change has exactly one event and one nudge of the worker per
transaction; and the outbox refuses to write outside a transaction."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

import notifications.dispatch
from claims import services
from claims.admin import ClaimAdmin
from claims.choices import ClaimStatus, ExcerptStatus, Verdict
from claims.models import Claim, Correction, Evidence
from notifications.choices import EventType
from notifications.models import Event
from notifications.outbox import event_record, events_record
from public.models import Tip
from public.services import tip_submit
from sources.choices import Health, Outcome
from sources.fetch import CheckResult
from sources.health import SourceResult, linkchecks_record
from sources.models import LinkCheck, Source
from tests.claims.test_admin import change_url, form_data
from tests.factories import ClaimFactory, EvidenceFactory, PublishedClaimFactory, SourceFactory

from .conftest import events


class Boom(Exception):
    """A failure after the event was written, in the change's transaction."""


def fails_after(write) -> list[str]:
    """Run ``write`` in a transaction that then fails; the types of the events it had written by then."""
    seen: list[str] = []

    def doomed():
        with transaction.atomic():
            write()
            seen.extend(e.type for e in events())
            raise Boom

    with pytest.raises(Boom):
        doomed()
    return seen


def not_found(source: Source) -> SourceResult:
    return SourceResult(source.pk, CheckResult(url=source.url, outcome=Outcome.NOT_FOUND, http_status=404))


def dying_source() -> Source:
    """A source one failure away from dead (LINKCHECK_DEAD_AFTER_DAYS is 0 in these tests)."""
    return SourceFactory(
        health=Health.FAILING, consecutive_failures=5, first_failure_at=timezone.now() - timedelta(days=30)
    )


def publish(claim: Claim, user) -> Claim:
    return services.claim_update(claim_id=claim.pk, user=user, data={"status": ClaimStatus.PUBLISHED})


@pytest.fixture
def nudges(monkeypatch) -> list[int]:
    """The worker's nudges sent after commit (notifications.dispatch.dispatch_soon), counted instead of queued."""
    sent: list[int] = []
    monkeypatch.setattr(notifications.dispatch, "dispatch_soon", lambda: sent.append(1) or True)
    return sent


@pytest.fixture
def ready(db, reviewer) -> Claim:
    claim = ClaimFactory(status=ClaimStatus.IN_REVIEW, verdict=Verdict.FALSE, explanation="Because.")
    EvidenceFactory(claim=claim)
    return claim


# --- rolled back after the event was written: neither stays ---------------------------------------------------


@pytest.mark.django_db
def test_claim_change_rolled_back_after_its_event(ready, other_reviewer):
    written = fails_after(lambda: publish(ready, other_reviewer))
    assert written == [EventType.CLAIM_PUBLISHED]  # written, in the transaction that then failed
    assert events() == []
    assert not Correction.objects.exists()
    assert Claim.objects.get(pk=ready.pk).status == ClaimStatus.IN_REVIEW


@pytest.mark.django_db
def test_admin_save_failing_after_the_event_leaves_neither(client, reviewer, monkeypatch):
    claim = PublishedClaimFactory()
    client.force_login(reviewer)
    data = form_data(client.get(change_url(claim)))
    data.update({"verdict": Verdict.TRUE, "correction_note": "Rated again."})

    def log_change(*args, **kwargs):  # the admin's last write of the request, after claim_save and its event
        assert [e.type for e in events()] == [EventType.CLAIM_CORRECTED]
        raise Boom

    monkeypatch.setattr(ClaimAdmin, "log_change", log_change)
    with pytest.raises(Boom):
        client.post(change_url(claim), data)
    assert events() == []
    assert not Correction.objects.exists()
    assert Claim.objects.get(pk=claim.pk).verdict == Verdict.FALSE


@pytest.mark.django_db
def test_link_check_failing_after_its_events_leaves_neither(settings, monkeypatch):
    settings.LINKCHECK_DEAD_AFTER_DAYS = 0
    source = dying_source()
    evidence = EvidenceFactory(source=source, excerpt="the quoted words", excerpt_status=ExcerptStatus.FOUND)
    found_gone = SourceResult(source.pk, CheckResult(url=source.url, outcome=Outcome.NOT_FOUND), {evidence.pk: False})

    def rollups_add_checks(changes):  # the batch's last write, after the health and drift events
        assert {e.type for e in events()} == {EventType.SOURCE_DEAD, EventType.EVIDENCE_EXCERPT_MISSING}
        raise Boom

    monkeypatch.setattr("sources.health.rollups_add_checks", rollups_add_checks)
    with pytest.raises(Boom):
        linkchecks_record(results=[found_gone], run_key="doomed")
    assert events() == []
    assert not LinkCheck.objects.exists()
    assert Source.objects.get(pk=source.pk).health == Health.FAILING
    assert Evidence.objects.get(pk=evidence.pk).excerpt_status == ExcerptStatus.FOUND


@pytest.mark.django_db
def test_tip_rolled_back_after_its_event():
    assert fails_after(lambda: tip_submit(text="Bananas are radioactive.")) == [EventType.TIP_RECEIVED]
    assert events() == []
    assert not Tip.objects.exists()


# --- the event cannot be written: the change does not commit -----------------------------------------------------


def _refused(*args, **kwargs):
    raise DatabaseError("the outbox refused the row")


@pytest.mark.django_db(transaction=True)
def test_a_bulk_publish_commits_each_claim_with_its_event_or_neither(other_reviewer, monkeypatch, nudges):
    first, second = ClaimFactory.create_batch(2, status=ClaimStatus.IN_REVIEW, verdict=Verdict.FALSE, explanation="x")
    EvidenceFactory(claim=first)
    EvidenceFactory(claim=second)
    calls = []
    record = services.claim_change_event_record

    def second_refused(claim, correction):
        calls.append(claim.pk)
        return _refused() if claim.pk == second.pk else record(claim, correction)

    monkeypatch.setattr(services, "claim_change_event_record", second_refused)
    with pytest.raises(DatabaseError):
        services.claims_publish(claims=[first, second], user=other_reviewer)
    assert calls == [first.pk, second.pk]
    assert [e.object_ids["claim"] for e in events()] == [first.pk]  # committed, each in its own transaction
    assert Claim.objects.get(pk=first.pk).status == ClaimStatus.PUBLISHED
    assert Claim.objects.get(pk=second.pk).status == ClaimStatus.IN_REVIEW
    assert list(Correction.objects.values_list("claim_id", flat=True)) == [first.pk]
    assert nudges == [1]


@pytest.mark.django_db
def test_a_link_check_whose_events_cannot_be_written_records_nothing(settings, monkeypatch):
    settings.LINKCHECK_DEAD_AFTER_DAYS = 0
    source = dying_source()
    monkeypatch.setattr("sources.health.events_record", _refused)
    with pytest.raises(DatabaseError):
        linkchecks_record(results=[not_found(source)], run_key="no-outbox")
    assert not LinkCheck.objects.exists()
    assert Source.objects.get(pk=source.pk).health == Health.FAILING


@pytest.mark.django_db
def test_a_tip_whose_event_cannot_be_written_is_not_stored(monkeypatch):
    monkeypatch.setattr("public.services.event_record", _refused)
    with pytest.raises(DatabaseError):
        tip_submit(text="Bananas are radioactive.")
    assert not Tip.objects.exists()


# --- committed: exactly one event, one nudge per transaction ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_committed_changes_have_exactly_one_event_each(reviewer, other_reviewer, settings, nudges):
    settings.LINKCHECK_DEAD_AFTER_DAYS = 0
    claim = ClaimFactory(status=ClaimStatus.IN_REVIEW, verdict=Verdict.FALSE, explanation="x")
    EvidenceFactory(claim=claim)
    publish(claim, other_reviewer)
    assert [(e.type, e.object_ids["claim"]) for e in events()] == [(EventType.CLAIM_PUBLISHED, claim.pk)]
    assert nudges == [1]

    sources = [dying_source(), dying_source()]
    linkchecks_record(results=[not_found(s) for s in sources], run_key="two-die")
    assert [e.type for e in events()][1:] == [EventType.SOURCE_DEAD, EventType.SOURCE_DEAD]
    assert nudges == [1, 1]  # two events, one transaction: one nudge

    tip = tip_submit(text="Bananas are radioactive.")
    assert events()[-1].object_ids == {"tip": tip.pk}
    assert len(events()) == 4
    assert nudges == [1, 1, 1]


@pytest.mark.django_db
def test_the_nudge_waits_for_the_commit(ready, other_reviewer, django_capture_on_commit_callbacks, nudges):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish(ready, other_reviewer)
        services.evidence_excerpt_status_record(
            source_ids=[ready.evidence.get().source_id],
            found=[],
            missing=[ready.evidence.get().pk],
            checked_at=timezone.now(),
        )
    assert len(events()) == 2
    assert nudges == []  # nothing is committed yet, so nobody is nudged
    assert len(callbacks) == 1  # one nudge for the two events of the transaction


# --- outside a transaction -------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_outbox_refuses_to_write_outside_a_transaction():
    with pytest.raises(transaction.TransactionManagementError, match="inside the change's transaction"):
        event_record(type=EventType.TIP_RECEIVED, order_key="tip:1", payload={"tip": {"id": 1}})
    with pytest.raises(transaction.TransactionManagementError, match="inside the change's transaction"):
        events_record([Event(type=EventType.SOURCE_DEAD, order_key="source:1", payload={})])
    assert not Event.objects.exists()
