"""Request bodies: DRF's JSON parser, with a body nested too deep answered as bad JSON."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's parser, but a body nested too deep for Python's parser is a 400 like any other bad JSON."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError(_("JSON parse error - the body is nested too deeply.")) from exc
