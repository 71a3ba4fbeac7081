"""factcheck.api.renderers.JSONRenderer (drf-orjson-renderer) writes the bytes DRF's JSONRenderer writes."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from claims.choices import ClaimStatus
from factcheck.api.renderers import JSONRenderer

PAYLOADS = [
    {"a": 1, "b": [1.5, None, True, False], "c": '处理时间超过十秒，"对吗"？\n\t\x01', "d": {}},
    {"line": "before\u2028between\u2029after", "emoji": "😀", "backslash": "a\\b"},
    ReturnDict({"results": ReturnList([{"id": 1, "status": ClaimStatus.PUBLISHED}], serializer=None)}, serializer=None),
    {"when": dt.datetime(2024, 11, 3, 12, 30, 15, 123456, tzinfo=dt.UTC), "day": dt.date(2024, 1, 2)},
    {"naive": dt.datetime(2024, 11, 3, 12, 30), "time": dt.time(12, 30, 15, 123456), "span": dt.timedelta(hours=1)},
    {"value": Decimal("12.50"), "id": uuid.UUID(int=7), "lazy": gettext_lazy("This field is required.")},
    {"detail": ErrorDetail("Not found.", code="not_found"), "tuple": (1, 2), "set": {3}},
    {1: "non-string key", "big": 2**70},
    [],
    "a string",
    0.1,
]


@pytest.mark.parametrize("data", PAYLOADS)
def test_same_bytes_as_drf(data):
    assert JSONRenderer().render(data, "application/json") == DRFJSONRenderer().render(data, "application/json")


def test_indent_and_none_as_drf():
    data = {"a": [1, {"b": "c"}]}
    # the last: as the browsable API asks (the library alone would indent by 2 for text/html)
    asks = (("application/json; indent=2", {}), ("application/json", {"indent": 0}), ("text/html", {"indent": 4}))
    for media_type, context in asks:
        assert JSONRenderer().render(data, media_type, context) == DRFJSONRenderer().render(data, media_type, context)
    assert JSONRenderer().render(None) == b""


def test_the_api_renders_with_it(client, db):
    from tests import factories

    factories.PublishedClaimFactory()
    response = client.get("/api/v1/claims/")
    assert isinstance(response.accepted_renderer, JSONRenderer)
    assert response.json()["results"]


@pytest.mark.parametrize("data", PAYLOADS[:3])
def test_json_ld_as_drf_would_write_it(data):
    from claims.api.views import JSONLDRenderer

    assert JSONLDRenderer.media_type == "application/ld+json"
    assert JSONLDRenderer().render(data, JSONLDRenderer.media_type) == DRFJSONRenderer().render(data)
