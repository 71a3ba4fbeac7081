"""ClaimReview JSON-LD, held to Google's "Fact check (ClaimReview) structured data" page and schema.org.

Google's page: ClaimReview requires claimReviewed, reviewRating and url, and recommends author and itemReviewed; the
reviewed Claim recommends author, datePublished and appearance or firstAppearance; a Rating requires alternateName,
and its numbers run from worstRating (at least 1) to bestRating, the higher the truer.
"""

import datetime as dt
import os
import re
import subprocess
import sys

import pytest
from django.utils import timezone

from claims.api.claimreview import BEST_RATING, RATING_SCALE, WORST_RATING
from claims.choices import ClaimStatus, Verdict
from claims.models import Appearance, Claim
from claims.selectors.claimreview import CLAIMREVIEW_ANNOTATIONS, CLAIMREVIEW_FIELDS, claimreview_row
from claims.services import claim_update
from tests import factories

pytestmark = pytest.mark.django_db

GOOGLE_REQUIRED = {"claimReviewed", "reviewRating", "url"}
GOOGLE_RECOMMENDED = {"author", "itemReviewed"}
CLAIM_RECOMMENDED = {"author", "datePublished"}  # and appearance or firstAppearance

# Every property we send, by the type it sits on, and nothing else: each is a schema.org term of that type (or of a
# type it extends: Review and CreativeWork for ClaimReview, CreativeWork for Claim, Dataset for DataFeed).
SCHEMA_ORG_TERMS = {
    "ClaimReview": {
        "@context",
        "@type",
        "url",
        "claimReviewed",
        "datePublished",
        "dateModified",
        "author",
        "reviewRating",
        "itemReviewed",
        "inLanguage",
        "reviewBody",
    },
    "Claim": {"@type", "author", "datePublished", "inLanguage", "firstAppearance", "appearance"},
    "Rating": {"@type", "alternateName", "ratingValue", "bestRating", "worstRating"},
    "Organization": {"@type", "name", "url"},
    "Person": {"@type", "name"},
    "CreativeWork": {"@type", "url", "headline", "datePublished"},
    "DataFeed": {"@context", "@type", "name", "publisher", "dataFeedElement"},
}


def check_terms(node) -> None:
    """Every object in the JSON-LD uses only the schema.org terms of its @type."""
    if isinstance(node, list):
        for item in node:
            check_terms(item)
    elif isinstance(node, dict):
        unknown = set(node) - SCHEMA_ORG_TERMS[node["@type"]]
        assert not unknown, f"{node['@type']} has {unknown}, which schema.org does not define for it"
        for value in node.values():
            check_terms(value)


def check_claim_review(review: dict, *, with_context: bool = True) -> None:
    """The structure Google's page asks for, with every recommended property of a claim we know everything about."""
    check_terms(review)
    assert review["@type"] == "ClaimReview"
    assert (review.get("@context") == "https://schema.org") is with_context
    assert GOOGLE_REQUIRED | GOOGLE_RECOMMENDED <= set(review)
    assert review["claimReviewed"]
    assert re.fullmatch(r"https?://[^/]+/claims/\d+/", review["url"]), review["url"]  # the page, not the API
    assert review["author"]["@type"] == "Organization"
    assert review["author"]["name"]
    assert review["author"]["url"].startswith("http")
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating"
    assert rating["alternateName"]
    if "ratingValue" in rating:
        assert 1 <= rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
        assert rating["worstRating"] < rating["bestRating"]
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert CLAIM_RECOMMENDED <= set(item), CLAIM_RECOMMENDED - set(item)
    assert item["author"]["name"]
    assert {"appearance", "firstAppearance"} & set(item)
    for appearance in item.get("appearance", []) + [item.get("firstAppearance", {"url": "http:"})]:
        assert appearance["url"].startswith("http")
    dt.datetime.fromisoformat(item["datePublished"])
    dt.datetime.fromisoformat(review["datePublished"])


def claim_review(client, claim, **extra) -> dict:
    response = client.get(f"/api/v1/claims/{claim.pk}/claimreview/", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/ld+json")
    return response.json()


def feed_pages(client, url="/api/v1/claimreview/"):
    """Every page of the DataFeed, following the Link headers."""
    while url:
        response = client.get(url)
        assert response.status_code == 200
        yield response
        url = links(response).get("next")


def links(response) -> dict[str, str]:
    """The RFC 8288 Link header as {rel: url}."""
    return {rel: url for url, rel in re.findall(r'<([^>]*)>;\s*rel="([^"]+)"', response.get("Link", ""))}


def claim_id(review: dict) -> int:
    return int(review["url"].rstrip("/").rsplit("/", 1)[1])


# --- the whole ClaimReview ----------------------------------------------------------------------------------------


def test_a_published_claim_has_every_property_googles_page_asks_for(client):
    claim = factories.PublishedClaimFactory(claimant="OpenAI", language="zh-Hans", explanation="Because.")
    review = claim_review(client, claim)
    check_claim_review(review)
    assert review["claimReviewed"] == claim.text
    assert review["reviewBody"] == "Because."
    assert review["author"] == {
        "@type": "Organization",
        "name": "factcheck demo desk",
        "url": "https://factcheck.example.org/",
    }
    assert review["itemReviewed"]["author"] == {"@type": "Person", "name": "OpenAI"}
    assert review["itemReviewed"]["firstAppearance"]["url"] == claim.article.url
    assert review["itemReviewed"]["appearance"][0]["url"] == claim.article.url


@pytest.mark.parametrize("status", [ClaimStatus.RETRACTED, ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW])
def test_only_published_claims(client, status):
    claim = factories.PublishedClaimFactory(status=status)
    assert client.get(f"/api/v1/claims/{claim.pk}/claimreview/").status_code == 404


# --- reviewRating: one number, one label --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verdict", "value"),
    [
        (Verdict.FALSE, 1),
        (Verdict.MOSTLY_FALSE, 2),
        (Verdict.MIXED, 3),
        (Verdict.MOSTLY_TRUE, 4),
        (Verdict.TRUE, 5),
    ],
)
def test_graded_verdicts_are_numbers_on_a_false_to_true_scale(client, verdict, value):
    review = claim_review(client, factories.PublishedClaimFactory(verdict=verdict))
    check_claim_review(review)
    assert review["reviewRating"] == {
        "@type": "Rating",
        "alternateName": verdict.label,
        "ratingValue": value,
        "bestRating": 5,
        "worstRating": 1,
    }


@pytest.mark.parametrize("verdict", [Verdict.MISLEADING, Verdict.UNVERIFIABLE, Verdict.UNRATED])
def test_verdicts_off_the_scale_carry_their_label_only(client, verdict):
    # Misleading shared 2 with "Mostly false"; an unrated claim cannot be published by the services, but a row
    # written past them must still say nothing it does not know.
    claim = factories.PublishedClaimFactory(verdict=verdict)
    assert claim_review(client, claim)["reviewRating"] == {"@type": "Rating", "alternateName": verdict.label}


def test_the_scale_is_one_to_one():
    values = list(RATING_SCALE.values())
    assert len(set(values)) == len(values), "two verdicts share a number"
    assert sorted(values) == list(range(WORST_RATING, BEST_RATING + 1)), "the scale has a gap"
    assert WORST_RATING >= 1  # Google: worstRating "must have a minimum value of 1"
    ordered = [Verdict.FALSE, Verdict.MOSTLY_FALSE, Verdict.MIXED, Verdict.MOSTLY_TRUE, Verdict.TRUE]
    assert [RATING_SCALE[v] for v in ordered] == sorted(values), "the closer to bestRating, the truer"
    assert set(RATING_SCALE) <= set(Verdict)


def test_each_rating_value_names_exactly_one_alternate_name_in_the_feed(client):
    for verdict in Verdict:
        for _ in range(2):
            factories.PublishedClaimFactory(verdict=verdict)
    names_of_value: dict[int, set[str]] = {}
    values_of_name: dict[str, set] = {}
    for page in feed_pages(client, "/api/v1/claimreview/?page_size=200"):
        for review in page.json()["dataFeedElement"]:
            rating = review["reviewRating"]
            names_of_value.setdefault(rating.get("ratingValue"), set()).add(rating["alternateName"])
            values_of_name.setdefault(rating["alternateName"], set()).add(rating.get("ratingValue"))
    assert len(values_of_name) == len(Verdict)
    numbered = {value: names for value, names in names_of_value.items() if value is not None}
    assert all(len(names) == 1 for names in numbered.values()), numbered
    assert all(len(values) == 1 for values in values_of_name.values()), values_of_name
    assert names_of_value[None] == {"Misleading", "Unverifiable", "Unrated"}


# --- url: the page a reader opens ---------------------------------------------------------------------------------


def test_url_is_the_public_claim_page_on_the_host_and_port_the_request_came_to(client, settings):
    settings.FACTCHECK_SITE_URL = ""
    claim = factories.PublishedClaimFactory()
    review = claim_review(client, claim, HTTP_HOST="127.0.0.1:8123")
    assert review["url"] == f"http://127.0.0.1:8123/claims/{claim.pk}/"
    feed = client.get("/api/v1/claimreview/", HTTP_HOST="localhost:8765").json()
    assert feed["dataFeedElement"][0]["url"] == f"http://localhost:8765/claims/{claim.pk}/"


def test_url_is_under_factcheck_site_url_when_it_is_set(client, settings):
    settings.FACTCHECK_SITE_URL = "https://facts.example.org/"
    claim = factories.PublishedClaimFactory()
    assert claim_review(client, claim, HTTP_HOST="127.0.0.1:8123")["url"] == (
        f"https://facts.example.org/claims/{claim.pk}/"
    )


def _settings_in_a_fresh_process(**environment) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "FACTCHECK_SITE_URL"} | environment
    env["DJANGO_SETTINGS_MODULE"] = "factcheck.settings"
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(repr(settings.FACTCHECK_SITE_URL)); print(repr(settings.AXES_ALLOWED_CORS_ORIGINS))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    return out.split()


def test_the_default_site_url_is_empty_so_urls_follow_the_request():
    # The old default, http://127.0.0.1:8000, sent every link to port 8000 whatever port the site ran on.
    assert _settings_in_a_fresh_process() == ["''", "''"]
    # The login lockout's CORS origin is the site's origin, without a path or a final slash.
    site, origin = _settings_in_a_fresh_process(FACTCHECK_SITE_URL="https://facts.example.org/desk/")
    assert (site, origin) == ("'https://facts.example.org/desk/'", "'https://facts.example.org'")


# --- itemReviewed.datePublished: when the claim was made ------------------------------------------------------------


def _when(day: int, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2024, 3, day, hour, 15, 30, 250000), dt.UTC)


def test_claim_date_is_its_article_date(client):
    claim = factories.PublishedClaimFactory(article=factories.ArticleFactory(published_at=_when(10)))
    item = claim_review(client, claim)["itemReviewed"]
    assert dt.datetime.fromisoformat(item["datePublished"]) == _when(10)


def test_claim_date_given_by_a_person_comes_first(client):
    claim = factories.PublishedClaimFactory(
        claimed_at=_when(12), article=factories.ArticleFactory(published_at=_when(10))
    )
    Appearance.objects.create(claim=claim, url="https://elsewhere.example.org/a", appeared_at=_when(9))
    assert dt.datetime.fromisoformat(claim_review(client, claim)["itemReviewed"]["datePublished"]) == _when(12)


def test_claim_date_is_the_earliest_place_it_was_seen(client):
    no_article = factories.PublishedClaimFactory(article=None)
    Appearance.objects.create(claim=no_article, url="https://elsewhere.example.org/a", appeared_at=_when(14))
    Appearance.objects.create(claim=no_article, url="", appeared_at=_when(11))  # known by date alone
    Appearance.objects.create(claim=no_article, url="https://elsewhere.example.org/b", appeared_at=None)
    earlier_than_article = factories.PublishedClaimFactory(article=factories.ArticleFactory(published_at=_when(20)))
    Appearance.objects.create(claim=earlier_than_article, url="https://x.example.org/1", appeared_at=_when(2))
    for claim, day in ((no_article, 11), (earlier_than_article, 2)):
        item = claim_review(client, claim)["itemReviewed"]
        assert dt.datetime.fromisoformat(item["datePublished"]) == _when(day)


def test_claim_date_is_never_the_day_it_was_stored(client):
    # Imported and stored today, made on a day nobody recorded: no date beats a false one.
    claim = factories.PublishedClaimFactory(article=None)
    Appearance.objects.create(claim=claim, url="https://elsewhere.example.org/a", appeared_at=None)
    item = claim_review(client, claim)["itemReviewed"]
    assert "datePublished" not in item
    assert claim.created_at.date().isoformat() not in str(item)


# --- inLanguage: the review's language ------------------------------------------------------------------------------


def test_in_language_is_the_reviews_and_the_quote_keeps_its_own(client, settings):
    settings.FACTCHECK_REVIEW_LANGUAGE = "en"
    chinese_quote = factories.PublishedClaimFactory(language="zh-Hans")
    review = claim_review(client, chinese_quote)
    assert review["inLanguage"] == "en"
    assert review["itemReviewed"]["inLanguage"] == "zh-Hans"
    reviewed_in_french = factories.PublishedClaimFactory(language="zh-Hans", review_language="fr")
    assert claim_review(client, reviewed_in_french)["inLanguage"] == "fr"
    settings.FACTCHECK_REVIEW_LANGUAGE = "zh-Hant"
    assert claim_review(client, chinese_quote)["inLanguage"] == "zh-Hant"


def test_quote_language_falls_back_to_the_articles(client):
    claim = factories.PublishedClaimFactory(language="", article=factories.ArticleFactory(language="de"))
    assert claim_review(client, claim)["itemReviewed"]["inLanguage"] == "de"
    nothing_known = factories.PublishedClaimFactory(language="", article=None)
    assert "inLanguage" not in claim_review(client, nothing_known)["itemReviewed"]


# --- author: us, only for our reviews -------------------------------------------------------------------------------


def test_a_claim_whose_only_verdict_is_another_desks_is_not_signed_by_us(client, reviewer):
    theirs = factories.PublishedClaimFactory(reviewer=None)  # an import proposed its verdict; nobody of ours set one
    factories.ExternalReviewFactory(claim=theirs)
    ours_beside_theirs = factories.PublishedClaimFactory(reviewer=reviewer)
    factories.ExternalReviewFactory(claim=ours_beside_theirs)
    ours = factories.PublishedClaimFactory(reviewer=None)  # entered past the services (fixtures, demo): no other desk

    assert client.get(f"/api/v1/claims/{theirs.pk}/claimreview/").status_code == 404
    feed = client.get("/api/v1/claimreview/").json()["dataFeedElement"]
    assert {claim_id(review) for review in feed} == {ours_beside_theirs.pk, ours.pk}
    # Their review is still published with their name and url, where other desks' reviews are.
    reviews = client.get(f"/api/v1/claims/{theirs.pk}/reviews/").json()
    assert [r["publisher_name"] for r in reviews] == ["Example Fact Check"]

    # A reviewer of ours writes the explanation: from then on it is our fact-check.
    claim_update(
        claim_id=theirs.pk,
        user=reviewer,
        data={"explanation": "We checked the figures ourselves."},
        correction_note="We checked the figures ourselves.",
    )
    review = claim_review(client, theirs)
    assert review["author"]["name"] == "factcheck demo desk"
    assert review["reviewBody"] == "We checked the figures ourselves."


# --- the DataFeed -------------------------------------------------------------------------------------------------


def test_data_feed_holds_schema_org_terms_only_and_pages_by_link_header(client):
    published = [factories.PublishedClaimFactory() for _ in range(5)]
    factories.PublishedClaimFactory(status=ClaimStatus.RETRACTED)
    factories.ClaimFactory()
    pages = list(feed_pages(client, "/api/v1/claimreview/?page_size=2"))
    assert len(pages) == 3
    for page in pages:
        assert page["Content-Type"].startswith("application/ld+json")
        body = page.json()
        check_terms(body)
        assert not {"next", "previous"} & set(body)
        assert body["@type"] == "DataFeed"
        assert body["@context"] == "https://schema.org"
        for review in body["dataFeedElement"]:
            check_claim_review(review, with_context=False)
    first, middle, last = (links(page) for page in pages)
    assert set(first) == {"next"}
    assert set(middle) == {"next", "prev"}
    assert set(last) == {"prev"}
    # prev leads back to the page before, by the API's own cursors and page_size.
    assert "page_size=2" in middle["prev"]
    assert "cursor=" in middle["prev"]
    back = client.get(middle["prev"]).json()["dataFeedElement"]
    assert [claim_id(r) for r in back] == [claim_id(r) for r in pages[0].json()["dataFeedElement"]]
    seen = [claim_id(r) for page in pages for r in page.json()["dataFeedElement"]]
    assert seen == sorted((c.pk for c in published), reverse=True)


def test_a_lone_page_has_no_link_header_and_cross_origin_readers_may_read_it(client):
    factories.PublishedClaimFactory()
    response = client.get("/api/v1/claimreview/", headers={"Origin": "https://researcher.example.net"})
    assert "Link" not in response
    factories.PublishedClaimFactory()
    response = client.get("/api/v1/claimreview/?page_size=1", headers={"Origin": "https://researcher.example.net"})
    assert set(links(response)) == {"next"}
    assert "Link" in {h.strip() for h in response["Access-Control-Expose-Headers"].split(",")}


def test_feed_items_are_exactly_the_claims_own_claimreview(client):
    """The feed and the claim's own ClaimReview are one row builder over one selector: each feed item is the claim's
    ClaimReview, and the row carries what the models hold."""
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
        own = claim_review(client, Claim(pk=claim_id(item)))
        assert own.pop("@context") == "https://schema.org"
        assert item == own
    by_id = {claim_id(item): item for item in feed}
    appearances = by_id[with_article.pk]["itemReviewed"]["appearance"]
    assert [a["url"] for a in appearances] == [  # the article, then the others in Appearance's order (dated first)
        with_article.article.url,
        "https://elsewhere.example.org/2",
        "https://elsewhere.example.org/0",
        "https://elsewhere.example.org/1",
    ]
    assert by_id[with_article.pk]["claimReviewed"] == with_article.text
    assert by_id[with_article.pk]["itemReviewed"]["author"]["name"] == "李明"
    assert by_id[with_article.pk]["reviewBody"] == "Because."
    assert dt.datetime.fromisoformat(by_id[no_article.pk]["itemReviewed"]["datePublished"]) == day
    assert "appearance" in by_id[no_article.pk]["itemReviewed"]
    assert "headline" not in by_id[untitled.pk]["itemReviewed"]["firstAppearance"]
    assert "datePublished" not in by_id[untitled.pk]["itemReviewed"]
    published_at = dt.datetime.fromisoformat(by_id[with_article.pk]["datePublished"])
    assert published_at == Claim.objects.get(pk=with_article.pk).published_at  # to the microsecond


def test_the_row_is_the_selectors_column_list():
    claim = factories.PublishedClaimFactory()
    assert tuple(claimreview_row(claim_id=claim.pk)) == CLAIMREVIEW_FIELDS + CLAIMREVIEW_ANNOTATIONS
