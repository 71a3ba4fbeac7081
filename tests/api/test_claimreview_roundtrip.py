"""The round trip (issue 15): our ClaimReview DataFeed, exported page by page and read back by
``import_claimreview --own --publish`` into a database emptied of claims, keeps each review's rating text and time.

One database stands in for two: the export is written to files, every claim, article and source is deleted, and the
files are imported with the command a desk migrating its archive would run. Assertions marked IMPORTER hold the
importer (claims/importers, reworked in parallel) to what it reads; the others hold our export to itself.
"""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from claims.choices import ClaimStatus, Verdict
from claims.models import Appearance, Article, Claim
from sources.models import Source
from tests import factories

from .test_claimreview import check_terms, feed_pages

pytestmark = pytest.mark.django_db

SITE = "https://factcheck.example.org"

# Texts far apart, so the importer's similar-claims linking has nothing to join.
TEXTS = {
    Verdict.TRUE: "The city council approved the new tram line in March.",
    Verdict.MOSTLY_TRUE: "Wheat exports doubled over the last decade according to customs data.",
    Verdict.MIXED: "沙特阿拉伯今年的石油产量创下历史新高。",
    Verdict.MOSTLY_FALSE: "A vaccine trial in Brazil enrolled only children under five.",
    Verdict.FALSE: "OpenAI says Sora will never be offered in Switzerland.",
    Verdict.MISLEADING: "Unemployment fell because thousands of jobs were created by the ministry.",
    Verdict.UNVERIFIABLE: "A secret meeting took place aboard a yacht near Monaco last summer.",
}


# The one claim known by a person's date alone (Claim.claimed_at): no article, no appearance.
DATED_ALONE = TEXTS[Verdict.MIXED]


def _at(day: int, hour: int, micro: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2023, 10, day, hour, 7, 45, micro), dt.UTC)


def _published_claims() -> dict[str, Claim]:
    claims = {}
    for day, (verdict, text) in enumerate(TEXTS.items(), start=1):
        # Most claims come from an article, one only from an appearance, one is dated by a person alone.
        without_article = text == DATED_ALONE or verdict == Verdict.MISLEADING
        article = None if without_article else factories.ArticleFactory(published_at=_at(day, 6))
        claim = factories.PublishedClaimFactory(
            text=text,
            verdict=verdict,
            claimant=f"Speaker {day}",
            explanation=f"Our explanation of claim {day}.",
            article=article,
            reviewed_at=_at(day + 10, 9),
            published_at=_at(day + 10, 18, micro=123456 * day % 1_000_000),
            claimed_at=_at(day, 3) if text == DATED_ALONE else None,
        )
        if article is None and text != DATED_ALONE:
            Appearance.objects.create(
                claim=claim, url=f"https://social.example.net/post/{day}", appeared_at=_at(day, 5)
            )
        claims[text] = claim
    return claims


def _export(client, tmp_path, tag: str) -> tuple[list, dict[str, dict]]:
    """The whole feed, page by page (3 a page), as files; and its items by claim text."""
    files, items = [], {}
    for number, page in enumerate(feed_pages(client, "/api/v1/claimreview/?page_size=3")):
        body = page.json()
        check_terms(body)
        path = tmp_path / f"{tag}-{number}.jsonld"
        path.write_bytes(page.content)
        files.append(str(path))
        items.update({review["claimReviewed"]: review for review in body["dataFeedElement"]})
    return files, items


def _appearance_urls(review: dict) -> set[str]:
    item = review["itemReviewed"]
    works = [*item.get("appearance", []), *([item["firstAppearance"]] if "firstAppearance" in item else [])]
    return {work["url"] for work in works}


@pytest.mark.usefixtures("one_person_desk")
def test_export_then_import_keeps_the_rating_text_and_the_review_time(client, settings, tmp_path):
    settings.FACTCHECK_SITE_URL = SITE
    originals = _published_claims()
    files, exported = _export(client, tmp_path, "first")
    assert set(exported) == set(TEXTS.values())
    assert len(files) == 3  # paged through the Link header
    before = {
        text: (claim.verdict, claim.published_at, json.dumps(exported[text]["reviewRating"]))
        for text, claim in originals.items()
    }

    # A fresh database, as far as claims go.
    Claim.objects.all().delete()
    Article.objects.all().delete()
    Source.objects.all().delete()
    assert not Claim.objects.exists()

    out = io.StringIO()
    call_command("import_claimreview", *files, "--own", "--publish", stdout=out)
    assert f"{len(TEXTS)} created" in out.getvalue(), out.getvalue()  # IMPORTER: one claim per review, none linked

    for text, (verdict, published_at, _) in before.items():
        claim = Claim.objects.get(text=text)
        rating = exported[text]["reviewRating"]
        # Our export: the rating text is the verdict's label, the review time to the microsecond.
        assert rating["alternateName"] == Verdict(verdict).label
        assert dt.datetime.fromisoformat(exported[text]["datePublished"]) == published_at
        # IMPORTER: the rating text kept verbatim and read back as the same verdict.
        assert claim.original_rating == rating["alternateName"]
        assert claim.verdict == verdict
        # IMPORTER: the review time is the review's datePublished, not the day of the import.
        assert claim.reviewed_at == published_at
        # IMPORTER (--publish): published, at the time the review was published.
        assert claim.status == ClaimStatus.PUBLISHED
        assert claim.published_at == published_at

    # Exported again from the imported claims, every review says what it said before.
    _, again = _export(client, tmp_path, "second")
    assert set(again) == set(exported)
    for text, review in exported.items():
        second = again[text]
        assert json.dumps(second["reviewRating"]) == before[text][2]
        assert second["datePublished"] == review["datePublished"]
        assert second["reviewBody"] == review["reviewBody"]
        assert second["author"] == review["author"]
        # IMPORTER: the claimant, the claim's own date and where it appeared come back too.
        assert second["itemReviewed"]["author"] == review["itemReviewed"]["author"]
        if text != DATED_ALONE:  # test_a_claim_date_without_an_appearance_survives_the_round_trip
            assert second["itemReviewed"]["datePublished"] == review["itemReviewed"]["datePublished"], text
        assert _appearance_urls(second) == _appearance_urls(review), text
        assert second["url"].startswith(f"{SITE}/claims/")


def test_a_claim_date_without_an_appearance_survives_the_round_trip(client, settings, tmp_path):
    settings.FACTCHECK_SITE_URL = SITE
    claim = _published_claims()[DATED_ALONE]
    files, exported = _export(client, tmp_path, "first")
    assert dt.datetime.fromisoformat(exported[DATED_ALONE]["itemReviewed"]["datePublished"]) == claim.claimed_at
    Claim.objects.all().delete()
    Article.objects.all().delete()
    Source.objects.all().delete()
    call_command("import_claimreview", *files, "--own", "--publish", stdout=io.StringIO())
    assert Claim.objects.get(text=DATED_ALONE).claimed_at == claim.claimed_at


def test_the_review_language_survives_the_round_trip(client, settings, tmp_path):
    settings.FACTCHECK_SITE_URL = SITE
    settings.FACTCHECK_REVIEW_LANGUAGE = "en"
    factories.PublishedClaimFactory(text=TEXTS[Verdict.MIXED], language="zh-Hans", review_language="fr")
    files, exported = _export(client, tmp_path, "first")
    assert exported[TEXTS[Verdict.MIXED]]["inLanguage"] == "fr"
    assert exported[TEXTS[Verdict.MIXED]]["itemReviewed"]["inLanguage"] == "zh-Hans"
    Claim.objects.all().delete()
    Article.objects.all().delete()
    Source.objects.all().delete()
    call_command("import_claimreview", *files, "--own", "--publish", stdout=io.StringIO())
    claim = Claim.objects.get(text=TEXTS[Verdict.MIXED])
    assert (claim.review_language, claim.language) == ("fr", "zh-Hans")
