"""Issue 19's outbox rule for the claim events, path by path: whatever writes a public change (the services, the
admin's change form and bulk actions, the API, the importers, a tip made a claim), its event row is there, with its
type, order key, ids, filter columns and a payload that is the claim as its public page shows it; and a change
readers do not see (a draft or in-review edit, a published claim's quote) writes none.

Each test asserts the event against the claim as it stands after the write (tests/notifications/conftest.py
assert_claim_event), so an event written before the rest of its change (tags, evidence rows) fails here.
"""

import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from claims import services
from claims.choices import ClaimStatus, Stance, Verdict
from claims.models import Claim, Correction, Tag
from notifications.choices import PUBLIC_EVENT_TYPES, EventType
from notifications.models import Event
from public.services import tip_submit, tip_turn_into_claim
from tests.api.conftest import token_headers
from tests.claims.test_admin import CHANGELIST, change_url, errors_of, form_data, messages_of
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory, PublishedClaimFactory
from tests.importers.test_claimreview import review, run

from .conftest import assert_claim_event, events

pytestmark = pytest.mark.django_db

PUBLISHED, CORRECTED, RETRACTED, MINOR = PUBLIC_EVENT_TYPES


def publishable(reviewer, **fields) -> Claim:
    """A claim in review with a verdict, an explanation, a source and a tag, written by ``reviewer``."""
    values = {
        "verdict": Verdict.FALSE,
        "explanation": "The budget says 1.2 billion.",
        "status": ClaimStatus.IN_REVIEW,
        "claimant": "A mayor",
    }
    claim = services.claim_create(
        user=reviewer, text="The bridge cost 2 billion.", tags=["budget"], **(values | fields)
    )
    services.evidence_add(claim=claim, url="https://example.org/budget", user=reviewer, excerpt="1.2 billion")
    return Claim.objects.get(pk=claim.pk)


def update(claim: Claim, user, **data) -> Claim:
    note, minor = data.pop("correction_note", ""), data.pop("minor_edit", False)
    return services.claim_update(claim_id=claim.pk, user=user, data=data, correction_note=note, minor_edit=minor)


# --- the services ----------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("one_person_desk")
def test_a_claims_public_life_through_the_services_is_one_event_per_public_change(reviewer):
    claim = services.claim_create(user=reviewer, text="Tap water is unsafe here.", language="en", tags=["water"])
    update(claim, reviewer, verdict=Verdict.TRUE, explanation="Draft thoughts.")  # a draft edit
    services.evidence_add(claim=claim, url="https://example.org/water", user=reviewer)
    update(claim, reviewer, status=ClaimStatus.IN_REVIEW, verdict=Verdict.FALSE)  # an in-review edit
    assert events() == []

    update(claim, reviewer, status=ClaimStatus.PUBLISHED, explanation="The utility's tests say it is safe.")
    [published] = events()
    assert_claim_event(published, PUBLISHED, claim)

    update(claim, reviewer, verdict=Verdict.MOSTLY_FALSE, correction_note="One district failed a test.")
    assert_claim_event(events()[-1], CORRECTED, claim, note="One district failed a test.", verdict_before="false")

    claim = Claim.objects.get(pk=claim.pk)
    update(claim, reviewer, explanation=claim.explanation + " (Link fixed.)", minor_edit=True)
    assert_claim_event(events()[-1], MINOR, claim, verdict_before="mostly_false")

    update(claim, reviewer, status=ClaimStatus.RETRACTED, correction_note="The report was about another city.")
    assert_claim_event(
        events()[-1], RETRACTED, claim, note="The report was about another city.", verdict_before="mostly_false"
    )

    # Reinstated through a re-review: nothing while in review, one correction when public again.
    update(claim, reviewer, status=ClaimStatus.IN_REVIEW)
    update(claim, reviewer, verdict=Verdict.MIXED)
    assert len(events()) == 4
    update(claim, reviewer, status=ClaimStatus.PUBLISHED, correction_note="Re-checked with the new report.")
    assert_claim_event(
        events()[-1], CORRECTED, claim, note="Re-checked with the new report.", verdict_before="mostly_false"
    )

    assert [e.type for e in events()] == [PUBLISHED, CORRECTED, MINOR, RETRACTED, CORRECTED]
    assert set(Event.objects.values_list("order_key", flat=True)) == {f"claim:{claim.pk}"}
    assert Event.objects.count() == Correction.objects.filter(claim=claim).count()


@pytest.mark.usefixtures("one_person_desk")
def test_edits_readers_do_not_see_write_no_event(reviewer, other_reviewer):
    published = PublishedClaimFactory(quote="As said on the radio.")
    draft = ClaimFactory()
    update(draft, reviewer, verdict=Verdict.TRUE, explanation="Draft.", quote="Another quote.")
    update(published, reviewer, quote="As said on the radio, twice.")  # shown on the page, but not a public change
    update(published, reviewer, claimant="The mayor", tags=["radio"])
    services.claim_assign(claim=Claim.objects.get(pk=published.pk), assignee=other_reviewer, user=reviewer)
    services.claim_note_add(claim_id=published.pk, user=reviewer, text="Keep an eye on this one.")
    services.claims_move_to_review(claims=[published], user=reviewer)
    update(published, reviewer, verdict=Verdict.TRUE, explanation="Re-reviewing.")
    assert events() == []
    assert not Correction.objects.exists()


def test_second_review_approval_writes_nothing_and_the_publication_one_event(
    awaiting_approval, reviewer, other_reviewer
):
    services.claim_approve(claim_id=awaiting_approval.pk, user=other_reviewer)
    assert events() == []
    update(awaiting_approval, reviewer, status=ClaimStatus.PUBLISHED)  # the author publishes what omar approved
    [event] = events()
    assert_claim_event(event, PUBLISHED, awaiting_approval)


def test_another_reviewer_publishing_is_the_approval_and_one_event(awaiting_approval, other_reviewer):
    update(awaiting_approval, other_reviewer, status=ClaimStatus.PUBLISHED)
    [event] = events()
    assert_claim_event(event, PUBLISHED, awaiting_approval)


def test_a_publication_refused_by_second_review_writes_no_event(awaiting_approval, reviewer):
    with pytest.raises(services.ValidationError):
        update(awaiting_approval, reviewer, status=ClaimStatus.PUBLISHED)
    assert events() == []


def test_bulk_publish_and_bulk_verdict_write_one_event_per_claim_changed(reviewer, other_reviewer):
    first, second = publishable(reviewer), publishable(reviewer, claimant="A minister")
    draft = ClaimFactory()
    result = services.claims_publish(claims=[first, second, draft], user=other_reviewer)
    assert len(result.changed) == 2
    assert len(result.refused) == 1
    for claim, event in zip([first, second], events(), strict=True):
        assert_claim_event(event, PUBLISHED, claim)

    result = services.claims_set_verdict(
        claims=[first, draft], verdict=Verdict.MISLEADING, user=other_reviewer, correction_note="Audit."
    )
    assert len(result.changed) == 2  # the draft too, but nobody reads a draft
    [corrected] = events(CORRECTED)
    assert_claim_event(corrected, CORRECTED, first, note="Audit.", verdict_before="false")
    refused = services.claims_set_verdict(claims=[second], verdict=Verdict.TRUE, user=other_reviewer)
    assert refused.refused
    assert len(events()) == 3


def test_a_tip_made_a_claim_is_told_when_the_claim_is_published(reviewer, other_reviewer):
    tip = tip_submit(text="The new stadium cost 40 million.", url="https://news.example.org/stadium", language="en")
    claim = tip_turn_into_claim(tip_id=tip.pk, user=reviewer)
    assert [e.type for e in events()] == [EventType.TIP_RECEIVED]  # the claim is a draft: readers see nothing yet
    update(claim, reviewer, verdict=Verdict.FALSE, explanation="It cost 55 million.", status=ClaimStatus.IN_REVIEW)
    services.evidence_add(claim=claim, url="https://example.org/stadium-accounts", user=reviewer)
    update(claim, other_reviewer, status=ClaimStatus.PUBLISHED)
    [event] = events(*PUBLIC_EVENT_TYPES)
    assert_claim_event(event, PUBLISHED, claim)
    assert event.payload["claim"]["article"]["url"] == "https://news.example.org/stadium"


def test_a_new_claim_cannot_start_retracted_so_no_event_says_it_was_published(reviewer):
    # A claim created as "retracted" was logged and announced as published: readers were told of a fact-check
    # that never existed, withdrawn, without a verdict or a source.
    with pytest.raises(services.ValidationError, match="cannot start as"):
        services.claim_create(user=reviewer, text="Never published.", status=ClaimStatus.RETRACTED)
    assert events() == []
    assert not Claim.objects.exists()


# --- the admin: change form and bulk actions -------------------------------------------------------------------


@pytest.fixture
def rclient(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.mark.usefixtures("one_person_desk")
def test_admin_publishing_with_new_evidence_and_tags_in_the_same_save(rclient):
    # The evidence rows and tags are saved after the claim's own row: the event must carry them (it once carried
    # no source and no tag, and a tag's subscribers never heard of the claim).
    claim = ClaimFactory(status=ClaimStatus.IN_REVIEW)
    tag = Tag.objects.create(name="health")
    data = form_data(rclient.get(change_url(claim)))
    data.update(
        {
            "verdict": Verdict.FALSE,
            "explanation": "The company's own page says otherwise.",
            "status": ClaimStatus.PUBLISHED,
            "tags": [str(tag.pk)],
            "evidence-0-url": "https://example.org/page",
            "evidence-0-stance": Stance.REFUTES,
            "evidence-0-excerpt": "not yet released",
        }
    )
    response = rclient.post(change_url(claim), data)
    assert response.status_code == 302, errors_of(response)
    [event] = events()
    assert_claim_event(event, PUBLISHED, claim)
    assert event.tags == ["health"]
    assert [(e["url"], e["excerpt"]) for e in event.payload["claim"]["evidence"]] == [
        ("https://example.org/page", "not yet released")
    ]


@pytest.mark.usefixtures("one_person_desk")
def test_admin_add_form_publishing_a_new_claim_at_once(rclient):
    data = form_data(rclient.get(reverse("admin:claims_claim_add")))
    data.update(
        {
            "text": "Sora renders a one-minute clip in ten minutes.",
            "claimant": "A leaker",
            "language": "en",
            "article": str(ArticleFactory().pk),
            "verdict": Verdict.MISLEADING,
            "explanation": "Only for the shortest clips.",
            "status": ClaimStatus.PUBLISHED,
            "evidence-0-url": "https://example.org/render",
            "evidence-0-stance": Stance.CONTEXT,
        }
    )
    response = rclient.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 302, errors_of(response)
    claim = Claim.objects.get(text__startswith="Sora renders")
    [event] = events()
    assert_claim_event(event, PUBLISHED, claim)
    assert event.payload["claim"]["evidence"][0]["url"] == "https://example.org/render"


def test_admin_add_form_refuses_a_claim_starting_retracted(rclient):
    data = form_data(rclient.get(reverse("admin:claims_claim_add")))
    data.update({"text": "Withdrawn before it was ever said.", "status": ClaimStatus.RETRACTED})
    response = rclient.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 200
    assert "cannot start as" in str(response.context["adminform"].form.errors["status"])
    assert events() == []
    assert not Claim.objects.exists()


def test_admin_correction_minor_edit_and_retraction_from_the_change_form(rclient):
    claim = PublishedClaimFactory()
    data = form_data(rclient.get(change_url(claim)))
    data.update({"verdict": Verdict.MOSTLY_TRUE, "correction_note": "The figure was rounded."})
    assert rclient.post(change_url(claim), data).status_code == 302
    assert_claim_event(events()[-1], CORRECTED, claim, note="The figure was rounded.", verdict_before="false")

    data = form_data(rclient.get(change_url(claim)))
    data.update({"explanation": data["explanation"] + " (typo)", "minor_edit": "on"})
    assert rclient.post(change_url(claim), data).status_code == 302
    assert_claim_event(events()[-1], MINOR, claim, verdict_before="mostly_true")

    data = form_data(rclient.get(change_url(claim)))
    data.update({"status": ClaimStatus.RETRACTED, "correction_note": "The video was older."})
    assert rclient.post(change_url(claim), data).status_code == 302
    assert_claim_event(events()[-1], RETRACTED, claim, note="The video was older.", verdict_before="mostly_true")
    assert [e.type for e in events()] == [CORRECTED, MINOR, RETRACTED]


def test_admin_edits_readers_do_not_see_write_no_event(rclient):
    published, draft = PublishedClaimFactory(), ClaimFactory()
    data = form_data(rclient.get(change_url(published)))
    data["quote"] = "A new quote, shown on the page but no public change."
    data["evidence-1-url"] = "https://example.org/another"  # a new source for a published claim: no event either
    data["evidence-1-stance"] = Stance.SUPPORTS
    assert rclient.post(change_url(published), data).status_code == 302
    data = form_data(rclient.get(change_url(draft)))
    data.update({"verdict": Verdict.TRUE, "explanation": "Draft.", "correction_note": "private"})
    assert rclient.post(change_url(draft), data).status_code == 302
    assert events() == []


def test_admin_refused_correction_writes_no_event(rclient):
    claim = PublishedClaimFactory()
    data = form_data(rclient.get(change_url(claim)))
    data["verdict"] = Verdict.TRUE  # no note: refused by the form
    assert rclient.post(change_url(claim), data).status_code == 200
    assert events() == []


def test_admin_bulk_actions(rclient, reviewer):
    ready = [publishable(reviewer) for _ in range(2)]
    # rita wrote them: under second review her own bulk publish is refused, and tells nobody
    shown = messages_of(
        rclient.post(reverse(CHANGELIST), {"action": "publish", "_selected_action": [c.pk for c in ready]}, follow=True)
    )
    assert any("not published" in m for m in shown)
    assert events() == []

    written = [
        ClaimFactory(status=ClaimStatus.IN_REVIEW, verdict=Verdict.FALSE, explanation="Because.") for _ in range(2)
    ]
    for claim in written:
        EvidenceFactory(claim=claim)
    data = {"action": "publish", "_selected_action": [c.pk for c in written]}
    assert "Published 2 claims." in messages_of(rclient.post(reverse(CHANGELIST), data, follow=True))
    by_claim = {event.object_ids["claim"]: event for event in events()}
    assert set(by_claim) == {c.pk for c in written}
    for claim in written:
        assert_claim_event(by_claim[claim.pk], PUBLISHED, claim)

    data = {
        "action": "set_verdict",
        "apply": "1",
        "verdict": Verdict.TRUE,
        "correction_note": "Rated again after the audit.",
        "_selected_action": [written[0].pk],
    }
    rclient.post(reverse(CHANGELIST), data, follow=True)
    assert_claim_event(events()[-1], CORRECTED, written[0], note="Rated again after the audit.", verdict_before="false")

    rclient.post(reverse(CHANGELIST), {"action": "move_to_review", "_selected_action": [written[1].pk]}, follow=True)
    assert Claim.objects.get(pk=written[1].pk).status == ClaimStatus.IN_REVIEW
    assert [e.type for e in events()] == [PUBLISHED, PUBLISHED, CORRECTED]


def test_admin_bulk_approve_writes_no_event(client, awaiting_approval, other_reviewer):
    client.force_login(other_reviewer)
    client.post(reverse(CHANGELIST), {"action": "approve", "_selected_action": [awaiting_approval.pk]}, follow=True)
    assert awaiting_approval.review_events.exists()
    assert events() == []


# --- the API ---------------------------------------------------------------------------------------------------


def patch(client, claim: Claim, user, data: dict, *, etag: str | None = None):
    headers = token_headers(user)
    if etag:
        headers["If-Match"] = etag
    return client.patch(f"/api/v1/claims/{claim.pk}/", data, content_type="application/json", headers=headers)


def etag_of(client, claim: Claim, user) -> str:
    return client.get(f"/api/v1/claims/{claim.pk}/", headers=token_headers(user))["ETag"]


def test_api_publish_with_if_match_and_tags_in_the_same_patch(client, awaiting_approval, reviewer, other_reviewer):
    response = client.post(
        f"/api/v1/claims/{awaiting_approval.pk}/approve/",
        headers={**token_headers(other_reviewer), "If-Match": etag_of(client, awaiting_approval, other_reviewer)},
    )
    assert response.status_code == 200, response.json()
    assert events() == []
    data = {"status": "published", "tags": ["bridges", "budget"]}
    response = patch(client, awaiting_approval, reviewer, data, etag=etag_of(client, awaiting_approval, reviewer))
    assert response.status_code == 200, response.json()
    [event] = events()
    assert_claim_event(event, PUBLISHED, awaiting_approval)
    assert event.tags == event.payload["claim"]["tags"] == ["bridges", "budget"]


def test_api_correction_minor_edit_and_retraction(client, reviewer):
    claim = PublishedClaimFactory()
    patch(
        client,
        claim,
        reviewer,
        {"verdict": "mostly_false", "correction_note": "A second source."},
        etag=etag_of(client, claim, reviewer),
    )
    assert_claim_event(events()[-1], CORRECTED, claim, note="A second source.", verdict_before="false")
    patch(client, claim, reviewer, {"explanation": "Two sources say otherwise.", "minor_edit": True})
    assert_claim_event(events()[-1], MINOR, claim, verdict_before="mostly_false")
    patch(client, claim, reviewer, {"status": "retracted", "correction_note": "Withdrawn."})
    assert_claim_event(events()[-1], RETRACTED, claim, note="Withdrawn.", verdict_before="mostly_false")
    assert [e.type for e in events()] == [CORRECTED, MINOR, RETRACTED]


def test_api_refusals_and_unseen_edits_write_no_event(client, reviewer):
    claim = PublishedClaimFactory()
    stale = etag_of(client, claim, reviewer)
    assert patch(client, claim, reviewer, {"quote": "Said on the radio."}, etag=stale).status_code == 200
    assert patch(client, claim, reviewer, {"verdict": "true", "correction_note": "x"}, etag=stale).status_code == 412
    assert patch(client, claim, reviewer, {"verdict": "true"}).status_code == 400  # no note
    response = client.post(
        "/api/v1/claims/",
        {"text": "Withdrawn at birth.", "status": "retracted"},
        content_type="application/json",
        headers=token_headers(reviewer),
    )
    assert response.status_code == 400
    assert events() == []


# --- the importers ---------------------------------------------------------------------------------------------


@pytest.fixture
def ours(settings):
    return {"@type": "Organization", "name": "Someone", "url": settings.FACTCHECK_ORGANIZATION_URL + "about/"}


def test_import_command_own_publish_writes_the_event_with_the_review_as_source(tmp_path, ours, reviewer):
    run(tmp_path, review(1, author=ours), "--own", "--publish", "--user", "rita")
    claim = Claim.objects.get()
    [event] = events()
    assert_claim_event(event, PUBLISHED, claim)
    assert [e["url"] for e in event.payload["claim"]["evidence"]] == ["https://checker.example.org/checks/1"]
    run(tmp_path, review(1, author=ours), "--own", "--publish", "--user", "rita")  # the same again: nothing new
    assert len(events()) == 1


def test_import_of_a_changed_verdict_of_a_published_claim_is_refused_and_tells_nobody(tmp_path, ours, reviewer):
    run(tmp_path, review(1, author=ours), "--own", "--publish", "--user", "rita")
    rated_true = review(1, author=ours, reviewRating={"@type": "Rating", "alternateName": "True"})
    path, out = tmp_path / "again.json", StringIO()
    path.write_text(json.dumps(rated_true), encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing could be imported"):
        call_command("import_claimreview", str(path), "--own", "--publish", "--user", "rita", stdout=out, stderr=out)
    assert "correction note" in out.getvalue()
    assert Claim.objects.get().verdict == Verdict.FALSE
    assert [e.type for e in events()] == [PUBLISHED]


def test_import_of_another_desks_review_or_without_publish_writes_no_event(tmp_path, ours, reviewer):
    run(tmp_path, review(1), "--own", "--publish", "--user", "rita")  # theirs: kept in review
    run(tmp_path, review(2, author=ours), "--own", "--user", "rita")  # ours, not published
    assert Claim.objects.count() == 2
    assert events() == []


def test_admin_import_page_own_publish(rclient, ours):
    upload = SimpleUploadedFile("ours.json", json.dumps([review(1, author=ours), review(2)]).encode())
    response = rclient.post(
        reverse("admin:claims_claim_import_claimreview"), {"files": [upload], "own": "on", "publish": "on"}
    )
    assert response.status_code == 200
    published = Claim.objects.get(status=ClaimStatus.PUBLISHED)
    [event] = events()
    assert_claim_event(event, PUBLISHED, published)
    assert Claim.objects.filter(status=ClaimStatus.IN_REVIEW).count() == 1  # the other desk's
