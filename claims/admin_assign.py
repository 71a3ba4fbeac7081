"""Assignment in the reviewer admin: "Assign to…" on the claim page and as a bulk action, the list's "Assigned to me"
and "Overdue" filters, and who has each claim. Mixed into ClaimAdmin (claims/admin.py).

Thin: the writes are claims.services.claim_assign and claims_assign, the rules claims.selectors.assignment (which
the dashboard counts, so each count is the number of rows its link here shows).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from factcheck.admin_visibility import viewer_of

from . import services
from .forms import AssignForm
from .models import Claim
from .selectors import assignment
from .selectors.visibility import user_sees_assignment

# The list filters' values (the dashboard links to them).
ASSIGNED_ME = "me"
ASSIGNED_NOBODY = "nobody"
DUE_OVERDUE = "overdue"

ASSIGN_TEMPLATE = "admin/claims/claim/assign.html"


class AssignedFilter(admin.SimpleListFilter):
    """Open claims assigned to the reviewer looking, or claims in review nobody is assigned to."""

    title = gettext_lazy("assignment")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return ((ASSIGNED_ME, _("Assigned to me")), (ASSIGNED_NOBODY, _("Nobody, in review")))

    def queryset(self, request, queryset):
        if self.value() == ASSIGNED_ME:
            return assignment.claims_assigned_to(user=request.user, claims=queryset)
        if self.value() == ASSIGNED_NOBODY:
            return assignment.claims_unassigned_in_review(queryset)
        return queryset


class DueFilter(admin.SimpleListFilter):
    """Open claims past their due date (claims.selectors.assignment's rule, read now)."""

    title = gettext_lazy("due date")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return ((DUE_OVERDUE, _("Overdue")),)

    def queryset(self, request, queryset):
        if self.value() == DUE_OVERDUE:
            return assignment.claims_overdue(now=timezone.now(), claims=queryset)
        return queryset


def _who(user) -> str:
    return user.get_username() if user is not None else _("nobody")


def _due(claim: Claim, *, now) -> str:
    """The due date as the list and the claim page show it, marked when overdue."""
    if claim.due_at is None:
        return ""
    when = date_format(timezone.localtime(claim.due_at), "DATETIME_FORMAT")
    if assignment.is_overdue(claim, now=now):
        return format_html('<span class="fc-warning" title="{}">⚠ {}</span>', _("Overdue"), _("due %s") % when)
    return _("due %s") % when


def _link_base(request) -> str:
    """The scheme and host this request came to, for the email's link when FACTCHECK_SITE_URL is empty."""
    return request.build_absolute_uri("/")


class ClaimAssignAdminMixin:
    """For ClaimAdmin: the assign page, the bulk action ``assign``, the ``assigned`` column and the ``assignment``
    row of the claim page."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.assign_view)
        return [path("<int:claim_id>/assign/", view, name="claims_claim_assign"), *super().get_urls()]

    # --- the list and the claim page -------------------------------------------------------------------------
    # Who has a claim is the desk's business (user_sees_assignment): researchers get neither the column, nor the
    # filters, nor the row on the claim page.

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return shown if user_sees_assignment(request.user) else [c for c in shown if c != "assigned"]

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if user_sees_assignment(request.user):
            return filters
        return [f for f in filters if f not in (AssignedFilter, DueFilter)]

    @admin.display(description=gettext_lazy("assigned"), ordering="due_at")
    def assigned(self, obj: Claim):
        if obj.assignee_id is None and obj.due_at is None:
            return "—"
        due = _due(obj, now=timezone.now())
        return format_html("{} {}", _who(obj.assignee), due) if due else _who(obj.assignee)

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "assignment") if obj is not None else fields

    def get_fieldsets(self, request, obj=None):
        """The assignment goes at the top of the fieldset that shows the reviewer ("Review"), found by that field
        rather than by its title, which may be translated."""
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None or not user_sees_assignment(request.user):
            return fieldsets
        for at, (name, options) in enumerate(fieldsets):
            fields = options.get("fields", ())
            if any(line == "reviewer" or (isinstance(line, tuple | list) and "reviewer" in line) for line in fields):
                fieldsets[at] = (name, {**options, "fields": ("assignment", *fields)})
                break
        return fieldsets

    @admin.display(description=gettext_lazy("Assigned to"))
    def assignment(self, obj: Claim):
        viewer = viewer_of(obj)
        if not user_sees_assignment(viewer):
            return "—"
        due = _due(obj, now=timezone.now())
        state = format_html("{} {}", _who(obj.assignee), due) if due else _who(obj.assignee)
        if obj.pk is None or not viewer.has_perm("claims.change_claim"):
            return state
        url = reverse("admin:claims_claim_assign", args=[obj.pk])
        return format_html('{} <a class="button fc-assign-link" href="{}">{}</a>', state, url, _("Assign to…"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        context = {"assign_url": reverse("admin:claims_claim_assign", args=[object_id])} if object_id else {}
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})

    # --- one claim -------------------------------------------------------------------------------------------

    def assign_view(self, request, claim_id: int):
        """The claim page's "Assign to…": whom, by when, with a note; refused if the claim changed since the page
        was opened (its version, as the claim form's)."""
        claim = self.get_object(request, str(claim_id))  # the admin's queryset: visibility applies
        if claim is None:
            raise Http404
        if not self.has_change_permission(request, claim):
            raise PermissionDenied
        initial = {"assignee": claim.assignee_id, "due_at": claim.due_at, "version": claim.version}
        form = AssignForm(request.POST if request.method == "POST" else None, initial=initial)
        if form.is_valid():
            data = form.cleaned_data
            claim.version = data["version"] or claim.version  # the version the reviewer saw
            try:
                done = services.claim_assign(
                    claim=claim,
                    assignee=data["assignee"],
                    due_at=data["due_at"],
                    note=data["note"],
                    user=request.user,
                    link_base=_link_base(request),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
                # Shown as it is now: the next submit applies the reviewer's choice over what they now see.
                claim.refresh_from_db()
                form.data = form.data.copy()
                form.data["version"] = str(claim.version)
            else:
                self._report_one(request, claim, done, assignee=data["assignee"], due_at=data["due_at"])
                return redirect("admin:claims_claim_change", claim.pk)
        return self._assign_page(request, [claim], form, title=_("Assign claim #%(id)s") % {"id": claim.pk})

    def _report_one(self, request, claim: Claim, done, *, assignee, due_at) -> None:
        if done is None:
            self.message_user(
                request, _("Claim #%(id)s was already assigned so: nothing changed.") % {"id": claim.pk}, messages.INFO
            )
            return
        if assignee is None:
            text = _("Claim #%(id)s is assigned to nobody now.") % {"id": claim.pk}
        else:
            text = _("Claim #%(id)s is assigned to %(name)s.") % {"id": claim.pk, "name": _who(assignee)}
        after = _afterwards(1, assignee=assignee, due_at=due_at, user=request.user)
        self.message_user(request, " ".join([text, *after]), messages.SUCCESS)

    # --- many claims -----------------------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Assign selected claims to…"), permissions=["change"])
    def assign(self, request, queryset):
        form = AssignForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return self._assign_page(request, queryset, form, title=_("Assign the selected claims"), bulk=True)
        data = form.cleaned_data
        result = services.claims_assign(
            claims=queryset,
            assignee=data["assignee"],
            due_at=data["due_at"],
            note=data["note"],
            user=request.user,
            link_base=_link_base(request),
        )
        self._report_many(request, result, assignee=data["assignee"], due_at=data["due_at"])
        return None  # back to the list

    def _report_many(self, request, result: services.AssignResult, *, assignee, due_at) -> None:
        """One message per outcome, each counting the claims it happened to."""
        if result.assigned:
            n = len(result.assigned)
            if assignee is None:
                text = ngettext(
                    "%(count)d claim is assigned to nobody now.", "%(count)d claims are assigned to nobody now.", n
                ) % {"count": n}
            else:
                text = ngettext(
                    "%(count)d claim assigned to %(name)s.", "%(count)d claims assigned to %(name)s.", n
                ) % {"count": n, "name": _who(assignee)}
            after = _afterwards(n, assignee=assignee, due_at=due_at, user=request.user)
            self.message_user(request, " ".join([text, *after]), messages.SUCCESS)
        if result.unchanged:
            n = len(result.unchanged)
            text = ngettext(
                "%(count)d claim was already assigned so and is unchanged.",
                "%(count)d claims were already assigned so and are unchanged.",
                n,
            ) % {"count": n}
            self.message_user(request, text, messages.INFO)
        if result.refused:
            n = len(result.refused)
            items = format_html_join(
                "",
                '<li><a href="{}">#{} {}</a>: {}</li>',
                (
                    (reverse("admin:claims_claim_change", args=[c.pk]), c.pk, Truncator(c.text).chars(60), reason)
                    for c, reason in result.refused
                ),
            )
            head = ngettext("%(count)d claim was not assigned:", "%(count)d claims were not assigned:", n) % {
                "count": n
            }
            self.message_user(request, format_html("{}<ul>{}</ul>", head, items), messages.ERROR)

    def _assign_page(self, request, claims, form, *, title: str, bulk: bool = False):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "claims": claims,
            "form": form,
            "bulk": bulk,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, ASSIGN_TEMPLATE, context)


def _afterwards(n: int, *, assignee, due_at, user) -> list[str]:
    """What the messages add after the count: the due date, and whether the assignee is emailed."""
    parts = []
    if due_at is not None:
        parts.append(_("Due %s.") % date_format(timezone.localtime(due_at), "DATETIME_FORMAT"))
    if assignee is not None:
        if services.assignment_is_emailed(assignee=assignee, user=user):
            parts.append(
                ngettext("%(name)s gets an email about it.", "%(name)s gets an email about each.", n)
                % {"name": _who(assignee)}
            )
        elif assignee.pk != user.pk:
            parts.append(_("%(name)s has no email address: no email was sent.") % {"name": _who(assignee)})
    return parts
