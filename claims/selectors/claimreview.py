"""Published claims as ClaimReview rows (claims.api.claimreview.claim_review_of_row shapes them)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db.models import CharField, QuerySet
from django.db.models.expressions import RawSQL

from factcheck.db import built_once

from .visibility import feed_claims

# What a ClaimReview reads, as plain values, besides ``appearance_urls``.
CLAIMREVIEW_FIELDS = (
    "id",
    "text",
    "claimant",
    "language",
    "verdict",
    "explanation",
    "published_at",
    "reviewed_at",
    "updated_at",
    "created_at",
    "article_id",
    "article__url",
    "article__title",
    "article__published_at",
    "article__language",
)

# The claim's appearance urls in Appearance's own order (appeared_at, id), read in the same statement.
_APPEARANCE_URLS_SQL = (
    "ARRAY(SELECT p.url FROM claims_appearance p WHERE p.claim_id = claims_claim.id AND p.url <> ''"
    " ORDER BY p.appeared_at, p.id)"
)


def claimreview_rows() -> QuerySet:
    """Published claims (retracted ones leave the feed), newest first, as dicts of CLAIMREVIEW_FIELDS and
    ``appearance_urls``."""
    return built_once(("claimreview_rows",), _claimreview_rows)


def _claimreview_rows() -> QuerySet:
    urls = RawSQL(_APPEARANCE_URLS_SQL, (), output_field=ArrayField(CharField()))
    return feed_claims().order_by("-id").annotate(appearance_urls=urls).values(*CLAIMREVIEW_FIELDS, "appearance_urls")


def claimreview_row(*, claim_id: int) -> dict:
    """One published claim's ClaimReview row (Claim.DoesNotExist if it is not published)."""
    return claimreview_rows().get(pk=claim_id)
