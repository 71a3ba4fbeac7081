"""Our date formats per language (settings.FORMAT_MODULE_PATH); what a module leaves out is Django's.

Each date-and-time format ends with the zone (" T": "CST", "UTC", "BST"), so wherever Django shows a moment, the
admin's lists and read-only fields, its history pages and our templates, the zone it is in is named: the reviewer's
own, which accounts.middleware activates. The readers' site names its zone its own way and formats
without it (``without_zone``).
"""

from __future__ import annotations

from django.utils import formats

ZONE = " T"
WITH_TIME = ("DATETIME_FORMAT", "SHORT_DATETIME_FORMAT")


def without_zone(kind: str) -> str:
    """The active language's ``kind`` format without the zone at its end, for a page that names the zone apart."""
    return formats.get_format(kind).removesuffix(ZONE)
