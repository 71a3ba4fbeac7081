"""Who may write through the API; what each reader sees is the selectors' visibility rule, not a permission."""

from __future__ import annotations

from rest_framework import permissions


def is_reviewer(user) -> bool:
    """Reviewers (the Reviewer group, or staff given the permission) see drafts and may write."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm("claims.change_claim"))


class ReadAnyoneWriteReviewers(permissions.BasePermission):
    """Anyone may read (what they see is decided by the selectors); writes need the model permission.

    A view names the permission each write method needs in `write_permissions`; without it, reviewers only.
    """

    message = "Only reviewers may change claims and evidence."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if not (user and user.is_authenticated):
            return False
        needed = getattr(view, "write_permissions", {}).get(request.method)
        if needed:
            return user.is_active and user.has_perms(needed)
        return is_reviewer(user)
