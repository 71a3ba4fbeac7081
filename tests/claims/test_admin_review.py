"""Second review and notes on the admin's claim page, through the test client at the real admin urls: who must
approve, Approve, Request changes with its note at the top of the page, the notes thread, the change form and the
bulk actions under the rule, and the one-person desk."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from claims import services
from claims.choices import ClaimStatus, ReviewEventKind, Verdict
from claims.models import Claim, ClaimNote, ClaimReviewEvent
from tests.claims.test_admin import change_url, errors_of, form_data, messages_of
from tests.factories import ResearcherFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:claims_claim_changelist"


@pytest.fixture
def as_rita(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def as_omar(client, other_reviewer):
    client.force_login(other_reviewer)
    return client


def page(client, claim) -> str:
    response = client.get(change_url(claim))
    assert response.status_code == 200
    return response.content.decode()


def post_button(client, claim, name: str, **fields):
    """Press one of the panel's buttons: the change form as rendered, posted to the button's own url."""
    data = form_data(client.get(change_url(claim)))
    data.update(fields)
    return client.post(reverse(f"admin:claims_claim_{name}", args=[claim.pk]), data, follow=True)


def save_form(client, claim, **changes):
    data = form_data(client.get(change_url(claim)))
    data.update(changes)
    return client.post(change_url(claim), data, follow=True)


# --- who must approve, and Approve -------------------------------------------------------------------------------


def test_the_author_reads_who_must_approve_and_has_no_approve_button(as_rita, awaiting_approval):
    html = page(as_rita, awaiting_approval)
    assert "Needs approval by someone other than rita." in html
    assert "You made the last change, so a colleague approves it (or publishes it)." in html
    assert reverse("admin:claims_claim_approve", args=[awaiting_approval.pk]) not in html
    assert "Request changes" in html


def test_another_reviewer_approves_from_the_claim_page(as_omar, awaiting_approval, other_reviewer):
    html = page(as_omar, awaiting_approval)
    assert "Needs approval by someone other than rita." in html
    assert f'formaction="{reverse("admin:claims_claim_approve", args=[awaiting_approval.pk])}"' in html
    response = post_button(as_omar, awaiting_approval, "approve")
    assert messages_of(response) == ["You approved this claim: it can be published."]
    html = response.content.decode()
    assert "Approved by omar" in html
    assert (
        reverse("admin:claims_claim_approve", args=[awaiting_approval.pk]) not in html
    )  # nothing left for omar to approve
    event = ClaimReviewEvent.objects.get(claim=awaiting_approval)
    assert (event.kind, event.actor, event.verdict_revision) == (ReviewEventKind.APPROVED, other_reviewer, 1)


def test_approving_what_changed_since_the_page_was_opened_is_refused(as_omar, awaiting_approval, reviewer):
    data = form_data(as_omar.get(change_url(awaiting_approval)))
    services.claim_update(claim_id=awaiting_approval.pk, user=reviewer, data={"verdict": Verdict.MOSTLY_FALSE})
    response = as_omar.post(reverse("admin:claims_claim_approve", args=[awaiting_approval.pk]), data, follow=True)
    assert "was changed by rita since you opened it" in " ".join(messages_of(response))
    assert not ClaimReviewEvent.objects.exists()


def test_the_author_posting_approve_anyway_is_refused(as_rita, awaiting_approval):
    response = post_button(as_rita, awaiting_approval, "approve")
    assert messages_of(response) == [
        "You are the last to have changed this claim's verdict or explanation: its approval must come from another "
        "reviewer."
    ]
    assert not ClaimReviewEvent.objects.exists()


# --- publishing through the change form --------------------------------------------------------------------------


def test_the_author_cannot_publish_from_the_form_and_is_told_why(as_rita, awaiting_approval):
    response = save_form(as_rita, awaiting_approval, status=ClaimStatus.PUBLISHED)
    assert "you are the last to have changed its verdict or explanation" in errors_of(response)
    awaiting_approval.refresh_from_db()
    assert awaiting_approval.status == ClaimStatus.IN_REVIEW


def test_the_author_publishes_once_another_reviewer_approved(client, as_rita, awaiting_approval, other_reviewer):
    services.claim_approve(claim_id=awaiting_approval.pk, user=other_reviewer)
    assert "Approved by omar" in page(as_rita, awaiting_approval)
    response = save_form(as_rita, awaiting_approval, status=ClaimStatus.PUBLISHED)
    assert response.redirect_chain, errors_of(response)  # saved: the admin went on to the list
    awaiting_approval.refresh_from_db()
    assert awaiting_approval.status == ClaimStatus.PUBLISHED


def test_changing_the_verdict_voids_the_approval_on_the_page(as_rita, awaiting_approval, other_reviewer):
    services.claim_approve(claim_id=awaiting_approval.pk, user=other_reviewer)
    save_form(as_rita, awaiting_approval, verdict=Verdict.MOSTLY_FALSE)
    html = page(as_rita, awaiting_approval)
    assert "Approved by" not in html
    assert "Needs approval by someone other than rita." in html
    response = save_form(as_rita, awaiting_approval, status=ClaimStatus.PUBLISHED)
    assert "you are the last to have changed" in errors_of(response)


def test_another_reviewer_publishing_from_the_form_is_the_approval(as_omar, awaiting_approval, other_reviewer):
    response = save_form(as_omar, awaiting_approval, status=ClaimStatus.PUBLISHED)
    assert response.redirect_chain, errors_of(response)  # saved: the admin went on to the list
    awaiting_approval.refresh_from_db()
    assert awaiting_approval.status == ClaimStatus.PUBLISHED
    assert ClaimReviewEvent.objects.get(claim=awaiting_approval).actor == other_reviewer


def test_a_new_claim_cannot_be_published_by_its_author_at_once(as_rita):
    add = as_rita.get(reverse("admin:claims_claim_add"))
    data = form_data(add)
    data.update(
        {
            "text": "Straight to print.",
            "verdict": Verdict.FALSE,
            "explanation": "Because.",
            "status": ClaimStatus.PUBLISHED,
            "evidence-0-url": "https://example.org/new-evidence",
            "evidence-0-stance": "supports",
        }
    )
    response = as_rita.post(reverse("admin:claims_claim_add"), data, follow=True)
    assert "you are the last to have changed" in errors_of(response)
    assert not Claim.objects.exists()


# --- bulk actions ------------------------------------------------------------------------------------------------


def test_bulk_publish_refuses_the_authors_own_claims_with_the_reason(as_rita, awaiting_approval):
    response = as_rita.post(
        reverse(CHANGELIST), {"action": "publish", "_selected_action": [awaiting_approval.pk]}, follow=True
    )
    assert "you are the last to have changed its verdict or explanation" in " ".join(messages_of(response))
    awaiting_approval.refresh_from_db()
    assert awaiting_approval.status == ClaimStatus.IN_REVIEW


def test_bulk_approve_then_the_author_bulk_publishes(client, reviewer, other_reviewer, awaiting_approval):
    client.force_login(other_reviewer)
    response = client.post(
        reverse(CHANGELIST), {"action": "approve", "_selected_action": [awaiting_approval.pk]}, follow=True
    )
    assert "Approved 1 claim." in messages_of(response)
    client.force_login(reviewer)
    client.post(reverse(CHANGELIST), {"action": "publish", "_selected_action": [awaiting_approval.pk]})
    awaiting_approval.refresh_from_db()
    assert awaiting_approval.status == ClaimStatus.PUBLISHED


# --- request changes ---------------------------------------------------------------------------------------------


def test_request_changes_puts_the_note_at_the_top_of_the_authors_page(
    client, reviewer, other_reviewer, awaiting_approval
):
    client.force_login(other_reviewer)
    services.claim_approve(claim_id=awaiting_approval.pk, user=other_reviewer)
    response = post_button(
        client, awaiting_approval, "request_changes", review_note="Cite the 2023 budget, not the draft."
    )
    assert messages_of(response) == ["Changes requested: the claim is in review, with your note at the top."]
    client.force_login(reviewer)
    html = page(client, awaiting_approval)
    assert "Changes requested by omar" in html
    # Above the claim's own fields, where the author looks first.
    assert html.index('class="fc-changes-requested"') < html.index("Cite the 2023 budget, not the draft.")
    assert html.index("Cite the 2023 budget, not the draft.") < html.index('name="text"')
    assert "Approved by" not in html  # the request is the latest word on this version
    assert "requested changes" in html  # and the note is in the thread, marked
    # Once the author has changed the explanation, the request says so, and stays until someone approves.
    save_form(client, awaiting_approval, explanation="The 2023 budget says 1.2 billion.")
    assert "The verdict or explanation has changed since." in page(client, awaiting_approval)
    services.claim_approve(claim_id=awaiting_approval.pk, user=other_reviewer)
    assert 'class="fc-changes-requested"' not in page(client, awaiting_approval)


def test_request_changes_needs_a_note(as_omar, awaiting_approval):
    response = post_button(as_omar, awaiting_approval, "request_changes", review_note="  ")
    assert messages_of(response) == ["Say what should change: the note is shown to the claim's author."]
    assert not ClaimReviewEvent.objects.exists()


def test_request_changes_moves_a_draft_into_review(as_omar, reviewer):
    draft = services.claim_create(user=reviewer, text="A draft.", verdict=Verdict.FALSE, explanation="No.")
    post_button(as_omar, draft, "request_changes", review_note="Needs a source.")
    draft.refresh_from_db()
    assert draft.status == ClaimStatus.IN_REVIEW


# --- the notes thread --------------------------------------------------------------------------------------------


def test_notes_are_added_and_shown_newest_last(client, reviewer, other_reviewer, awaiting_approval):
    client.force_login(reviewer)
    with time_machine.travel(dt.datetime(2024, 11, 27, 1, 0, tzinfo=dt.UTC), tick=False) as clock:
        response = post_button(client, awaiting_approval, "note_add", note_text="Is the budget the final one?")
        assert messages_of(response) == ["Note added."]
        clock.shift(dt.timedelta(minutes=5))
        client.force_login(other_reviewer)
        post_button(client, awaiting_approval, "note_add", note_text="Yes: adopted in March.")
        html = page(client, awaiting_approval)
    assert html.index("Is the budget the final one?") < html.index("Yes: adopted in March.")
    assert html.index('id="fc-notes"') > html.index('id="evidence-group"')  # under the claim and its evidence
    assert ClaimReviewEvent.objects.filter(kind=ReviewEventKind.NOTE_ADDED).count() == 2


def test_the_author_edits_a_note_within_15_minutes_and_not_after(as_rita, reviewer, awaiting_approval):
    with time_machine.travel(dt.datetime(2024, 11, 27, 1, 0, tzinfo=dt.UTC), tick=False) as clock:
        note = services.claim_note_add(claim_id=awaiting_approval.pk, user=reviewer, text="Tpyo.")
        html = page(as_rita, awaiting_approval)
        assert f'name="note_text_{note.pk}"' in html
        url = reverse("admin:claims_claim_note_edit", args=[awaiting_approval.pk, note.pk])
        data = form_data(as_rita.get(change_url(awaiting_approval)))
        data[f"note_text_{note.pk}"] = "Typo."
        response = as_rita.post(url, data, follow=True)
        assert "Note changed." in messages_of(response)
        assert ClaimNote.objects.get(pk=note.pk).text == "Typo."
        clock.shift(dt.timedelta(minutes=16))
        assert f'name="note_text_{note.pk}"' not in page(as_rita, awaiting_approval)  # no edit box once the time is up
        data[f"note_text_{note.pk}"] = "Too late."
        response = as_rita.post(url, data, follow=True)
    assert messages_of(response) == [
        "A note can be edited for 15 minutes after it is written, and this one is older: add a new note instead."
    ]
    assert ClaimNote.objects.get(pk=note.pk).text == "Typo."


def test_only_the_author_gets_an_edit_box_and_others_are_refused(as_omar, reviewer, awaiting_approval):
    note = services.claim_note_add(claim_id=awaiting_approval.pk, user=reviewer, text="Rita's note.")
    assert f'name="note_text_{note.pk}"' not in page(as_omar, awaiting_approval)
    url = reverse("admin:claims_claim_note_edit", args=[awaiting_approval.pk, note.pk])
    data = form_data(as_omar.get(change_url(awaiting_approval)))
    data[f"note_text_{note.pk}"] = "Omar's now."
    response = as_omar.post(url, data, follow=True)
    assert messages_of(response) == ["Only its author can edit a note."]
    assert ClaimNote.objects.get(pk=note.pk).text == "Rita's note."


def test_a_researcher_sees_no_notes_or_review_and_cannot_post_them(client, reviewer):
    published = services.claim_create(
        user=reviewer, text="Public.", verdict=Verdict.FALSE, explanation="No.", status=ClaimStatus.IN_REVIEW
    )
    services.evidence_add(claim=published, url="https://example.org/public", user=reviewer)
    services.claim_note_add(claim_id=published.pk, user=reviewer, text="ZQXNOTE internal doubt.")
    Claim.objects.filter(pk=published.pk).update(status=ClaimStatus.PUBLISHED)
    client.force_login(ResearcherFactory(username="ruth", is_staff=True))
    html = page(client, published)
    assert "ZQXNOTE" not in html
    assert 'id="fc-notes"' not in html
    assert 'id="fc-review"' not in html
    for name in ("approve", "request_changes", "note_add"):
        response = client.post(reverse(f"admin:claims_claim_{name}", args=[published.pk]), {"note_text": "x"})
        assert response.status_code == 403
    assert ClaimNote.objects.count() == 1


# --- the one-person desk -----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("one_person_desk")
def test_a_one_person_desk_publishes_from_the_form_and_is_not_asked_for_approval(as_rita, awaiting_approval):
    html = page(as_rita, awaiting_approval)
    assert "Second review is off on this desk: any reviewer may publish." in html
    assert "Needs approval" not in html
    response = save_form(as_rita, awaiting_approval, status=ClaimStatus.PUBLISHED)
    assert response.redirect_chain, errors_of(response)  # saved: the admin went on to the list
    awaiting_approval.refresh_from_db()
    assert awaiting_approval.status == ClaimStatus.PUBLISHED
    assert not ClaimReviewEvent.objects.exists()


@pytest.mark.usefixtures("one_person_desk")
def test_a_one_person_desk_bulk_publishes(as_rita, awaiting_approval):
    response = as_rita.post(
        reverse(CHANGELIST), {"action": "publish", "_selected_action": [awaiting_approval.pk]}, follow=True
    )
    assert "Published 1 claim." in messages_of(response)
