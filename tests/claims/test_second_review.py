"""Second review in the services: publishing needs the approval of a reviewer other than the one who last changed the
verdict or explanation (FACTCHECK_REQUIRE_SECOND_REVIEW), on every path that publishes; the revision it approves is
kept by PostgreSQL whatever writes the claim; "Request changes"; and the one-person desk, where none of it applies."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from claims import services
from claims.choices import ClaimStatus, ReviewEventKind, Verdict
from claims.models import Claim, ClaimReviewEvent
from claims.selectors.review import claim_notes, claim_review_events
from tests import factories

pytestmark = pytest.mark.django_db


def publish(claim, user, **data):
    return services.claim_update(claim_id=claim.pk, user=user, data={"status": ClaimStatus.PUBLISHED, **data})


def events(claim) -> list[tuple[str, str | None]]:
    rows = ClaimReviewEvent.objects.filter(claim=claim).order_by("id")
    return [(e.kind, e.actor.username if e.actor else None) for e in rows]


# --- who last changed the verdict or explanation -----------------------------------------------------------------


def test_the_author_is_whoever_last_changed_the_verdict_or_explanation(awaiting_approval, reviewer, other_reviewer):
    assert (awaiting_approval.verdict_revision, awaiting_approval.verdict_changed_by) == (1, reviewer)
    services.claim_update(claim_id=awaiting_approval.pk, user=other_reviewer, data={"claimant": "A minister"})
    awaiting_approval.refresh_from_db()
    assert (awaiting_approval.verdict_revision, awaiting_approval.verdict_changed_by) == (
        1,
        reviewer,
    )  # not the text: no new revision
    services.claim_update(
        claim_id=awaiting_approval.pk, user=other_reviewer, data={"explanation": "The budget: 1.2 billion."}
    )
    awaiting_approval.refresh_from_db()
    assert (awaiting_approval.verdict_revision, awaiting_approval.verdict_changed_by) == (2, other_reviewer)
    services.claim_update(claim_id=awaiting_approval.pk, user=other_reviewer, data={"verdict": Verdict.MOSTLY_FALSE})
    awaiting_approval.refresh_from_db()
    assert (awaiting_approval.verdict_revision, awaiting_approval.verdict_changed_by) == (
        3,
        other_reviewer,
    )  # the same author again


def test_a_write_around_the_services_is_credited_to_nobody_and_cannot_be_undone_by_a_stale_save(
    awaiting_approval, reviewer, other_reviewer
):
    stale = Claim.objects.get(pk=awaiting_approval.pk)
    Claim.objects.filter(pk=awaiting_approval.pk).update(verdict=Verdict.MIXED)  # an ORM update: no service, no user
    awaiting_approval.refresh_from_db()
    assert (awaiting_approval.verdict_revision, awaiting_approval.verdict_changed_by_id) == (2, None)
    assert awaiting_approval.verdict_changed_at is not None
    # An instance read before, saved back whole: its old verdict is a change too, and its old author is not restored.
    stale.save()
    stale.refresh_from_db()
    assert (stale.verdict, stale.verdict_revision, stale.verdict_changed_by_id) == (Verdict.FALSE, 3, None)
    # Nor can a write that changes nothing name an author or a revision of its own.
    Claim.objects.filter(pk=awaiting_approval.pk).update(verdict_changed_by=other_reviewer, verdict_revision=99)
    awaiting_approval.refresh_from_db()
    assert (awaiting_approval.verdict_revision, awaiting_approval.verdict_changed_by_id) == (3, None)


def test_claims_made_outside_the_services_start_credited_to_nobody():
    draft = factories.ClaimFactory()
    published = factories.PublishedClaimFactory()
    draft.refresh_from_db()
    published.refresh_from_db()
    assert (draft.verdict_revision, draft.verdict_changed_by_id, draft.verdict_changed_at) == (0, None, None)
    assert (published.verdict_revision, published.verdict_changed_by_id) == (1, None)


def test_deleting_the_author_forgets_them(awaiting_approval, reviewer):
    get_user_model().objects.filter(pk=reviewer.pk).delete()
    awaiting_approval.refresh_from_db()
    assert (awaiting_approval.verdict_revision, awaiting_approval.verdict_changed_by_id) == (1, None)


# --- the rule on each path ---------------------------------------------------------------------------------------


def test_the_author_cannot_publish_alone(awaiting_approval, reviewer):
    with pytest.raises(ValidationError) as refused:
        publish(awaiting_approval, reviewer)
    assert refused.value.code == services.SECOND_REVIEW
    assert "you are the last to have changed its verdict or explanation" in refused.value.messages[0]
    awaiting_approval.refresh_from_db()
    assert awaiting_approval.status == ClaimStatus.IN_REVIEW
    assert events(awaiting_approval) == []


def test_after_another_reviewers_approval_the_author_publishes(awaiting_approval, reviewer, other_reviewer):
    review, approved = services.claim_approve(claim_id=awaiting_approval.pk, user=other_reviewer)
    assert approved
    assert (review.approval.actor, review.needs_approval) == (other_reviewer, False)
    assert services.claim_approve(claim_id=awaiting_approval.pk, user=other_reviewer)[1] is False  # again: nothing new
    publish(awaiting_approval, reviewer)
    awaiting_approval.refresh_from_db()
    assert awaiting_approval.status == ClaimStatus.PUBLISHED
    assert events(awaiting_approval) == [(ReviewEventKind.APPROVED, "omar")]


def test_another_reviewer_publishing_is_the_approval(awaiting_approval, other_reviewer):
    publish(awaiting_approval, other_reviewer)
    awaiting_approval.refresh_from_db()
    assert awaiting_approval.status == ClaimStatus.PUBLISHED
    assert events(awaiting_approval) == [(ReviewEventKind.APPROVED, "omar")]
    assert ClaimReviewEvent.objects.get(claim=awaiting_approval).verdict_revision == awaiting_approval.verdict_revision


def test_whoever_changes_the_text_in_the_publishing_save_is_its_author(awaiting_approval, other_reviewer):
    with pytest.raises(ValidationError, match="you are the last to have changed"):
        publish(awaiting_approval, other_reviewer, explanation="Rewritten by omar.")


@pytest.mark.parametrize("change", [{"verdict": Verdict.MIXED}, {"explanation": "Another reading of the budget."}])
def test_a_later_change_of_the_verdict_or_explanation_voids_the_approval(
    awaiting_approval, reviewer, other_reviewer, change
):
    services.claim_approve(claim_id=awaiting_approval.pk, user=other_reviewer)
    services.claim_update(claim_id=awaiting_approval.pk, user=reviewer, data=change)
    awaiting_approval.refresh_from_db()
    review = services.claim_second_review(awaiting_approval)
    assert review.approval is None
    assert review.needs_approval
    with pytest.raises(ValidationError, match="you are the last to have changed"):
        publish(awaiting_approval, reviewer)
    services.claim_approve(claim_id=awaiting_approval.pk, user=other_reviewer)  # approved again: now it may go
    publish(awaiting_approval, reviewer)


def test_a_change_around_the_services_voids_the_approval_too(awaiting_approval, reviewer, other_reviewer):
    services.claim_approve(claim_id=awaiting_approval.pk, user=other_reviewer)
    Claim.objects.filter(pk=awaiting_approval.pk).update(explanation="Changed by a script.")
    awaiting_approval.refresh_from_db()
    assert services.claim_second_review(awaiting_approval).approval is None
    # Credited to nobody: a reviewer's publishing is its approval, but nobody publishes it unapproved without a user.
    with pytest.raises(ValidationError, match="it needs the approval of a reviewer"):
        publish(awaiting_approval, None)
    publish(awaiting_approval, reviewer)
    assert events(awaiting_approval)[-1] == (ReviewEventKind.APPROVED, "rita")


def test_the_author_cannot_approve_their_own_change(awaiting_approval, reviewer):
    with pytest.raises(ValidationError, match="its approval must come from another reviewer"):
        services.claim_approve(claim_id=awaiting_approval.pk, user=reviewer)
    assert events(awaiting_approval) == []


def test_an_approval_is_of_the_version_the_approver_read(awaiting_approval, reviewer, other_reviewer):
    read = awaiting_approval.version
    services.claim_update(claim_id=awaiting_approval.pk, user=reviewer, data={"verdict": Verdict.MOSTLY_FALSE})
    with pytest.raises(services.VersionConflict):
        services.claim_approve(claim_id=awaiting_approval.pk, user=other_reviewer, expected_version=read)
    assert events(awaiting_approval) == []


def test_nothing_to_approve_before_the_publishing_rule_holds(reviewer, other_reviewer):
    claim = services.claim_create(user=reviewer, text="Unrated.", status=ClaimStatus.IN_REVIEW)
    with pytest.raises(ValidationError, match="nothing to approve yet"):
        services.claim_approve(claim_id=claim.pk, user=other_reviewer)


def test_a_published_claim_is_not_approved_or_sent_back_by_request(awaiting_approval, other_reviewer):
    publish(awaiting_approval, other_reviewer)
    with pytest.raises(ValidationError, match="approvals and requests for changes come before publishing"):
        services.claim_approve(claim_id=awaiting_approval.pk, user=other_reviewer)
    with pytest.raises(ValidationError, match="approvals and requests for changes come before publishing"):
        services.claim_request_changes(claim_id=awaiting_approval.pk, user=other_reviewer, note="Fix it.")


def test_a_new_claim_cannot_be_published_at_once_by_its_author(reviewer):
    claim = Claim(text="New.", verdict=Verdict.FALSE, explanation="Because.", status=ClaimStatus.PUBLISHED)
    before = {"verdict": Verdict.UNRATED, "explanation": "", "status": ClaimStatus.PUBLISHED, "version": 0}
    with pytest.raises(ValidationError, match="you are the last to have changed"):
        services.claim_save(claim=claim, user=reviewer, before=before, evidence_count=1)
    assert not Claim.objects.exists()


def test_bulk_publish_asks_the_rule_for_each_claim(awaiting_approval, reviewer, other_reviewer):
    theirs = services.claim_create(
        user=other_reviewer, text="Omar's.", verdict=Verdict.TRUE, explanation="Yes.", status=ClaimStatus.IN_REVIEW
    )
    services.evidence_add(claim=theirs, url="https://example.org/yes", user=other_reviewer)
    result = services.claims_publish(
        claims=Claim.objects.filter(pk__in=[awaiting_approval.pk, theirs.pk]), user=reviewer
    )
    assert [c.pk for c in result.changed] == [theirs.pk]  # rita publishes omar's: her approval
    assert [(c.pk, "you are the last" in reason) for c, reason in result.refused] == [(awaiting_approval.pk, True)]
    assert events(theirs) == [(ReviewEventKind.APPROVED, "rita")]


def test_bulk_approve_counts_what_it_approved(awaiting_approval, reviewer, other_reviewer):
    mine = services.claim_create(
        user=other_reviewer, text="Omar's.", verdict=Verdict.TRUE, explanation="Yes.", status=ClaimStatus.IN_REVIEW
    )
    services.evidence_add(claim=mine, url="https://example.org/yes", user=other_reviewer)
    services.claim_approve(claim_id=awaiting_approval.pk, user=other_reviewer)
    result = services.claims_approve(
        claims=Claim.objects.filter(pk__in=[awaiting_approval.pk, mine.pk]), user=other_reviewer
    )
    assert result.changed == []
    reasons = dict((c.pk, r) for c, r in result.refused)
    assert reasons[awaiting_approval.pk] == "You had already approved it."
    assert "must come from another reviewer" in reasons[mine.pk]


# --- request changes ---------------------------------------------------------------------------------------------


def test_request_changes_sends_the_claim_back_with_a_note_for_its_author(awaiting_approval, reviewer, other_reviewer):
    services.claim_approve(claim_id=awaiting_approval.pk, user=other_reviewer)
    review = services.claim_request_changes(
        claim_id=awaiting_approval.pk, user=other_reviewer, note="  Cite the 2023 budget.  "
    )
    assert review.approval is None  # the request is the latest word on this version
    assert review.changes_requested.note.text == "Cite the 2023 budget."
    assert not review.request_outdated
    with pytest.raises(ValidationError, match="you are the last"):
        publish(awaiting_approval, reviewer)
    note = claim_notes(claim_id=awaiting_approval.pk, user=reviewer).get()
    assert (note.text, note.author, note.requests_changes) == ("Cite the 2023 budget.", other_reviewer, True)
    kinds = [e.kind for e in claim_review_events(claim_id=awaiting_approval.pk, user=reviewer)]
    assert kinds == [ReviewEventKind.APPROVED, ReviewEventKind.CHANGES_REQUESTED]
    # The author changes the explanation: the request stands, marked outdated, until someone approves.
    services.claim_update(
        claim_id=awaiting_approval.pk, user=reviewer, data={"explanation": "The 2023 budget: 1.2 billion."}
    )
    awaiting_approval.refresh_from_db()
    assert services.claim_second_review(awaiting_approval).request_outdated
    review, _ = services.claim_approve(claim_id=awaiting_approval.pk, user=other_reviewer)
    assert review.changes_requested is None
    publish(awaiting_approval, reviewer)


def test_request_changes_moves_a_draft_into_review_and_needs_a_note(reviewer, other_reviewer):
    draft = services.claim_create(user=reviewer, text="A draft.", verdict=Verdict.FALSE, explanation="No.")
    with pytest.raises(ValidationError) as refused:
        services.claim_request_changes(claim_id=draft.pk, user=other_reviewer, note="   ")
    assert refused.value.message_dict == {"note": ["Say what should change: the note is shown to the claim's author."]}
    services.claim_request_changes(claim_id=draft.pk, user=other_reviewer, note="Needs a source.")
    draft.refresh_from_db()
    assert draft.status == ClaimStatus.IN_REVIEW
    assert draft.history.latest().history_user == other_reviewer  # the move is in the claim's history too


# --- the one-person desk -----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("one_person_desk")
def test_a_one_person_desk_publishes_alone_on_every_path(awaiting_approval, reviewer):
    review = services.claim_second_review(awaiting_approval)
    assert (review.required, review.needs_approval) == (False, False)
    publish(awaiting_approval, reviewer)
    other = services.claim_create(
        user=reviewer, text="Another.", verdict=Verdict.TRUE, explanation="Yes.", status=ClaimStatus.IN_REVIEW
    )
    services.evidence_add(claim=other, url="https://example.org/yes", user=reviewer)
    result = services.claims_publish(claims=Claim.objects.filter(pk=other.pk), user=reviewer)
    assert (len(result.changed), result.refused) == (1, [])
    assert ClaimReviewEvent.objects.count() == 0  # nothing to record: nobody approved anything


@pytest.mark.usefixtures("one_person_desk")
def test_a_one_person_desk_may_still_record_approvals_and_requests(awaiting_approval, other_reviewer):
    assert services.claim_approve(claim_id=awaiting_approval.pk, user=other_reviewer)[1]
    services.claim_request_changes(claim_id=awaiting_approval.pk, user=other_reviewer, note="One more source.")
    assert [kind for kind, _ in events(awaiting_approval)] == [
        ReviewEventKind.APPROVED,
        ReviewEventKind.CHANGES_REQUESTED,
    ]


# --- the demo ----------------------------------------------------------------------------------------------------


def test_the_demo_is_approved_by_a_second_demo_reviewer():
    from django.core.management import call_command

    from claims.demo.loader import DEMO_EDITOR, DEMO_REVIEWER

    call_command("load_demo", verbosity=0)
    published = Claim.objects.filter(status__in=[ClaimStatus.PUBLISHED, ClaimStatus.RETRACTED])
    assert published.exists()
    for claim in published:
        assert claim.verdict_changed_by.username == DEMO_REVIEWER
        assert events(claim) == [(ReviewEventKind.APPROVED, DEMO_EDITOR)]


@pytest.mark.usefixtures("one_person_desk")
def test_a_one_person_desks_demo_records_no_approval():
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    assert Claim.objects.filter(status=ClaimStatus.PUBLISHED).exists()
    assert not ClaimReviewEvent.objects.exists()
