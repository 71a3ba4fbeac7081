"""A reviewer's language and time zone for what is made for them outside a request (the assignment email): their
preferences (accounts), else the desk's defaults, as plain names."""

from __future__ import annotations

from django.conf import settings

from accounts.selectors import preferences_of


def user_language(user) -> str:
    """The language to write to ``user`` in: their preference, else settings.LANGUAGE_CODE (no browser to ask)."""
    return preferences_of(user).active_language or settings.LANGUAGE_CODE


def user_time_zone(user) -> str:
    """The IANA zone to show ``user`` times in: their preference, else settings.TIME_ZONE (DJANGO_TIME_ZONE)."""
    return preferences_of(user).zone.key
