"""ClaimReview JSON-LD, checked against the fields schema.org and the fact-check aggregators require."""

import pytest

from claims.choices import ClaimStatus, Verdict
from tests import factories

# What Google's ClaimReview guidelines and the schema.org ClaimReview type need for a review to be ingested.
REQUIRED_REVIEW = {
    "@context",
    "@type",
    "url",
    "claimReviewed",
    "author",
    "reviewRating",
    "itemReviewed",
    "datePublished",
}
REQUIRED_RATING = {"@type", "alternateName"}
REQUIRED_ITEM = {"@type", "datePublished", "appearance"}


def check_claim_review(review: dict, *, with_context: bool = True) -> None:
    required = REQUIRED_REVIEW if with_context else REQUIRED_REVIEW - {"@context"}
    assert required <= set(review), required - set(review)
    assert review["@type"] == "ClaimReview"
    assert review["url"].startswith("http")
    assert review["author"]["@type"] == "Organization"
    assert review["author"]["name"]
    assert REQUIRED_RATING <= set(review["reviewRating"])
    assert review["reviewRating"]["@type"] == "Rating"
    assert REQUIRED_ITEM <= set(review["itemReviewed"])
    assert review["itemReviewed"]["@type"] == "Claim"
    for appearance in review["itemReviewed"]["appearance"]:
        assert appearance["url"].startswith("http")


@pytest.mark.parametrize(
    ("verdict", "value"),
    [
        (Verdict.FALSE, 1),
        (Verdict.MOSTLY_FALSE, 2),
        (Verdict.MISLEADING, 2),
        (Verdict.MIXED, 3),
        (Verdict.MOSTLY_TRUE, 4),
        (Verdict.TRUE, 5),
    ],
)
def test_graded_verdicts_have_a_numeric_rating(client, db, verdict, value):
    claim = factories.PublishedClaimFactory(verdict=verdict, claimant="OpenAI", language="zh-Hans")
    response = client.get(f"/api/v1/claims/{claim.pk}/claimreview/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    review = response.json()
    check_claim_review(review)
    assert review["@context"] == "https://schema.org"
    assert review["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": value,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": verdict.label,
    }
    assert review["itemReviewed"]["author"] == {"@type": "Person", "name": "OpenAI"}
    assert review["itemReviewed"]["appearance"][0]["url"] == claim.article.url
    assert review["inLanguage"] == "zh-Hans"
    assert review["claimReviewed"] == claim.text
    assert review["author"]["name"] == "factcheck demo desk"


def test_unverifiable_has_no_number(client, db):
    claim = factories.PublishedClaimFactory(verdict=Verdict.UNVERIFIABLE)
    review = client.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()
    check_claim_review(review)
    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "Unverifiable"}


@pytest.mark.parametrize("status", [ClaimStatus.RETRACTED, ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW])
def test_only_published_claims(client, db, status):
    claim = factories.PublishedClaimFactory(status=status)
    assert client.get(f"/api/v1/claims/{claim.pk}/claimreview/").status_code == 404


def test_data_feed_is_paginated_and_public_only(client, db):
    published = [factories.PublishedClaimFactory() for _ in range(3)]
    factories.PublishedClaimFactory(status=ClaimStatus.RETRACTED)
    factories.ClaimFactory()
    first = client.get("/api/v1/claimreview/?page_size=2")
    assert first["Content-Type"].startswith("application/ld+json")
    body = first.json()
    assert body["@context"] == "https://schema.org"
    assert body["@type"] == "DataFeed"
    assert len(body["dataFeedElement"]) == 2
    for review in body["dataFeedElement"]:
        check_claim_review(review, with_context=False)
    rest = client.get(body["next"]).json()
    assert rest["next"] is None
    seen = [r["url"] for r in body["dataFeedElement"] + rest["dataFeedElement"]]
    assert len(seen) == 3
    assert {u.rstrip("/").rsplit("/", 1)[1] for u in seen} == {str(c.pk) for c in published}


def test_feed_items_are_exactly_the_claims_own_claimreview(client, db):
    """The feed and the claim's own ClaimReview are one row builder over one selector: each feed item is the claim's
    ClaimReview, and the row carries what the models hold."""
    import datetime as dt

    from django.utils import timezone

    from claims.models import Appearance

    day = timezone.make_aware(dt.datetime(2024, 5, 6, 23, 30))
    with_article = factories.PublishedClaimFactory(claimant="李明", explanation="Because.")
    no_article = factories.PublishedClaimFactory(article=None, claimant="", language="")
    untitled = factories.PublishedClaimFactory(article=factories.ArticleFactory(title="", published_at=None))
    for i, appeared in enumerate([day, None, day - dt.timedelta(days=1)]):
        Appearance.objects.create(claim=with_article, url=f"https://elsewhere.example.org/{i}", appeared_at=appeared)
    Appearance.objects.create(claim=no_article, url="", appeared_at=day)  # known by date alone: not listed
    Appearance.objects.create(claim=no_article, url="https://elsewhere.example.org/b", appeared_at=None)
    factories.ClaimFactory()  # a draft: not in the feed

    feed = client.get("/api/v1/claimreview/").json()["dataFeedElement"]
    assert len(feed) == 3
    for item in feed:
        pk = int(item["url"].rstrip("/").rsplit("/", 1)[1])
        own = client.get(f"/api/v1/claims/{pk}/claimreview/").json()
        assert own.pop("@context") == "https://schema.org"
        assert item == own
    by_url = {item["url"].rstrip("/").rsplit("/", 1)[1]: item for item in feed}
    appearances = by_url[str(with_article.pk)]["itemReviewed"]["appearance"]
    assert [a["url"] for a in appearances] == [  # the article, then the others in Appearance's order (dated first)
        with_article.article.url,
        "https://elsewhere.example.org/2",
        "https://elsewhere.example.org/0",
        "https://elsewhere.example.org/1",
    ]
    assert by_url[str(with_article.pk)]["claimReviewed"] == with_article.text
    assert by_url[str(with_article.pk)]["itemReviewed"]["author"]["name"] == "李明"
    assert by_url[str(with_article.pk)]["reviewBody"] == "Because."
    assert "appearance" in by_url[str(no_article.pk)]["itemReviewed"]
    assert "headline" not in by_url[str(untitled.pk)]["itemReviewed"]["firstAppearance"]
