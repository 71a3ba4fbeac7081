"""Template helpers of the readers' site."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html

from factcheck.formats import without_zone

register = template.Library()


def zone_label(moment: datetime) -> str:
    """The zone a shown time is in, as readers read it: its offset and its name ("UTC+08:00, Asia/Shanghai")."""
    offset = moment.strftime("%z")
    sign, hours, minutes = offset[:1], offset[1:3], offset[3:5]
    name = timezone.get_current_timezone_name()
    text = f"UTC{sign}{hours}:{minutes}" if offset and offset != "+0000" else "UTC"
    return text if name in ("UTC", text) else f"{text}, {name}"


@register.filter(expects_localtime=False)
def public_time(value, kind: str = "DATETIME_FORMAT"):
    """A <time> element: the moment in the readers' zone, formatted for the page's language, the zone named.
    `kind` is DATE_FORMAT for a date alone (no zone then: a day needs none)."""
    if not value:
        return ""
    if not isinstance(value, datetime):
        return format_html('<time datetime="{}">{}</time>', value.isoformat(), formats.date_format(value, kind))
    local = timezone.localtime(value)
    if kind == "DATE_FORMAT":
        shown = formats.date_format(local, kind)
    else:  # the project's formats name the zone with its abbreviation; here it is named in full, after the time
        shown = f"{formats.date_format(local, without_zone(kind))} ({zone_label(local)})"
    return format_html('<time datetime="{}">{}</time>', local.isoformat(timespec="seconds"), shown)
