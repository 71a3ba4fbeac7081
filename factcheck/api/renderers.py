"""JSON out: drf-orjson-renderer's orjson encoding, writing the bytes DRF's own renderer writes."""

from __future__ import annotations

import orjson
from drf_orjson_renderer.renderers import ORJSONRenderer
from rest_framework import renderers
from rest_framework.utils import encoders

_DRF = renderers.JSONRenderer()
# orjson's output is DRF's only with DRF's default JSON settings (compact, UTF-8, strict, its own encoder).
_DRF_DEFAULTS = _DRF.compact and not _DRF.ensure_ascii and _DRF.strict and _DRF.encoder_class is encoders.JSONEncoder


class JSONRenderer(ORJSONRenderer):
    """drf-orjson-renderer's renderer, with the same bytes as DRF's JSONRenderer for what the API sends.

    What the library does its own way is set back to DRF's: values orjson does not know (datetimes, decimals, lazy
    strings and the like) go through DRF's encoder, not the library's `default` (decimals as strings, unknown
    objects as null); U+2028 and U+2029 are escaped. Indented output (the browsable API, `; indent=`), other
    REST_FRAMEWORK JSON settings and anything orjson refuses (such as non-string keys or huge integers) take
    DRF's renderer.
    """

    options = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    default = staticmethod(encoders.JSONEncoder().default)

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        renderer_context = renderer_context or {}
        if not _DRF_DEFAULTS or _DRF.get_indent(accepted_media_type or "", renderer_context) is not None:
            return _DRF.render(data, accepted_media_type, renderer_context)
        try:
            body = super().render(data, accepted_media_type, renderer_context)
        except (orjson.JSONEncodeError, TypeError, ValueError):
            return _DRF.render(data, accepted_media_type, renderer_context)
        return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
