"""The admin reads through the visibility rule the API reads through (claims.selectors.visibility and the selectors
built on it): staff in the Researcher group see in the admin what their API token sees, and no more.

Narrowing ``get_queryset`` covers every admin path that reads through it: the list, its filters' choices and its
counts; the change, delete and Django history pages (an object outside it is "not found"); inlines, which read their
rows through their own ``get_queryset``; and autocomplete, which lists the *target* admin's ``get_queryset`` filtered
by its ``get_search_results``, whichever model and field the request names. The claims' simple-history pages read
the history table themselves, so claims.admin_visibility narrows those.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured


class VisibilityAdminMixin:
    """For a ModelAdmin or an InlineModelAdmin: ``visibility_rule(queryset, *, user)`` (a selector's ``restrict*``
    function, set on each admin with ``staticmethod``) narrows every read of its rows to what the user may see."""

    visibility_rule = None

    def get_queryset(self, request):
        if self.visibility_rule is None:  # fail closed: an admin that names no rule shows nothing, loudly
            raise ImproperlyConfigured(f"{type(self).__name__} names no visibility_rule.")
        return self.visibility_rule(super().get_queryset(request), user=request.user)

    def get_readonly_fields(self, request, obj=None):
        # Display methods are given only the object; those that list other rows (a source's citing claims, a
        # claim's look-alikes) must follow the viewer's visibility, so the viewer rides on the object. Every page
        # that renders them (the change page, simple-history's record page) asks this first.
        if obj is not None:
            obj.admin_viewer = request.user
        return super().get_readonly_fields(request, obj)


def viewer_of(obj):
    """Who is looking at ``obj`` in the admin: None, the public's view, when it is not known, so a listing that
    cannot tell fails closed."""
    return getattr(obj, "admin_viewer", None)
