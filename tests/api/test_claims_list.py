import datetime as dt

import pytest
from django.utils import timezone

from claims.choices import ClaimStatus, Verdict
from sources.choices import Health
from tests import factories

URL = "/api/v1/claims/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [c["id"] for c in response.json()["results"]]


def walk(client, url, **headers) -> list[int]:
    """Every id, following `next` links."""
    seen = []
    while url:
        body = client.get(url, headers=headers).json()
        seen += [c["id"] for c in body["results"]]
        url = body["next"]
    return seen


@pytest.fixture
def claims(db):
    day = lambda d: timezone.make_aware(dt.datetime(2024, 11, d, 12))  # noqa: E731
    a = factories.PublishedClaimFactory(
        verdict=Verdict.FALSE, language="zh-Hans", claimant="OpenAI", reviewed_at=day(1)
    )
    b = factories.PublishedClaimFactory(
        verdict=Verdict.TRUE, language="en", claimant="Sam Altman", reviewed_at=day(10), article=a.article
    )
    c = factories.PublishedClaimFactory(
        verdict=Verdict.MISLEADING, language="zh", claimant="openai", reviewed_at=day(20)
    )
    d = factories.PublishedClaimFactory(verdict=Verdict.UNVERIFIABLE, status=ClaimStatus.RETRACTED, reviewed_at=day(30))
    _tag(a, "sora")
    _tag(c, "sora")
    _tag(c, "video")
    dead = b.evidence.get().source
    dead.health = Health.DEAD
    dead.save()
    return {"a": a, "b": b, "c": c, "d": d}


def _tag(claim, name):
    from claims.models import Tag

    claim.tags.add(Tag.objects.get_or_create(name=name)[0])


def test_list_is_paginated_newest_first_without_count(client, claims):
    body = client.get(URL).json()
    assert set(body) == {"next", "previous", "results"}
    assert [c["id"] for c in body["results"]] == sorted((c.pk for c in claims.values()), reverse=True)
    assert body["next"] is None
    assert body["previous"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("verdict=false", {"a"}),
        ("verdict=false,true", {"a", "b"}),
        ("verdict=misleading,unverifiable", {"c", "d"}),
        ("status=retracted", {"d"}),
        ("status=published,retracted", {"a", "b", "c", "d"}),
        ("language=zh", {"a", "c"}),
        ("language=zh-Hans", {"a"}),
        ("language=en", {"b", "d"}),
        ("claimant=openai", {"a", "c"}),
        ("tag=sora", {"a", "c"}),
        ("tag=video", {"c"}),
        ("tag=nothing", set()),
        ("source_health=dead", {"b"}),
        ("source_health=unknown", {"a", "c", "d"}),
        ("reviewed_after=2024-11-10", {"b", "c", "d"}),
        ("reviewed_before=2024-11-10", {"a", "b"}),
        ("reviewed_after=2024-11-02&reviewed_before=2024-11-20", {"b", "c"}),
        ("verdict=false&language=zh", {"a"}),
    ],
)
def test_each_filter(client, claims, query, expected):
    assert set(ids(client.get(f"{URL}?{query}"))) == {claims[k].pk for k in expected}


def test_article_filter(client, claims):
    assert set(ids(client.get(f"{URL}?article={claims['a'].article_id}"))) == {claims["a"].pk, claims["b"].pk}


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("verdict=fals", "verdict"),
        ("verdict=false,bogus", "verdict"),
        ("status=deleted", "status"),
        ("source_health=zombie", "source_health"),
        ("reviewed_after=2024-13-01", "reviewed_after"),
        ("reviewed_before=yesterday", "reviewed_before"),
        ("reviewed_after=11/01/2024", "reviewed_after"),
        ("article=abc", "article"),
        ("ordering=text", "ordering"),
        ("q=" + "x" * 300, "q"),
        ("cursor=not-a-cursor", "cursor"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(client, claims, query, param):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert param in response.json()


@pytest.mark.parametrize("ordering", ["reviewed_at", "-reviewed_at", "created_at", "-created_at"])
def test_ordering_walks_every_row_once_in_order(client, reviewer_headers, ordering):
    base = timezone.make_aware(dt.datetime(2024, 1, 1))
    made = []
    for i in range(7):
        # Ties and unreviewed (null) rows: the cursor must still visit each row exactly once.
        made.append(factories.ClaimFactory(reviewed_at=None if i % 3 == 0 else base + dt.timedelta(days=i // 2)))
    seen = walk(client, f"{URL}?ordering={ordering}&page_size=2", **reviewer_headers)
    assert sorted(seen) == sorted(c.pk for c in made)
    field = ordering.lstrip("-")
    from claims.models import Claim

    rows = {c.pk: getattr(c, field) for c in Claim.objects.all()}
    values = [rows[pk] for pk in seen]
    non_null = [v for v in values if v is not None]
    assert non_null == sorted(non_null, reverse=ordering.startswith("-"))


def test_previous_links_walk_back(client, db):
    made = [factories.PublishedClaimFactory().pk for _ in range(5)]
    first = client.get(f"{URL}?page_size=2").json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    assert third["next"] is None
    back = client.get(third["previous"]).json()
    assert [c["id"] for c in back["results"]] == [c["id"] for c in second["results"]]
    again = client.get(back["previous"]).json()
    assert [c["id"] for c in again["results"]] == [c["id"] for c in first["results"]]
    assert again["previous"] is None
    assert sorted(c["id"] for p in (first, second, third) for c in p["results"]) == sorted(made)


def test_page_size_is_capped_not_refused(client, db, settings):
    settings.API_MAX_PAGE_SIZE = 3
    for _ in range(4):
        factories.PublishedClaimFactory()
    body = client.get(f"{URL}?page_size=1000").json()
    assert len(body["results"]) == 3
    assert body["next"]
    assert len(client.get(f"{URL}?page_size=abc").json()["results"]) == 4


def test_default_cap_is_200(client, db):
    response = client.get(f"{URL}?page_size=100000")
    assert response.status_code == 200
    from factcheck.api.pagination import KeysetPagination

    class R:
        query_params = {"page_size": "100000"}

    assert KeysetPagination().get_page_size(R()) == 200


@pytest.mark.parametrize("query", ["", "?q=statement", "?ordering=reviewed_at&page_size=3", "?language=en"])
def test_list_rows_are_exactly_what_claim_serializer_makes(client, reviewer_headers, db, query):
    """The list builds its rows from values() (ClaimRows); they must be ClaimSerializer's, key for key."""
    from decimal import Decimal

    from rest_framework.renderers import JSONRenderer

    from claims.api.serializers import ClaimSerializer
    from claims.filters import ClaimFilterSet
    from claims.models import Tag
    from claims.selectors.attention import with_needs_attention
    from claims.selectors.visibility import claims_visible
    from factcheck.filtersets import filtered

    reviewed = timezone.make_aware(dt.datetime(2024, 11, 3, 12, 30, 15, 123456))
    made = [
        factories.PublishedClaimFactory(value=Decimal("12.5"), unit="%", reviewed_at=reviewed, language="en"),
        factories.PublishedClaimFactory(article=None, status=ClaimStatus.RETRACTED, claimant="李明"),
        factories.ClaimFactory(value=Decimal("-3"), text="A draft statement 处理时间"),
        factories.PublishedClaimFactory(text="Another statement", quote='He said "yes"'),
    ]
    for i, claim in enumerate(made):
        claim.tags.add(*(Tag.objects.get_or_create(name=n)[0] for n in ["zeta", "Alpha", "中文", "beta"][: i + 1]))
    dead = factories.EvidenceFactory(claim=made[3]).source
    dead.health = Health.DEAD
    dead.save()
    for headers in ({}, reviewer_headers):
        response = client.get(f"{URL}{query}", headers=headers)
        assert response.status_code == 200, response.content
        request = response.wsgi_request
        user = request.user if hasattr(request, "user") else None
        from django.http import QueryDict

        filters = QueryDict(query.lstrip("?"))
        shown = [row["id"] for row in response.json()["results"]]
        # The oracle: the same claims read as model instances, as ClaimSerializer expects them.
        models = with_needs_attention(claims_visible(user=user)).select_related("article").prefetch_related("tags")
        by_id = {claim.pk: claim for claim in filtered(ClaimFilterSet, filters, models)}
        claims = [by_id[pk] for pk in shown]  # the page's order is the paginator's (nulls last)
        assert claims, query
        if filters.get("q"):  # a search page's snippets are read after the page is cut (snippet_sources)
            from claims.search import snippet_sources

            sources = snippet_sources(shown, filters["q"])
            for claim in claims:
                claim.snippet_source = sources[claim.pk]
        from rest_framework.request import Request

        expected = ClaimSerializer(claims, many=True, context={"request": Request(request)}).data
        assert response.content.count(b'"results"') == 1
        got = response.json()["results"]
        assert [list(r) for r in got] == [list(r) for r in expected]
        assert JSONRenderer().render(got) == JSONRenderer().render(expected)


@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "America/St_Johns", "Europe/London"])
def test_list_datetimes_are_drf_datetimes_in_any_time_zone(zone):
    from zoneinfo import ZoneInfo

    from rest_framework import serializers

    from factcheck.api.rows import datetime_representation

    field = serializers.DateTimeField()
    values = [
        dt.datetime(2024, 11, 3, 12, 30, 15, 123456, tzinfo=dt.UTC),
        dt.datetime(2024, 7, 1, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2024, 3, 31, 1, 30, tzinfo=ZoneInfo("Asia/Tokyo")),
    ]
    with timezone.override(zone):
        represent = datetime_representation(field)
        assert [represent(v) for v in values] == [field.to_representation(v) for v in values]
