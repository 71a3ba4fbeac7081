"""Time zone names: which ones we accept, written once for the model, the form and the middleware."""

from __future__ import annotations

import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_LENGTH = 64  # the longest IANA name is 32 characters (America/Argentina/ComodRivadavia)


@functools.cache
def _names() -> dict[str, str]:
    """Every zone this machine knows (the system's database and the tzdata package), by its lower-case name.
    Cached: available_timezones() walks the database on every call."""
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def time_zone_names() -> list[str]:
    return sorted(_names().values())


def canonical_time_zone(name: str) -> str | None:
    """The zone's name as the database spells it ("asia/shanghai" gives "Asia/Shanghai"); None if it is none."""
    return _names().get(name.strip().lower())


def validate_time_zone(value: str) -> None:
    if value and canonical_time_zone(value) != value:
        raise ValidationError(
            _(
                "“%(zone)s” is not a time zone name we know. Use a name from the time zone database, "
                "such as Asia/Shanghai, Europe/London or UTC."
            ),
            code="unknown_time_zone",
            params={"zone": value},
        )


def zone_or_none(name: str) -> zoneinfo.ZoneInfo | None:
    """The zone of a stored name, or None when the name is blank or no longer in this machine's database."""
    canonical = canonical_time_zone(name) if name else None
    return zoneinfo.ZoneInfo(canonical) if canonical else None
