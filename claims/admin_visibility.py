"""The claims' simple-history pages in the admin, narrowed by the rule the API's history reads through.

simple-history's history page lists the history table for the id in the url, and when the claim is not in
``get_queryset`` it falls back to the newest record to show the page anyway; its record page reads the table by id
directly. Narrowing ``get_queryset`` (factcheck.admin_visibility) therefore does not reach them: both read
claims.selectors.visibility.claim_history_visible here, as the API's history does.
"""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404

from .selectors.visibility import claim_history_visible


class ClaimHistoryVisibilityMixin:
    """For the claims' SimpleHistoryAdmin: a researcher sees the records of public states of a claim they may see
    (the diff between two of them is the public correction), and a record page of any other record is "not found"."""

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        records = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return records & claim_history_visible(user=request.user)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        try:
            seen = claim_history_visible(user=request.user).filter(id=unquote(object_id), history_id=version_id)
            found = seen.exists()
        except (ValueError, ValidationError):  # not a number: no such record
            found = False
        if not found:
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)
