"""The language filter of subscriptions and feeds, defined once: a filter matches an event's language when it is the
same tag or a prefix of it ending at a subtag ("zh" matches "zh-Hans" and "zh-Hans-CN", not "zhx"), ignoring case
(BCP 47 tags are case-insensitive). The Python rule (language_matches) judges one event; its SQL twin
(language_condition) selects many, built from the same separator; tests/notifications/test_language_rule.py holds
the two equal.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, F, Func, Q
from django.utils.translation import gettext as _

SUBTAG_SEPARATOR = "-"
LANGUAGE_TAG_MAX_LENGTH = 35  # Event.language, WebhookSubscription.language and Claim.language hold this much
# A BCP 47 tag's shape (letters first, then subtags of letters and digits), not its registry: an unknown but
# well-formed language simply matches nothing. Nothing but ASCII letters, digits and "-": language_condition
# relies on it to write the tag into the SQL.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*\Z")


def language_filter_clean(value: str | None) -> str:
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
    wanted, language = wanted.strip().upper(), (language or "").upper()
    if not wanted or not language:
        return False
    return language == wanted or language.startswith(wanted + SUBTAG_SEPARATOR)


def language_condition(wanted: str, *, field: str = "language") -> Q | LanguageCondition:
    """language_matches as a WHERE clause on ``field`` (a cleaned filter: ValueError for anything else)."""
    wanted = wanted.strip()
    if not wanted:
        return Q(pk__in=[])  # the rule: an empty filter matches no language (callers leave it out for "no filter")
    return LanguageCondition(field, wanted)


class LanguageCondition(Func):
    """``UPPER(field) = 'ZH' OR UPPER(field) LIKE 'ZH-%'``, the tag written into the SQL, not sent as a parameter.

    Under our prepared statements (DATABASE_PREPARE_THRESHOLD) a parameter lets PostgreSQL settle on a generic
    plan, made for no language in particular; with only a few languages in the table it judges any one of them
    common and walks the primary key, which for a language no event has is the whole table, on every poll. As a
    constant each language gets its own statement and plan: notif_event_language for a rare one, the walk for a
    common one. Safe to write: only a tag of the validated shape (letters, digits, "-") is accepted.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, field: str, wanted: str):
        if len(wanted) > LANGUAGE_TAG_MAX_LENGTH or not _LANGUAGE_TAG.match(wanted):
            raise ValueError(f"not a cleaned language filter: {wanted!r}")
        self.wanted = wanted.upper()
        super().__init__(F(field))

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        upper = f"UPPER({column}::text)"  # the expression notif_event_language indexes
        # "%%": the SQL goes through the driver's %-formatting, which makes it the LIKE wildcard "%".
        like = f"{self.wanted}{SUBTAG_SEPARATOR}%%"
        return f"({upper} = '{self.wanted}' OR {upper} LIKE '{like}')", params
