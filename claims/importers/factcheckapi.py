"""Google Fact Check Tools API responses (``claims:search``): each claim's ``claimReview`` entries as ClaimReviews.

Desks and researchers save these responses; they are not schema.org, so each review is rewritten as the
ClaimReview it summarises (the fields map one to one) and the item's own JSON is kept beside it as received.
Shape: {"claims": [{"text", "claimant", "claimDate", "claimReview": [{"publisher": {"name", "site"}, "url",
"title", "reviewDate", "textualRating", "languageCode"}]}], "nextPageToken"}.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def is_fact_check_claim(obj: Any) -> bool:
    """A claim object of the API: its text and a list of reviews (no @type, which schema.org items have)."""
    return isinstance(obj, dict) and "@type" not in obj and isinstance(obj.get("claimReview"), list)


def _publisher(publisher: Any) -> dict | None:
    if not isinstance(publisher, dict):
        return None
    name, site = publisher.get("name"), publisher.get("site")
    found = {"@type": "Organization"}
    if isinstance(name, str) and name.strip():
        found["name"] = name
    if isinstance(site, str) and site.strip():
        found["url"] = site if "://" in site else f"https://{site.strip().strip('/')}/"
    return found if len(found) > 1 else None


def claimreviews_of_fact_check_claim(claim: dict) -> Iterator[tuple[dict, dict]]:
    """(the ClaimReview it summarises, the API's item as received: the claim with this one review) per review."""
    item: dict = {"@type": "Claim"}
    if claim.get("claimant"):
        item["author"] = {"@type": "Person", "name": claim["claimant"]}
    if claim.get("claimDate"):
        item["datePublished"] = claim["claimDate"]
    rest = {key: value for key, value in claim.items() if key != "claimReview"}
    for review in claim["claimReview"]:
        if not isinstance(review, dict):
            continue
        converted: dict = {
            "@type": "ClaimReview",
            "claimReviewed": claim.get("text"),
            "url": review.get("url"),
            "itemReviewed": item,
        }
        optional = {
            "headline": review.get("title"),
            "datePublished": review.get("reviewDate"),
            "inLanguage": review.get("languageCode"),
            "author": _publisher(review.get("publisher")),
        }
        converted.update({key: value for key, value in optional.items() if value})
        if review.get("textualRating"):
            converted["reviewRating"] = {"@type": "Rating", "alternateName": review["textualRating"]}
        yield converted, {**rest, "claimReview": [review]}
