"""Checks on the text people type or send, shared by the API serializers and the admin forms.

PostgreSQL refuses NUL characters in text and UTF-8 has no lone surrogates, so either would reach the database
as an error (a 500) rather than as a message; other control characters are never part of a claim and are
invisible to the reviewer who would have to spot them. Right-to-left text, emoji and every other printable
character are accepted as they are.

Lengths: the models use TextField (no database limit), so the limits live here, where the reviewer or the API
client is told which field is too long and by how much. They are generous for real writing and far below the
request size limit (DATA_UPLOAD_MAX_MEMORY_SIZE), so a long field is a field error, not a refused request.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Characters per field. Claim text is one checkable sentence or two; an article body is a whole article.
TEXT_MAX_LENGTH = {
    "text": 2_000,
    "quote": 10_000,
    "explanation": 20_000,
    "excerpt": 5_000,
    "note": 5_000,
    "body": 500_000,
}

# Tags on one claim. A claim has a handful; the cap also keeps a write of its tags far inside the 65,535 parameters
# PostgreSQL takes in one query (65,536 tags once failed there, and looked like a lost database).
TAGS_MAX_PER_CLAIM = 100

# C0 controls except tab, newline and carriage return; DEL; C1 controls. NUL is among them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _where(value: str, position: int) -> str:
    return f"U+{ord(value[position]):04X} at character {position + 1}"


@deconstructible
class PlainTextValidator:
    """Refuse control characters (NUL included) and lone surrogates, saying which and where."""

    code = "bad_characters"

    def __call__(self, value) -> None:
        if not isinstance(value, str):
            return
        found = _SURROGATE.search(value)
        if found:
            raise ValidationError(
                f"The text contains a lone surrogate ({_where(value, found.start())}), which is not a character; "
                "send valid UTF-8.",
                code=self.code,
            )
        found = _CONTROL.search(value)
        if found:
            name = "a NUL character" if value[found.start()] == "\x00" else "a control character"
            raise ValidationError(
                f"The text contains {name} ({_where(value, found.start())}); remove it.", code=self.code
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, PlainTextValidator)


validate_plain_text = PlainTextValidator()


def validate_tag_count(tags) -> None:
    """At most TAGS_MAX_PER_CLAIM tags, counted as given: the API, the admin form and the services all ask this."""
    if len(tags) > TAGS_MAX_PER_CLAIM:
        raise ValidationError(
            _("A claim has at most %(limit)d tags; %(count)d were given."),
            code="too_many_tags",
            params={"limit": TAGS_MAX_PER_CLAIM, "count": len(tags)},
        )


def limit_for(name: str) -> int | None:
    return TEXT_MAX_LENGTH.get(name)


def harden_form(form) -> None:
    """Give every text field of a Django form the plain-text check, and the text limits by field name."""
    from django import forms
    from django.core.validators import MaxLengthValidator

    for name, field in form.fields.items():
        if not isinstance(field, forms.CharField):
            continue
        field.validators.append(validate_plain_text)
        limit = limit_for(name)
        if limit and (field.max_length is None or field.max_length > limit):
            field.max_length = limit
            field.validators.append(MaxLengthValidator(limit))
            field.widget.attrs["maxlength"] = str(limit)


def harden_serializer_fields(fields) -> None:
    """The same for a DRF serializer's fields (DRF already refuses NUL and surrogates; this adds the rest)."""
    from django.core.validators import MaxLengthValidator
    from rest_framework import serializers

    for name, field in fields.items():
        if isinstance(field, serializers.ListField):
            field = field.child
        if not isinstance(field, serializers.CharField):
            continue
        field.validators.append(validate_plain_text)
        limit = limit_for(name)
        if limit and (field.max_length is None or field.max_length > limit):
            field.max_length = limit
            field.validators.append(
                MaxLengthValidator(limit, message=(f"Ensure this field has no more than {limit:,} characters."))
            )
