"""Every list endpoint's multi-value and date parameters: a malformed value is a 400 naming the parameter.

The table is built from the URLconf and the views' FilterSets, so a filter added later is probed too: `?verdict=true,`
once raised a ValueError and `?reviewed_before=9999-12-31` an OverflowError (500s).
"""

from __future__ import annotations

import datetime as dt

import django_filters
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests import factories

pytestmark = pytest.mark.django_db


def _list_views(patterns=None, prefix: str = ""):
    """(path, FilterSet) of every GET endpoint under /api/ whose url takes no argument and which filters."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern).lstrip("^").rstrip("$")  # router urls are regexes
        if isinstance(entry, URLResolver):
            yield from _list_views(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/") and "<" not in route and "(?P" not in route:
            view = getattr(entry.callback, "cls", None)
            actions = getattr(entry.callback, "actions", None) or {"get": "get"}
            filterset = getattr(view, "filterset_class", None)
            if filterset is not None and "get" in actions:
                yield "/" + route, filterset


def _cases():
    for path, filterset in _list_views():
        for name, f in filterset.base_filters.items():
            if isinstance(f, django_filters.filters.BaseCSVFilter):
                good = next(value for value, _ in f.extra["choices"])
                for value in (f"{good},", ",", f",{good}", f"{good},,{good}", " ", f"{good}, "):
                    yield path, name, value, 400
                yield path, name, good, 200
                yield path, name, "", 200  # no value: no filter
            elif isinstance(f, django_filters.DateFilter):
                for value in ("9999-12-31", "0001-01-01T00:00", "10000-01-01"):
                    yield path, name, value, 400
                for value in ("9999-12-30", "0001-01-01", "2024-02-29"):
                    yield path, name, value, 200


CASES = list(_cases())


def test_the_table_reaches_every_list_endpoint():
    probed = {(path, name) for path, name, _, _ in CASES}
    assert {
        ("/api/v1/claims/", "verdict"),
        ("/api/v1/claims/", "status"),
        ("/api/v1/claims/", "reviewed_before"),
        ("/api/v1/claims/", "reviewed_after"),
        ("/api/v1/claims/export/", "verdict"),
        ("/api/v1/claims/export/", "status"),
        ("/api/v1/claims/export/", "reviewed_before"),
        ("/api/v1/sources/", "health"),
    } <= probed


@pytest.mark.parametrize(("path", "name", "value", "status"), CASES, ids=[f"{p}?{n}={v}" for p, n, v, _ in CASES])
def test_multi_value_and_date_params(client, path, name, value, status):
    factories.PublishedClaimFactory(text="A published statement.")
    response = client.get(path, {name: value})
    assert response.status_code == status, response.content[:300]
    if status == 400:
        assert name in response.json(), response.json()


@pytest.mark.parametrize(("zone", "first_day"), [("Etc/GMT-14", 400), ("Etc/GMT+12", 200)])  # UTC+14, UTC-12
def test_the_first_and_last_days_in_any_time_zone(client, settings, zone, first_day):
    """A day's bounds are the site's midnights; at the edges of the calendar one of them may not exist in UTC."""
    settings.TIME_ZONE = zone
    for name in ("reviewed_after", "reviewed_before"):
        for day, status in ((dt.date.min, first_day), (dt.date.max, 400)):
            response = client.get("/api/v1/claims/", {name: day.isoformat()})
            assert response.status_code == status, (name, day, response.content[:300])
            if status == 400:
                assert name in response.json()
