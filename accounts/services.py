"""Writes of users' preferences, and the one place that switches them on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone, translation

from .models import Profile
from .selectors import Preferences, preferences_of


@transaction.atomic
def profile_set_preferences(*, user, language: str, time_zone: str) -> Profile:
    """Saves the user's language and time zone ("" for either: the browser's language, the desk's zone); a value
    that is not one of the admin's languages or not a known zone is a ValidationError that says so."""
    Profile(user=user, language=language, time_zone=time_zone).clean_fields(exclude=["user"])
    profile, _ = Profile.objects.update_or_create(user=user, defaults={"language": language, "time_zone": time_zone})
    return profile


def preferences_activate(request, preferences: Preferences) -> None:
    """Switches the user's language and zone on for the rest of this request. The language stays active (as
    LocaleMiddleware leaves its own; the next request chooses again), so the response's Content-Language is it; the
    zone is reset by accounts.middleware after the response."""
    language = preferences.active_language
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language
    timezone.activate(preferences.zone)


@contextmanager
def preferences_active(user) -> Iterator[Preferences]:
    """``user``'s language and zone for a block outside a request (an email to them, a task's message): with no
    preference, the desk's (settings.LANGUAGE_CODE, DJANGO_TIME_ZONE), never the language the calling thread happens
    to have active (an eager task runs inside the request of whoever caused it)."""
    preferences = preferences_of(user)
    with translation.override(preferences.active_language or settings.LANGUAGE_CODE):
        with timezone.override(preferences.zone):
            yield preferences


def moment_shown(value: datetime) -> str:
    """A time in the active zone (inside preferences_active: the recipient's) and the active language's format, the
    zone named."""
    local = timezone.localtime(value)
    zone_name = timezone.get_current_timezone_name()
    shown = formats.date_format(local, "DATETIME_FORMAT")  # ends with the zone's abbreviation (factcheck/formats)
    # an abbreviation alone is ambiguous (CST): the zone's name beside it, unless they are one (UTC)
    return shown if local.tzname() == zone_name else f"{shown} ({zone_name})"
