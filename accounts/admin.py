"""The user's page in the admin shows their language and time zone (set by the user on their preferences page)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .selectors import preferences_of

User = get_user_model()


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    fieldsets = (
        *auth_admin.UserAdmin.fieldsets,
        (
            _("Language and time zone"),
            {
                "fields": ("language_preference", "time_zone_preference"),
                "description": _("Each user sets these on their own preferences page (the admin's user tools)."),
            },
        ),
    )
    readonly_fields = ("language_preference", "time_zone_preference")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("profile")

    @admin.display(description=_("Language"))
    def language_preference(self, obj) -> str:
        code = preferences_of(obj).active_language
        return dict(settings.LANGUAGES)[code] if code else _("As the browser asks (Accept-Language)")

    @admin.display(description=_("Time zone"))
    def time_zone_preference(self, obj) -> str:
        chosen = preferences_of(obj).time_zone
        return chosen or _("The desk's time zone, %(zone)s") % {"zone": settings.TIME_ZONE}
