"""Every endpoint runs a fixed number of queries whatever the page size (no N+1)."""

import pytest

from sources.choices import Health
from tests import factories

from .conftest import token_headers


def make(n):
    claims = []
    for i in range(n):
        claim = factories.PublishedClaimFactory()
        factories.EvidenceFactory(claim=claim)
        from claims.models import Tag

        claim.tags.add(Tag.objects.get_or_create(name=f"tag{i % 3}")[0])
        factories.LinkCheckFactory(source=claim.evidence.first().source)
        claims.append(claim)
    return claims


# Anonymous: no auth queries. Lists: the page, plus one query per prefetched relation.
ANONYMOUS = [
    ("/api/v1/claims/?page_size={n}", 1),  # claims+articles+tags (tags by array subquery on PostgreSQL)
    ("/api/v1/claims/?page_size={n}&verdict=false,true&tag=tag1&source_health=unknown&language=en", 1),
    ("/api/v1/claimreview/?page_size={n}", 1),  # claims+articles+appearance urls (array subquery)
    ("/api/v1/articles/?page_size={n}", 1),
    ("/api/v1/sources/?page_size={n}&health=unknown", 1),
]


@pytest.mark.parametrize(("url", "queries"), ANONYMOUS)
def test_list_query_count_does_not_depend_on_page_size(client, db, django_assert_num_queries, url, queries):
    make(12)
    for n in (2, 4):
        with django_assert_num_queries(queries):
            response = client.get(url.format(n=n))
        assert response.status_code == 200
        body = response.json()
        assert len(body.get("results", body.get("dataFeedElement"))) == n


def test_detail_endpoints(client, db, django_assert_num_queries):
    claim = make(3)[0]
    for _ in range(5):
        factories.EvidenceFactory(claim=claim)
    source = claim.evidence.first().source
    cases = [
        (f"/api/v1/claims/{claim.pk}/", 1),  # claim, article, reviewer, tags, evidence and sources in one
        (f"/api/v1/claims/{claim.pk}/claimreview/", 1),  # claim, article and appearance urls in one
        (f"/api/v1/claims/{claim.pk}/history/", 2),  # claim, its history with previous values
        (f"/api/v1/articles/{claim.article_id}/", 3),  # article, claims, tags
        (f"/api/v1/sources/{source.pk}/", 1),
        (f"/api/v1/sources/{source.pk}/checks/", 2),
    ]
    for url, queries in cases:
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200, url


def test_reviewer_adds_a_fixed_cost_for_auth(client, reviewer, db, django_assert_num_queries):
    make(10)
    headers = token_headers(reviewer)
    # token+user, the user's permissions, their groups' permissions; then the list query.
    for n in (2, 10):
        with django_assert_num_queries(4):
            assert len(client.get(f"/api/v1/claims/?page_size={n}", headers=headers).json()["results"]) == n


def test_search_query_count(client, db, django_assert_num_queries):

    make(6)  # found with no refresh: the vector is kept by the database
    client.get("/api/v1/claims/?q=statement&page_size=3")  # the query's words analysed once, then cached
    # The page, then the page's snippets (claims.search.snippet_sources).
    with django_assert_num_queries(2):
        assert client.get("/api/v1/claims/?q=statement&page_size=3").status_code == 200


def test_dead_source_filter_count(client, db, django_assert_num_queries):
    claims = make(5)
    for claim in claims[:3]:
        source = claim.evidence.first().source
        source.health = Health.DEAD
        source.save()
    with django_assert_num_queries(1):
        assert len(client.get("/api/v1/claims/?source_health=dead").json()["results"]) == 3
