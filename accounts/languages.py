"""The languages a user may choose for the admin: settings.LANGUAGES, written once for the model, form and
middleware."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def language_or_none(code: str) -> str | None:
    """The code if it is one of settings.LANGUAGES (a stored one may have been taken out since), else None."""
    return code if code and code in dict(settings.LANGUAGES) else None


def validate_language(value: str) -> None:
    if value and language_or_none(value) is None:
        raise ValidationError(
            _("“%(language)s” is not one of the admin's languages."),
            code="unknown_language",
            params={"language": value},
        )
