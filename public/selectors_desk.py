"""Reads of the desk's pages and of what the tip form shows."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Case, IntegerField, Value, When

from claims.models import Claim
from claims.selectors.visibility import public_claims
from claims.similarity import similar_claims

from .models import Page

# What the tip form and its thank-you page show of a claim: its text, verdict and address.
CLAIM_SHOWN_FIELDS = ("id", "text", "verdict", "status", "language", "review_language")


def page_get(*, slug: str, language: str) -> Page | None:
    """The page in `language`, else in English (LANGUAGE_CODE); None when neither exists. One statement."""
    return (
        Page.objects.filter(slug=slug, language__in={language, settings.LANGUAGE_CODE})
        .order_by(Case(When(language=language, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .first()
    )


def tip_reported_claim(*, claim_id: int) -> Claim | None:
    """The public claim a reader reports an error in; None for a draft, a claim in review or no claim."""
    return public_claims().filter(pk=claim_id).only(*CLAIM_SHOWN_FIELDS).first()


def tip_already_checked(*, text: str) -> Claim | None:
    """The public fact-check that best matches a tip's text at SIMILAR_CLAIMS_SUGGEST_THRESHOLD, if one does."""
    found = similar_claims(text=text, queryset=public_claims(), limit=1)
    return found[0].claim if found else None
