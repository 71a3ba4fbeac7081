"""Reads of a claim's second review and its internal notes. Reviewers only: everyone else reads nothing here, whatever
the claim (notes and review steps are never public, never in the API for anyone else, never in exports or feeds)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from ..choices import REVIEW_DECISIONS, ReviewEventKind
from ..models import ClaimNote, ClaimReviewEvent
from .visibility import user_sees_drafts


def claim_latest_decision(*, claim_id: int) -> ClaimReviewEvent | None:
    """The claim's latest approval or request for changes (with its actor and note), or None. For the services'
    second-review rule, which decides what it counts for (claims.services.claim_second_review)."""
    decisions = ClaimReviewEvent.objects.filter(claim_id=claim_id, kind__in=REVIEW_DECISIONS)
    return decisions.select_related("actor", "note").order_by("-id").first()


def claim_notes(*, claim_id: int, user) -> QuerySet[ClaimNote]:
    """The claim's notes, newest last, with their authors, each with ``requests_changes`` (it is the note of a request
    for changes); none for a user who is not a reviewer."""
    if not user_sees_drafts(user):
        return ClaimNote.objects.none()
    request = ClaimReviewEvent.objects.filter(note_id=OuterRef("pk"), kind=ReviewEventKind.CHANGES_REQUESTED)
    notes = ClaimNote.objects.filter(claim_id=claim_id).select_related("author")
    return notes.annotate(requests_changes=Exists(request)).order_by("created", "id")


def claim_note_get(*, claim_id: int, note_id: int, user) -> ClaimNote:
    """One note of the claim; ClaimNote.DoesNotExist for a user who is not a reviewer."""
    return claim_notes(claim_id=claim_id, user=user).get(pk=note_id)


def claim_review_events(*, claim_id: int, user) -> QuerySet[ClaimReviewEvent]:
    """The claim's second-review steps (approvals, requests for changes, notes added), oldest first, for its history:
    kind, actor, time and the verdict_revision each was about (an approval of an older revision than the claim's was
    voided by the change that followed it). No note text: that stays with the notes. None for a user who is not a
    reviewer."""
    if not user_sees_drafts(user):
        return ClaimReviewEvent.objects.none()
    return ClaimReviewEvent.objects.filter(claim_id=claim_id).select_related("actor").order_by("created_at", "id")
