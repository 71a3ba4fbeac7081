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
from claims.models import Claim

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


def claim_review(claim: Claim, *, with_context: bool = True) -> dict:
    """The ClaimReview of one published claim (article and appearances already loaded)."""
    article = claim.article
    item: dict = {"@type": "Claim"}
    if claim.claimant:
        item["author"] = {"@type": "Person", "name": claim.claimant}
    first_seen = (article.published_at if article else None) or claim.created_at
    item["datePublished"] = _day(first_seen)
    appearances = []
    if article is not None:
        work = {"@type": "CreativeWork", "url": article.url}
        if article.title:
            work["headline"] = article.title
        item["firstAppearance"] = work
        appearances.append(work)
    appearances += [{"@type": "CreativeWork", "url": a.url} for a in claim.appearances.all() if a.url]
    if appearances:
        item["appearance"] = appearances
    review = {
        "@type": "ClaimReview",
        "url": _site(reverse("api-claim-detail", kwargs={"pk": claim.pk})),
        "claimReviewed": claim.text,
        "datePublished": _day(claim.published_at or claim.reviewed_at),
        "dateModified": claim.updated_at.isoformat() if claim.updated_at else None,
        "author": organization(),
        "reviewRating": review_rating(claim.verdict),
        "itemReviewed": item,
        "inLanguage": claim.language or (article.language if article else "") or None,
    }
    if claim.explanation:
        review["reviewBody"] = claim.explanation
    review = {k: v for k, v in review.items() if v is not None}
    return {"@context": CONTEXT, **review} if with_context else review


def data_feed(claims, *, next_url: str | None, previous_url: str | None) -> dict:
    """One page of the DataFeed; `next`/`previous` (not schema.org terms) link the pages, as in other lists."""
    return {
        "@context": CONTEXT,
        "@type": "DataFeed",
        "name": f"{settings.FACTCHECK_ORGANIZATION_NAME}: fact-checks",
        "publisher": organization(),
        "dataFeedElement": [claim_review(c, with_context=False) for c in claims],
        "next": next_url,
        "previous": previous_url,
    }
