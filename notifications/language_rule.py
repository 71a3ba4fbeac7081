"""The language filter of subscriptions and feeds, defined once: a filter matches an event's language when it is the
same tag or a prefix of it ending at a subtag ("zh" matches "zh-Hans" and "zh-Hans-CN", not "zhx"), ignoring case
(BCP 47 tags are case-insensitive). The Python rule (language_matches) judges one event; its SQL twin
(language_condition) selects many, built from the same separator; tests/notifications/test_language_rule.py holds
the two equal.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

SUBTAG_SEPARATOR = "-"
LANGUAGE_TAG_MAX_LENGTH = 35  # Event.language, WebhookSubscription.language and Claim.language hold this much
# A BCP 47 tag's shape (letters first, then subtags of letters and digits), not its registry: an unknown but
# well-formed language simply matches nothing.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*\Z")


def language_filter_clean(value: str) -> str:
    """The filter as given, stripped; ValidationError when it is not shaped like a BCP 47 tag ('' means no filter)."""
    value = (value or "").strip()
    if value and (len(value) > LANGUAGE_TAG_MAX_LENGTH or not _LANGUAGE_TAG.match(value)):
        raise ValidationError(
            _("“%(value)s” is not a language tag; use a BCP 47 tag such as zh, zh-Hans or en.") % {"value": value[:40]},
            code="invalid_language",
        )
    return value


def language_matches(wanted: str, language: str) -> bool:
    """Whether an event in ``language`` passes the filter ``wanted``; an event with no language passes no filter."""
    wanted, language = wanted.strip().lower(), (language or "").lower()
    if not wanted or not language:
        return False
    return language == wanted or language.startswith(wanted + SUBTAG_SEPARATOR)


def language_condition(wanted: str, *, field: str = "language") -> Q:
    """language_matches as a WHERE clause on ``field``. Written as iexact / istartswith, which PostgreSQL runs as
    UPPER(field) = … / LIKE …: the index notif_event_language is on that expression."""
    wanted = wanted.strip()
    if not wanted:
        return Q(pk__in=[])  # the rule: an empty filter matches no language (callers skip it to mean "no filter")
    return Q(**{f"{field}__iexact": wanted}) | Q(**{f"{field}__istartswith": wanted + SUBTAG_SEPARATOR})
