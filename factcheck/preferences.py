"""A reviewer's language and time zone, for what is made for them outside a request (the assignment email).

A seam: reviewers have no stored preferences yet, so these return the desk's defaults. Per-user preferences replace
the bodies of these two functions, and everything that asks them follows (claims.emails).
"""

from __future__ import annotations

from django.conf import settings


def user_language(user) -> str:
    """The language to write to ``user`` in: their preference once there is one, else settings.LANGUAGE_CODE."""
    return settings.LANGUAGE_CODE


def user_time_zone(user) -> str:
    """The IANA zone to show ``user`` times in: their preference once there is one, else settings.TIME_ZONE
    (DJANGO_TIME_ZONE)."""
    return settings.TIME_ZONE
