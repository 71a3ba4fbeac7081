"""Errors users can cause, as DRF responses."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions


def exception_handler(exc, context):
    # Errors users can cause are Django ValidationErrors in services and selectors: they are 400s here.
    from rest_framework.views import exception_handler as drf_exception_handler  # not at import: DRF settings

    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)
