"""Reads of users' preferences."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone

from .languages import language_or_none
from .models import Profile
from .zones import zone_or_none


@dataclass(frozen=True)
class Preferences:
    """What a user chose; "" is the default (the browser's language, the desk's zone)."""

    language: str = ""
    time_zone: str = ""

    @property
    def active_language(self) -> str | None:
        """The language to switch on, or None to keep the one LocaleMiddleware chose from the request."""
        return language_or_none(self.language)

    @property
    def zone(self) -> ZoneInfo:
        """The zone to show times in: the chosen one, else the desk's (also when the chosen one has left this
        machine's zone database since)."""
        return zone_or_none(self.time_zone) or timezone.get_default_timezone()


def preferences_of(user) -> Preferences:
    """The user's preferences: one query on the profile, none when it came joined with the user (``user.profile``
    is then cached, a missing row included)."""
    try:
        profile = user.profile
    except Profile.DoesNotExist:
        return Preferences()
    return Preferences(language=profile.language, time_zone=profile.time_zone)
