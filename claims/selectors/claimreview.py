"""Our published reviews as ClaimReview rows (claims.api.claimreview.claim_review_of_row shapes them)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db.models import CharField, DateTimeField, Exists, F, OuterRef, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.lookups import IsNull

from factcheck.db import built_once

from ..models import Claim, ExternalReview
from .visibility import feed_claims

# What a ClaimReview reads, as plain values, besides the annotations below (CLAIMREVIEW_ANNOTATIONS).
CLAIMREVIEW_FIELDS = (
    "id",
    "text",
    "claimant",
    "claimed_at",
    "language",
    "review_language",
    "verdict",
    "explanation",
    "published_at",
    "reviewed_at",
    "updated_at",
    "article_id",
    "article_url",
    "article_title",
    "article__published_at",
    "article__language",
)

# The claim's appearances with a url, in Appearance's own order (appeared_at, id): their urls, and their dates in
# the same order; and the earliest date it was seen anywhere (an appearance known by date alone counts). Read in
# the same statement. {claim} is the claim's id column: claims_claim.id here, c.id in the claim detail's statement
# (claims.selectors.claims), which reads them for the claim page's ClaimReview.
APPEARANCES_SQL = (
    "ARRAY(SELECT p.{column} FROM claims_appearance p WHERE p.claim_id = {claim} AND p.url <> ''"
    " ORDER BY p.appeared_at, p.id)"
)
FIRST_APPEARED_AT_SQL = "(SELECT min(p.appeared_at) FROM claims_appearance p WHERE p.claim_id = {claim})"
CLAIMREVIEW_ANNOTATIONS = ("appearance_urls", "appearance_dates", "first_appeared_at")


def our_reviews(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """``claims`` narrowed to those whose review is ours to sign as `author`: a reviewer of ours set the verdict or
    the explanation (claims.services stamps Claim.reviewer then, and only then), or no other desk's review came with
    the claim.

    A claim whose only verdict is another desk's (its ExternalReview rows, imported, and no reviewer of ours since)
    is their fact-check, not ours: Google's page has ClaimReview `author` be "the publisher of the fact check
    article" and `url` the page hosting it, which is theirs. Their review stays at /api/v1/claims/{id}/reviews/,
    with their url, name and rating."""
    # One NOT EXISTS with the reviewer test inside: PostgreSQL runs it as an anti-join probing the review index per
    # row of the page. Written as "reviewer set OR NOT EXISTS", it hashed every ExternalReview on each page read.
    theirs = ExternalReview.objects.filter(IsNull(OuterRef("reviewer_id"), True), claim_id=OuterRef("pk"))
    return claims.filter(~Exists(theirs))


def is_our_review(*, has_reviewer: bool, has_external_reviews: bool) -> bool:
    """our_reviews' rule for one claim already read (the claim page reads its detail row, reviewer and other desks'
    reviews included): ours unless another desk's review came with it and no reviewer of ours has worked on it.
    tests/public/test_claim_page.py holds the two spellings equal."""
    return has_reviewer or not has_external_reviews


def claimreview_rows() -> QuerySet:
    """Our published reviews (retracted claims leave the feed; our_reviews), newest first, as dicts of
    CLAIMREVIEW_FIELDS and CLAIMREVIEW_ANNOTATIONS."""
    return built_once(("claimreview_rows",), _claimreview_rows)


def _claimreview_rows() -> QuerySet:
    claim = "claims_claim.id"
    urls = RawSQL(APPEARANCES_SQL.format(column="url", claim=claim), (), output_field=ArrayField(CharField()))
    dates = RawSQL(
        APPEARANCES_SQL.format(column="appeared_at", claim=claim), (), output_field=ArrayField(DateTimeField())
    )
    first_appeared_at = RawSQL(FIRST_APPEARED_AT_SQL.format(claim=claim), (), output_field=DateTimeField())
    return (
        our_reviews(feed_claims())
        .order_by("-id")
        .annotate(
            appearance_urls=urls,
            appearance_dates=dates,
            first_appeared_at=first_appeared_at,
            # Named as the list and detail rows name them (claims.selectors.claims), for claim_review_of_row.
            article_url=F("article__url"),
            article_title=F("article__title"),
        )
        .values(*CLAIMREVIEW_FIELDS, *CLAIMREVIEW_ANNOTATIONS)
    )


def claimreview_row(*, claim_id: int) -> dict:
    """One published claim's ClaimReview row (Claim.DoesNotExist if it is not published, or not our review)."""
    return claimreview_rows().get(pk=claim_id)
