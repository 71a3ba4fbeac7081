"""schema.org ClaimReview (JSON-LD) of our published reviews, one by one or as a DataFeed.

What each property holds follows Google's "Fact check (ClaimReview) structured data" page
(developers.google.com/search/docs/appearance/structured-data/factcheck) and schema.org's ClaimReview, Claim, Rating
and DataFeed:

- ``url``: Google's "link to the page hosting the full article of the fact check": the public claim page,
  ``/claims/<id>/`` under FACTCHECK_SITE_URL, or under the scheme and host the request came to when that setting is
  empty (claim_page_prefix). Never the API's JSON.
- ``author``: Google's "publisher of the fact check article, not the publisher of the claim": our organisation. Only
  reviews that are ours reach this module (claims.selectors.claimreview.our_reviews).
- ``datePublished``, ``dateModified``: when we published and last changed the review, as schema.org DateTime (the
  time is kept, so a feed read back keeps it).
- ``inLanguage``: schema.org's "language of the content" of the review itself, the explanation's
  (Claim.review_language, else FACTCHECK_REVIEW_LANGUAGE). The quote's language (Claim.language) is the reviewed
  Claim's own ``inLanguage``.
- ``itemReviewed``: a Claim with its ``author`` (the claimant), ``datePublished`` (Google: "the date when the claim
  was made or entered public discourse", claim_made_at) and ``firstAppearance`` / ``appearance``, each a dated
  CreativeWork where the date is known.
- ``reviewRating``: RATING_SCALE.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext

from claims.choices import Verdict

# Google asks for "a number to text rating system for all your fact checks that carry numeric scores", with "the
# closer the numeric rating is to bestRating, the more true it is" and worstRating at least 1; its own example is
# 1 "False" to 5 "True". Each number names exactly one verdict (tests/api/test_claimreview.py holds it one to one).
# Misleading (true pieces, false impression), unverifiable (we could not tell) and unrated are not points between
# false and true: their Rating carries alternateName only, no number to sort or colour by.
RATING_SCALE: dict[str, int] = {
    Verdict.FALSE: 1,
    Verdict.MOSTLY_FALSE: 2,
    Verdict.MIXED: 3,
    Verdict.MOSTLY_TRUE: 4,
    Verdict.TRUE: 5,
}
WORST_RATING, BEST_RATING = min(RATING_SCALE.values()), max(RATING_SCALE.values())
CONTEXT = "https://schema.org"
# The public claim page, /claims/<id>/ (its own issue brings the page; the address is fixed now).
CLAIM_PAGE_PATH = "/claims/"


def claim_page_prefix(request) -> str:
    """The public claim page's url without its id and final slash ("https://site/claims/"): under
    FACTCHECK_SITE_URL, or, when that is empty, under the scheme, host and port this request came to."""
    site = settings.FACTCHECK_SITE_URL.rstrip("/")
    return f"{site}{CLAIM_PAGE_PATH}" if site else request.build_absolute_uri(CLAIM_PAGE_PATH)


def organization() -> dict:
    return {
        "@type": "Organization",
        "name": settings.FACTCHECK_ORGANIZATION_NAME,
        "url": settings.FACTCHECK_ORGANIZATION_URL,
    }


def review_rating(verdict: str) -> dict:
    """The Rating of a verdict: its label as alternateName, and its number on RATING_SCALE when it has one."""
    rating = {"@type": "Rating", "alternateName": str(Verdict(verdict).label)}
    if verdict in RATING_SCALE:
        rating.update(ratingValue=RATING_SCALE[verdict], bestRating=BEST_RATING, worstRating=WORST_RATING)
    return rating


def claim_made_at(
    *, claimed_at: datetime | None, article_published_at: datetime | None, first_appeared_at: datetime | None
) -> datetime | None:
    """When the claim was made or entered public discourse: the date a person gave it (Claim.claimed_at), else the
    earliest place we saw it (its article, or an appearance). None when nothing says: never the day it was stored or
    imported."""
    if claimed_at is not None:
        return claimed_at
    seen = [moment for moment in (article_published_at, first_appeared_at) if moment is not None]
    return min(seen) if seen else None


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _work(url: str, published_at: datetime | None) -> dict:
    """A CreativeWork the claim appears in, dated when we know the date (as in Google's own example)."""
    work = {"@type": "CreativeWork", "url": url}
    if published_at is not None:
        work["datePublished"] = published_at.isoformat()
    return work


class _Shared:
    """What the ClaimReviews of one response have in common, worked out once: the author (three settings), the
    default review language and the rating of each verdict (its label). A feed page of 50 spent a fifth of its time
    redoing them."""

    def __init__(self) -> None:
        self.author = organization()
        self.review_language = settings.FACTCHECK_REVIEW_LANGUAGE
        self._ratings: dict[str, dict] = {}

    def rating(self, verdict: str) -> dict:
        rating = self._ratings.get(verdict)
        if rating is None:
            rating = self._ratings[verdict] = review_rating(verdict)
        return rating


def claim_review_of_row(
    row: dict, page_prefix: str, *, with_context: bool = True, shared: _Shared | None = None
) -> dict:
    """The ClaimReview of a row of claimreview_rows (claims.selectors.claimreview); ``page_prefix`` is
    claim_page_prefix()."""
    shared = shared or _Shared()
    has_article = row["article_id"] is not None
    item: dict = {"@type": "Claim"}
    if row["claimant"]:
        item["author"] = {"@type": "Person", "name": row["claimant"]}
    made_at = claim_made_at(
        claimed_at=row["claimed_at"],
        article_published_at=row["article__published_at"],
        first_appeared_at=row["first_appeared_at"],
    )
    if made_at is not None:
        item["datePublished"] = made_at.isoformat()
    quote_language = row["language"] or (row["article__language"] if has_article else "")
    if quote_language:
        item["inLanguage"] = quote_language
    appearances = []
    if has_article:
        work = _work(row["article_url"], row["article__published_at"])
        if row["article_title"]:
            work["headline"] = row["article_title"]
        item["firstAppearance"] = work
        appearances.append(work)
    appearances += map(_work, row["appearance_urls"], row["appearance_dates"])
    if appearances:
        item["appearance"] = appearances
    review = {
        "@type": "ClaimReview",
        "url": f"{page_prefix}{row['id']}/",
        "claimReviewed": row["text"],
        "datePublished": _moment(row["published_at"] or row["reviewed_at"]),
        "dateModified": _moment(row["updated_at"]),
        "author": shared.author,
        "reviewRating": shared.rating(row["verdict"]),
        "itemReviewed": item,
        "inLanguage": row["review_language"] or shared.review_language,
    }
    if row["explanation"]:
        review["reviewBody"] = row["explanation"]
    review = {k: v for k, v in review.items() if v is not None}
    return {"@context": CONTEXT, **review} if with_context else review


def data_feed(rows, *, page_prefix: str) -> dict:
    """One page of the DataFeed from rows of claimreview_rows (claims.selectors.claimreview). Only schema.org terms:
    the neighbouring pages are in the response's Link header (KeysetPagination.link_header), not in the body."""
    shared = _Shared()
    return {
        "@context": CONTEXT,
        "@type": "DataFeed",
        "name": gettext("%(organization)s: fact-checks") % {"organization": settings.FACTCHECK_ORGANIZATION_NAME},
        "publisher": shared.author,
        "dataFeedElement": [claim_review_of_row(row, page_prefix, with_context=False, shared=shared) for row in rows],
    }
