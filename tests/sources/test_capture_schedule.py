"""When captures are taken besides citation and drift: the scheduled recapture (claimed like due checks) and
"Capture now" in the admin, on sources and on evidence."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from claims.models import Evidence
from sources.choices import CaptureReason, CaptureStatus, Health
from sources.models import Capture, Source
from sources.services import sources_capture_now, sources_claim_capture_due
from sources.tasks import sources_capture_due
from tests import factories

from .capture_farm import article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _captures_on(settings):
    settings.CAPTURE_ENABLED = True  # off elsewhere in the tests (tests/conftest.py)


def cite(source: Source, *, public: bool, ago: timedelta = timedelta(hours=3)) -> Evidence:
    claim = factories.PublishedClaimFactory(evidence=None) if public else factories.ClaimFactory()
    evidence = factories.EvidenceFactory(claim=claim, source=source)
    Evidence.objects.filter(pk=evidence.pk).update(created_at=timezone.now() - ago)
    return evidence


def captured(source: Source, *, next_at) -> None:
    factories.SourceFactory._meta.model.objects.filter(pk=source.pk).update(next_capture_at=next_at)
    Capture.objects.create(
        source=source,
        reason=CaptureReason.CITED,
        key=f"earlier:{source.pk}",
        status=CaptureStatus.FAILED,
        failure="not_found",
        url=source.url,
        fetched_at=timezone.now() - timedelta(days=40),
    )


def test_the_sources_due_a_capture_are_claimed_once():
    now = timezone.now()
    public_due = factories.SourceFactory()
    cite(public_due, public=True)
    captured(public_due, next_at=now - timedelta(days=1))  # its month is up
    public_never = factories.SourceFactory()
    cite(public_never, public=True)
    draft_never = factories.SourceFactory()
    cite(draft_never, public=False)  # never captured: its capture at citation was lost

    draft_captured = factories.SourceFactory()
    cite(draft_captured, public=False)
    captured(draft_captured, next_at=now - timedelta(days=1))  # only drafts cite it: no monthly recapture
    public_later = factories.SourceFactory()
    cite(public_later, public=True)
    captured(public_later, next_at=now + timedelta(days=10))
    dead = factories.SourceFactory(health=Health.DEAD)
    cite(dead, public=True)
    just_cited = factories.SourceFactory()
    cite(just_cited, public=False, ago=timedelta(minutes=1))  # its own capture is still on its way
    factories.SourceFactory()  # cited by nobody

    claimed = sources_claim_capture_due(lease_seconds=600)
    assert sorted(claimed) == sorted([public_due.pk, public_never.pk, draft_never.pk])
    assert sources_claim_capture_due() == []  # leased: a second beat run gets none of them
    leased = Source.objects.filter(pk__in=claimed).values_list("next_capture_at", flat=True)
    assert all(now + timedelta(seconds=590) < at < now + timedelta(seconds=700) for at in leased)


def test_the_beat_job_captures_due_sources_and_sets_their_next_month(capture_farm, settings):
    settings.CAPTURE_INTERVAL_DAYS = 30
    source = factories.SourceFactory(url=capture_farm.page_url("monthly", article()))
    cite(source, public=True)
    assert sources_capture_due.delay().get() == 1
    capture = Capture.objects.get()
    assert (capture.reason, capture.status, capture.evidence_id) == ("scheduled", "ok", None)
    assert capture.key.startswith("scheduled:")
    source.refresh_from_db()
    days = (source.next_capture_at - capture.fetched_at) / timedelta(days=1)
    assert 30 * (1 - settings.LINKCHECK_JITTER) <= days <= 30 * (1 + settings.LINKCHECK_JITTER)
    assert sources_capture_due.delay().get() == 0  # not due again this month
    assert Capture.objects.count() == 1


def test_the_beat_row_is_there():
    row = PeriodicTask.objects.get(name="Captures: capture due sources")
    assert row.task == "sources.tasks.sources_capture_due"
    assert row.enabled
    assert (row.crontab.minute, row.crontab.hour) == ("20", "*")


def test_capture_now_beyond_a_few_goes_to_the_worker(capture_farm):
    sources = [factories.SourceFactory(url=capture_farm.page_url(f"n{n}", article())) for n in range(3)]
    done = sources_capture_now(source_ids=[s.pk for s in sources], inline=2)
    assert (done.taken, done.queued, done.not_queued) == ([], 3, 0)
    # Tasks run in-process here: the worker has taken them.
    assert Capture.objects.filter(reason="on_demand", status="ok").count() == 3


# --- The admin -----------------------------------------------------------------------------------------------------


@pytest.fixture
def rclient(client, reviewer):
    client.force_login(reviewer)
    return client


def test_capture_now_on_sources(rclient, capture_farm):
    good = factories.SourceFactory(url=capture_farm.page_url("good", article()))
    gone = factories.SourceFactory(url=capture_farm.url("/status/404"))
    response = rclient.post(
        reverse("admin:sources_source_changelist"),
        {"action": "capture_now", "_selected_action": [good.pk, gone.pk]},
        follow=True,
    )
    assert response.status_code == 200
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Captured 1 page." in texts
    assert f"The capture of {gone.url} failed: the page is not there." in texts
    assert sorted(Capture.objects.values_list("source_id", "status", "reason")) == sorted(
        [(good.pk, "ok", "on_demand"), (gone.pk, "failed", "on_demand")]
    )


def test_capture_now_on_evidence_names_the_evidence(rclient, capture_farm):
    evidence = factories.EvidenceFactory(source=factories.SourceFactory(url=capture_farm.page_url("e", article())))
    response = rclient.post(
        reverse("admin:claims_evidence_changelist"),
        {"action": "capture_now", "_selected_action": [evidence.pk]},
        follow=True,
    )
    assert response.status_code == 200
    capture = Capture.objects.get()
    assert (capture.source_id, capture.evidence_id, capture.reason) == (evidence.source_id, evidence.pk, "on_demand")


def test_researchers_cannot_capture(client, capture_farm):
    client.force_login(factories.ResearcherFactory(username="ruth", is_staff=True))
    source = factories.SourceFactory(url=capture_farm.page_url("r", article()))
    evidence = factories.EvidenceFactory(claim=factories.PublishedClaimFactory(evidence=None), source=source)
    for changelist, pk in (
        ("admin:sources_source_changelist", source.pk),
        ("admin:claims_evidence_changelist", evidence.pk),
    ):
        listing = client.get(reverse(changelist))
        assert listing.status_code == 200
        form = listing.context["action_form"]  # None: no action at all is theirs
        assert form is None or "capture_now" not in dict(form.fields["action"].choices)
        client.post(reverse(changelist), {"action": "capture_now", "_selected_action": [pk]})
    assert Capture.objects.count() == 0
    assert capture_farm.hits["/page/r"] == 0


def test_the_captures_list_shows_failures_and_hides_what_drafts_cite(client, reviewer, capture_farm):
    public = factories.SourceFactory(url=capture_farm.url("/status/404"))
    cite(public, public=True)
    draft = factories.SourceFactory(url=capture_farm.url("/status/410"))
    cite(draft, public=False)
    sources_capture_now(source_ids=[public.pk, draft.pk])
    client.force_login(reviewer)
    listing = client.get(reverse("admin:sources_capture_changelist"), {"status__exact": "failed"})
    assert {c.source_id for c in listing.context["cl"].result_list} == {public.pk, draft.pk}
    client.force_login(factories.ResearcherFactory(username="ruth", is_staff=True))
    listing = client.get(reverse("admin:sources_capture_changelist"))
    assert [c.source_id for c in listing.context["cl"].result_list] == [public.pk]
    page = client.get(reverse("admin:sources_capture_change", args=[listing.context["cl"].result_list[0].pk]))
    assert page.status_code == 200
    assert "the page is not there" in page.content.decode()


def test_with_captures_off_the_beat_job_takes_none(capture_farm, settings):
    settings.CAPTURE_ENABLED = False
    cite(factories.SourceFactory(url=capture_farm.page_url("off", article())), public=True)
    assert sources_capture_due.delay().get() == 0
    assert Capture.objects.count() == 0
    assert capture_farm.hits["/page/off"] == 0
    # A reviewer's "Capture now" still takes one.
    assert sources_capture_now(source_ids=Source.objects.values_list("id", flat=True)).taken[0].status == "ok"
