"""The preferences page on the admin site (the site class mixes this in; kept apart from accounts.admin, which
registers on the site and so cannot be imported while the site is being made)."""

from __future__ import annotations

from django.urls import path

from . import views


class PreferencesSiteMixin:
    """For the AdminSite: the page where a user sets their own language and time zone, at admin:preferences."""

    def get_urls(self):
        page = self.admin_view(self.preferences_view)
        return [path("preferences/", page, name="preferences"), *super().get_urls()]

    def preferences_view(self, request):
        return views.preferences(request, site=self)
