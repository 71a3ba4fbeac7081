"""Second review and the desk's notes in the API: their shapes, and a note's own endpoint. Reviewers only: for anyone
else these endpoints do not exist (404), whatever the claim; notes are in no other response."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import services
from claims.models import Claim, ClaimNote
from claims.selectors import claims as claim_selectors
from claims.selectors.review import claim_note_get
from claims.selectors.visibility import user_sees_drafts


def _name(user) -> str | None:
    return services.user_name(user) if user is not None else None


class ChangesRequestedSerializer(serializers.Serializer):
    by = serializers.CharField(allow_null=True, help_text="Who asked for changes (null: a former reviewer).")
    at = serializers.DateTimeField()
    note = serializers.CharField(help_text="What should change, as its author wrote it (one of the claim's notes).")
    outdated = serializers.BooleanField(help_text="The verdict or explanation has changed since.")


class SecondReviewSerializer(serializers.Serializer):
    required = serializers.BooleanField(
        help_text="Publishing needs the approval of a reviewer other than `last_changed_by` "
        "(FACTCHECK_REQUIRE_SECOND_REVIEW). A reviewer other than them who publishes gives it by publishing."
    )
    verdict_revision = serializers.IntegerField(
        help_text="Raised on every change of the verdict or explanation: an approval is of one revision."
    )
    last_changed_by = serializers.CharField(
        allow_null=True,
        help_text="Who last changed the verdict or explanation; null when nobody is credited (an import).",
    )
    last_changed_at = serializers.DateTimeField(allow_null=True)
    needs_approval = serializers.BooleanField(help_text="`required`, and no approval of this revision stands.")
    approved_by = serializers.CharField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    changes_requested = ChangesRequestedSerializer(
        allow_null=True, help_text="The request for changes that stands (until an approval), before publishing."
    )


def second_review_data(review: services.SecondReview) -> dict:
    """SecondReviewSerializer's output for a claim's review (claims.services.claim_second_review)."""
    approval, asked = review.approval, review.changes_requested
    return SecondReviewSerializer(
        {
            "required": review.required,
            "verdict_revision": review.revision,
            "last_changed_by": review.author_name,
            "last_changed_at": review.changed_at,
            "needs_approval": review.needs_approval,
            "approved_by": _name(approval.actor) if approval else None,
            "approved_at": approval.created_at if approval else None,
            "changes_requested": None
            if asked is None
            else {
                "by": _name(asked.actor),
                "at": asked.created_at,
                "note": asked.note.text if asked.note else "",
                "outdated": review.request_outdated,
            },
        }
    ).data


class RequestChangesSerializer(serializers.Serializer):
    note = serializers.CharField(
        help_text="What should change: shown to the claim's author at the top of the claim's page, and kept among "
        "its notes."
    )


class ClaimNoteSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField(help_text="Who wrote it (null: a former reviewer).")
    requests_changes = serializers.SerializerMethodField(help_text="The note of a request for changes.")
    editable_until = serializers.SerializerMethodField(help_text="Its author may change its text until then.")

    class Meta:
        model = ClaimNote
        fields = ["id", "author", "text", "created", "edited", "requests_changes", "editable_until"]

    def get_author(self, note: ClaimNote) -> str | None:
        return _name(note.author)

    def get_requests_changes(self, note: ClaimNote) -> bool:
        return bool(getattr(note, "requests_changes", False))

    @extend_schema_field(serializers.DateTimeField())
    def get_editable_until(self, note: ClaimNote) -> str:
        return serializers.DateTimeField().to_representation(note.created + services.NOTE_EDIT_WINDOW)


class ClaimNoteWriteSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The note, plain text.")


def reviewer_claim(request, claim_id: int) -> Claim:
    """The claim, for a reviewer; 404 for anyone else (notes and reviews are theirs alone) and for no such claim."""
    if not user_sees_drafts(request.user):
        raise Http404
    try:
        return claim_selectors.claim_get(claim_id=claim_id, user=request.user)
    except Claim.DoesNotExist as exc:
        raise Http404 from exc


class ClaimNoteDetailView(APIView):
    """GET and PATCH /claims/{id}/notes/{note_id}/: one note; its author may change it for a while."""

    write_permissions = {"PATCH": ["claims.change_claim"]}
    http_method_names = ["get", "patch", "head", "options"]

    def _note(self, request, claim_id: int, note_id: int) -> ClaimNote:
        claim = reviewer_claim(request, claim_id)
        try:
            return claim_note_get(claim_id=claim.pk, note_id=note_id, user=request.user)
        except ClaimNote.DoesNotExist as exc:
            raise Http404 from exc

    @extend_schema(summary="One of the claim's internal notes (reviewers)", responses=ClaimNoteSerializer)
    def get(self, request, claim_id: int, note_id: int):
        return Response(ClaimNoteSerializer(self._note(request, claim_id, note_id)).data)

    @extend_schema(
        summary="Change a note's text (its author, for 15 minutes after writing it)",
        request=ClaimNoteWriteSerializer,
        responses=ClaimNoteSerializer,
    )
    def patch(self, request, claim_id: int, note_id: int):
        note = self._note(request, claim_id, note_id)
        serializer = ClaimNoteWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.claim_note_update(note_id=note.pk, user=request.user, text=serializer.validated_data["text"])
        return Response(ClaimNoteSerializer(self._note(request, claim_id, note_id)).data)
