"""Who may write through the API; what each reader sees is the selectors' visibility rule, not a permission."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions


class ReadAnyoneWriteReviewers(permissions.BasePermission):
    """Anyone may read (what they see is decided by the selectors); writes need model permissions, active users only.

    A view names the permissions each write method needs in `write_permissions`; a method it does not name needs
    `default_write_permissions`, which reviewers have.
    """

    message = _("Only reviewers may change claims and evidence.")
    default_write_permissions: tuple[str, ...] = ("claims.change_claim",)

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        needed = getattr(view, "write_permissions", {}).get(request.method) or self.default_write_permissions
        return user.has_perms(needed)
