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
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Characters per field. Claim text is one checkable sentence or two; an article body is a whole article.
TEXT_MAX_LENGTH = {
    "text": 2_000,
    "quote": 10_000,
    "explanation": 20_000,
    "excerpt": 5_000,
    "note": 5_000,
    "correction_note": 5_000,
    "body": 500_000,
}

# Tags on one claim. A claim has a handful; the cap also keeps a write of its tags far inside the 65,535 parameters
# PostgreSQL takes in one query (65,536 tags once failed there, and looked like a lost database).
TAGS_MAX_PER_CLAIM = 100

# C0 controls except tab, newline and carriage return; DEL; C1 controls. NUL is among them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _where(value: str, position: int) -> str:
    return _("U+%(code)04X at character %(position)d") % {"code": ord(value[position]), "position": position + 1}


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
                _("The text contains a lone surrogate (%(where)s), which is not a character; send valid UTF-8.")
                % {"where": _where(value, found.start())},
                code=self.code,
            )
        found = _CONTROL.search(value)
        if found:
            message = (
                _("The text contains a NUL character (%(where)s); remove it.")
                if value[found.start()] == "\x00"
                else _("The text contains a control character (%(where)s); remove it.")
            )
            raise ValidationError(message % {"where": _where(value, found.start())}, code=self.code)

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


def tighter_limit(name: str, max_length: int | None) -> int | None:
    """The project's limit for a field of this name when it is tighter than the field's own max_length, else None."""
    limit = limit_for(name)
    return limit if limit and (max_length is None or max_length > limit) else None


def _check_plain_text(field) -> None:
    # A field with a stricter rule built on this one (the tag rule) has it already: one message, not two.
    if not any(isinstance(validator, PlainTextValidator) for validator in field.validators):
        field.validators.append(validate_plain_text)


def harden_form(form) -> None:
    """Give every text field of a Django form the plain-text check, and the text limits by field name."""
    from django import forms

    for name, field in form.fields.items():
        if not isinstance(field, forms.CharField):
            continue
        _check_plain_text(field)
        limit = tighter_limit(name, field.max_length)
        if limit:
            field.max_length = limit
            field.validators.append(MaxLengthValidator(limit))
            field.widget.attrs["maxlength"] = str(limit)


def harden_serializer_fields(fields) -> None:
    """The same for a DRF serializer's fields (DRF already refuses NUL and surrogates; this adds the rest)."""
    from rest_framework import serializers

    for name, field in fields.items():
        if isinstance(field, serializers.ListField):
            field = field.child
        if not isinstance(field, serializers.CharField):
            continue
        _check_plain_text(field)
        limit = tighter_limit(name, field.max_length)
        if limit:
            field.max_length = limit
            field.validators.append(
                MaxLengthValidator(limit, message=_("Ensure this field has no more than %s characters.") % f"{limit:,}")
            )


def validate_model_text(model, values: Mapping[str, Any]) -> None:
    """What harden_form gives a model form, for writers that have none (the importers): each text value is checked
    with validate_plain_text and against the field's max_length and the limit for its name. A ValidationError maps
    each field at fault to its messages."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        max_length = getattr(model._meta.get_field(name), "max_length", None)
        limit = tighter_limit(name, max_length) or max_length
        validators = [validate_plain_text, *([MaxLengthValidator(limit)] if limit else [])]
        for validator in validators:
            try:
                validator(value)
            except ValidationError as exc:
                errors[name] = exc.messages
                break
    if errors:
        raise ValidationError(errors)


# Tags are short labels shown in lists, filters and exports; besides control characters they may not carry the
# invisible controls that reorder the text around them (bidirectional embeddings, overrides and isolates, as in
# "gpj.<RLO>exe"). Joiners stay: emoji sequences and Persian need them. The length is the column's, TAG_MAX_LENGTH.
TAG_MAX_LENGTH = 64
_BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


@deconstructible
class TagNameValidator(PlainTextValidator):
    """The rule for a tag's name, in the API and in the admin: plain text, and no control that reorders text."""

    def __call__(self, value) -> None:
        super().__call__(value)
        found = _BIDI_CONTROL.search(value) if isinstance(value, str) else None
        if found:
            raise ValidationError(
                _("The tag contains an invisible control that reorders text (%(where)s); remove it.")
                % {"where": _where(value, found.start())},
                code=self.code,
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, TagNameValidator)


validate_tag_name = TagNameValidator()
