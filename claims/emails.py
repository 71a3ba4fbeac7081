"""The emails reviewers get, built (not sent) here: in the recipient's language and time zone
(accounts.services.preferences_active), with absolute links to the admin."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.services import moment_shown, preferences_active

from .models import ClaimAssignment

CLAIM_TEXT_CHARS = 300


def admin_claim_url(claim_id: int, *, link_base: str = "") -> str:
    """The claim's admin page as an absolute url: under FACTCHECK_SITE_URL (the desk's address, which the admin
    shares with the public site), else under ``link_base``, the scheme and host of the request that asked for the
    email, as the API's ClaimReview links follow the request when the setting is empty."""
    base = (settings.FACTCHECK_SITE_URL or link_base).rstrip("/")
    return f"{base}{reverse('admin:claims_claim_change', args=[claim_id])}"


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else _("A colleague")


def assignment_email(assignment: ClaimAssignment, *, link_base: str = "") -> EmailMessage:
    """The email telling an assignee which claim is theirs, who assigned it, by when, with the note and a link."""
    assignee, claim = assignment.assignee, assignment.claim
    with preferences_active(assignee):
        who = _name(assignment.assigned_by)
        subject = _("Claim #%(id)s is assigned to you") % {"id": claim.pk}
        lines = [
            _("%(who)s assigned you claim #%(id)s:") % {"who": who, "id": claim.pk},
            "",
            Truncator(claim.text).chars(CLAIM_TEXT_CHARS),
            "",
        ]
        if assignment.due_at is not None:
            lines.append(_("Due: %(when)s") % {"when": moment_shown(assignment.due_at)})
        else:
            lines.append(_("No due date."))
        if assignment.note.strip():
            lines += ["", _("Note from %(who)s:") % {"who": who}, assignment.note.strip()]
        lines += ["", _("Open it in the admin: %(url)s") % {"url": admin_claim_url(claim.pk, link_base=link_base)}]
    return EmailMessage(subject=subject, body="\n".join(lines) + "\n", to=[assignee.email])
