"""Second review and the desk's notes on the claim page: who must approve, Approve, Request changes, and the notes
thread. Mixed into ClaimAdmin of claims/admin.py.

Reviewers only (claims.selectors.visibility.user_sees_drafts): a researcher's read-only claim page shows none of it.
The buttons belong to the change form and post to their own urls (``formaction``), so no form is nested in another;
each view reads only its own fields. The views are thin: the rules and writes are claims.services'.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from . import services
from .choices import ClaimStatus
from .models import ClaimNote
from .selectors.review import claim_note_get, claim_notes
from .selectors.visibility import user_sees_drafts

# The names of the panel's fields in the change form's POST (none of them a field of the claim form).
REQUEST_NOTE = "review_note"
NEW_NOTE = "note_text"


def note_text_field(note_id: int) -> str:
    return f"note_text_{note_id}"


class ClaimReviewAdminMixin:
    """For ClaimAdmin: the review panel above the form, the notes under the inlines, their views, and the
    "Approve selected claims" action."""

    def get_urls(self):
        def view(fn):
            return self.admin_site.admin_view(fn)

        return [
            path("<int:claim_id>/approve/", view(self.approve_view), name="claims_claim_approve"),
            path(
                "<int:claim_id>/request-changes/",
                view(self.request_changes_view),
                name="claims_claim_request_changes",
            ),
            path("<int:claim_id>/notes/", view(self.note_add_view), name="claims_claim_note_add"),
            path("<int:claim_id>/notes/<int:note_id>/", view(self.note_edit_view), name="claims_claim_note_edit"),
            *super().get_urls(),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        # modelform_factory makes a class per call: the user set on it is this request's (second review asks it).
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None and user_sees_drafts(request.user):
            context.update(self._review_context(request, obj))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def _review_context(self, request, claim) -> dict:
        review = services.claim_second_review(claim)
        can_change = self.has_change_permission(request, claim)
        before_publishing = claim.status in (ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW)
        now = timezone.now()
        notes = [
            (note, can_change and services.note_edit_problem(note=note, user=request.user, now=now) is None)
            for note in claim_notes(claim_id=claim.pk, user=request.user)
        ]
        return {
            "fc_review": {
                "review": review,
                "before_publishing": before_publishing,
                # The request stays at the top of the page until someone approves, or the claim is published.
                "changes_requested": review.changes_requested,
                "can_change": can_change,
                "can_approve": can_change and before_publishing and review.may_approve(request.user),
                "approved_by_me": review.approval is not None and review.approval.actor_id == request.user.pk,
                "is_author": review.author_id is not None and review.author_id == request.user.pk,
                "approve_url": reverse("admin:claims_claim_approve", args=[claim.pk]),
                "request_url": reverse("admin:claims_claim_request_changes", args=[claim.pk]),
                "request_field": REQUEST_NOTE,
            },
            "fc_notes": {
                "notes": notes,
                "can_change": can_change,
                "add_url": reverse("admin:claims_claim_note_add", args=[claim.pk]),
                "add_field": NEW_NOTE,
                "edit_minutes": int(services.NOTE_EDIT_WINDOW.total_seconds() // 60),
            },
        }

    # --- the views ---------------------------------------------------------------------------------------------

    def _claim_for_review(self, request, claim_id: int):
        if request.method != "POST" or not user_sees_drafts(request.user):
            raise PermissionDenied
        claim = self.get_object(request, str(claim_id))  # the admin's queryset: visibility applies
        if claim is None or not self.has_change_permission(request, claim):
            raise PermissionDenied
        return claim

    @staticmethod
    def _expected_version(request) -> int | None:
        # The version the page was opened at (the change form's hidden field): the approval is of what was read.
        try:
            return int(request.POST["version"])
        except (KeyError, ValueError):
            return None

    @staticmethod
    def _back(claim_id: int, anchor: str = ""):
        return redirect(reverse("admin:claims_claim_change", args=[claim_id]) + anchor)

    def approve_view(self, request, claim_id: int):
        claim = self._claim_for_review(request, claim_id)
        try:
            _review, approved = services.claim_approve(
                claim_id=claim.pk, user=request.user, expected_version=self._expected_version(request)
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if approved:
                messages.success(request, _("You approved this claim: it can be published."))
            else:
                messages.info(request, _("You had already approved this claim."))
        return self._back(claim.pk)

    def request_changes_view(self, request, claim_id: int):
        claim = self._claim_for_review(request, claim_id)
        try:
            services.claim_request_changes(
                claim_id=claim.pk,
                user=request.user,
                note=request.POST.get(REQUEST_NOTE, ""),
                expected_version=self._expected_version(request),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Changes requested: the claim is in review, with your note at the top."))
        return self._back(claim.pk)

    def note_add_view(self, request, claim_id: int):
        claim = self._claim_for_review(request, claim_id)
        try:
            note = services.claim_note_add(claim_id=claim.pk, user=request.user, text=request.POST.get(NEW_NOTE, ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return self._back(claim.pk, "#fc-notes")
        messages.success(request, _("Note added."))
        return self._back(claim.pk, f"#note-{note.pk}")

    def note_edit_view(self, request, claim_id: int, note_id: int):
        claim = self._claim_for_review(request, claim_id)
        try:
            note = claim_note_get(claim_id=claim.pk, note_id=note_id, user=request.user)
        except ClaimNote.DoesNotExist:
            raise PermissionDenied from None
        try:
            services.claim_note_update(
                note_id=note.pk, user=request.user, text=request.POST.get(note_text_field(note.pk), "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Note changed."))
        return self._back(claim.pk, f"#note-{note.pk}")

    # --- the bulk action -----------------------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Approve selected claims for publishing"), permissions=["change"])
    def approve(self, request, queryset):
        result = services.claims_approve(claims=queryset, user=request.user)
        self._report(
            request,
            result,
            done=ngettext_lazy("Approved %(count)d claim.", "Approved %(count)d claims.", "count"),
            refused=ngettext_lazy("%(count)d claim not approved", "%(count)d claims not approved", "count"),
        )
