"""schema.org ClaimReview (JSON-LD) for published claims, one by one or as a DataFeed.

Ratings: the graded verdicts map onto 1..5 (false 1, mostly false 2, mixed 3, mostly true 4, true 5) with
bestRating 5 and worstRating 1. `misleading` is rated 2, with mostly false: a misleading claim leaves readers
believing something false even where its pieces are accurate, and aggregators that sort or colour by the number
should put it on the false side, not beside the claims we could not check. `unverifiable` has no number at all,
only its alternateName: it is not a point on the scale. alternateName (the verdict's label) is always given.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from claims.choices import Verdict

RATING = {
    Verdict.FALSE: 1,
    Verdict.MOSTLY_FALSE: 2,
    Verdict.MISLEADING: 2,
    Verdict.MIXED: 3,
    Verdict.MOSTLY_TRUE: 4,
    Verdict.TRUE: 5,
}
CONTEXT = "https://schema.org"


def _site(path: str) -> str:
    return settings.FACTCHECK_SITE_URL.rstrip("/") + path


def organization() -> dict:
    return {
        "@type": "Organization",
        "name": settings.FACTCHECK_ORGANIZATION_NAME,
        "url": settings.FACTCHECK_ORGANIZATION_URL,
    }


def review_rating(verdict: str) -> dict:
    rating = {"@type": "Rating", "alternateName": Verdict(verdict).label}
    if verdict in RATING:
        rating.update(ratingValue=RATING[verdict], bestRating=5, worstRating=1)
    return rating


def _day(value) -> str | None:
    return value.date().isoformat() if value else None


def claim_url_prefix() -> str:
    """A claim's public url without its id and final slash ("https://site/api/v1/claims/")."""
    return _site(reverse("api-claim-list"))


class _Shared:
    """What the ClaimReviews of one response have in common, worked out once: the author (three settings) and
    the rating of each verdict (its label). A feed page of 50 spent a fifth of its time redoing them."""

    def __init__(self) -> None:
        self.author = organization()
        self._ratings: dict[str, dict] = {}

    def rating(self, verdict: str) -> dict:
        rating = self._ratings.get(verdict)
        if rating is None:
            rating = self._ratings[verdict] = review_rating(verdict)
        return rating


def claim_review_of_row(
    row: dict, url_prefix: str, *, with_context: bool = True, shared: _Shared | None = None
) -> dict:
    """The ClaimReview of a row of claimreview_rows (claims.selectors.claimreview)."""
    shared = shared or _Shared()
    has_article = row["article_id"] is not None
    item: dict = {"@type": "Claim"}
    if row["claimant"]:
        item["author"] = {"@type": "Person", "name": row["claimant"]}
    item["datePublished"] = _day(row["article__published_at"] or row["created_at"])
    appearances = []
    if has_article:
        work = {"@type": "CreativeWork", "url": row["article__url"]}
        if row["article__title"]:
            work["headline"] = row["article__title"]
        item["firstAppearance"] = work
        appearances.append(work)
    appearances += [{"@type": "CreativeWork", "url": url} for url in row["appearance_urls"]]
    if appearances:
        item["appearance"] = appearances
    updated_at = row["updated_at"]
    review = {
        "@type": "ClaimReview",
        "url": f"{url_prefix}{row['id']}/",
        "claimReviewed": row["text"],
        "datePublished": _day(row["published_at"] or row["reviewed_at"]),
        "dateModified": updated_at.isoformat() if updated_at else None,
        "author": shared.author,
        "reviewRating": shared.rating(row["verdict"]),
        "itemReviewed": item,
        "inLanguage": row["language"] or (row["article__language"] if has_article else "") or None,
    }
    if row["explanation"]:
        review["reviewBody"] = row["explanation"]
    review = {k: v for k, v in review.items() if v is not None}
    return {"@context": CONTEXT, **review} if with_context else review


def data_feed(rows, *, next_url: str | None, previous_url: str | None) -> dict:
    """One page of the DataFeed from rows of claimreview_rows (claims.selectors.claimreview); `next`/`previous`
    (not schema.org terms) link the pages, as in other lists."""
    prefix, shared = claim_url_prefix(), _Shared()
    return {
        "@context": CONTEXT,
        "@type": "DataFeed",
        "name": f"{settings.FACTCHECK_ORGANIZATION_NAME}: fact-checks",
        "publisher": shared.author,
        "dataFeedElement": [claim_review_of_row(row, prefix, with_context=False, shared=shared) for row in rows],
        "next": next_url,
        "previous": previous_url,
    }
