"""The claim page and the verdict card built from a claim's detail row: what they show, said once, so the page, its
ClaimReview, its Open Graph tags and the card agree."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from claims.api.claimreview import claim_made_at, claim_page_prefix, claim_review_of_row
from claims.choices import ClaimStatus, Stance, Verdict
from claims.selectors.claimreview import is_our_review
from sources.choices import Health

from .links import absolute, claim_path

# A claim text holding "</script>" or "<!--" must stay data: these become JSON's \u escapes, which a JSON parser
# reads back as the same characters (as Django's json_script does).
_JSON_IN_HTML = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}

DESCRIPTION_MAX_CHARS = 300
# og:locale is language_TERRITORY; Django's to_locale gives zh_Hans, which Open Graph readers do not know.
OG_LOCALES = {"en": "en_US", "zh-hans": "zh_CN"}


def verdict_label(verdict: str) -> str:
    """The verdict's label in the page's language: the coloured label's text, og:description's and the
    ClaimReview's reviewRating.alternateName."""
    return str(Verdict(verdict).label)


def review_language(row: dict) -> str:
    """The language our text and explanation are written in."""
    return row["review_language"] or settings.FACTCHECK_REVIEW_LANGUAGE


def quote_language(row: dict) -> str:
    """The quote's language: the claim's own, else its article's (as the ClaimReview's itemReviewed says)."""
    return row["language"] or row["article__language"] or ""


def ld_json(data: dict) -> SafeString:
    """`data` as JSON that is safe inside <script type="application/ld+json">."""
    text = json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder, separators=(",", ":"))
    return mark_safe(text.translate(_JSON_IN_HTML))


def shows_claim_review(row: dict) -> bool:
    """A published review of ours carries a ClaimReview. A retracted one does not (it left our ClaimReview feed, and
    a search engine should stop showing it); nor does a claim whose only verdict is another desk's (theirs to sign,
    claims.selectors.claimreview.our_reviews)."""
    ours = is_our_review(
        has_reviewer=row["reviewer__username"] is not None, has_external_reviews=bool(row["external_reviews"])
    )
    return row["status"] == ClaimStatus.PUBLISHED and ours


def claim_review(row: dict, request, canonical_url: str) -> dict:
    """The page's ClaimReview: the one builder's (claims.api.claimreview), its url this page's canonical url."""
    review = claim_review_of_row(row, claim_page_prefix(request))
    review["url"] = canonical_url
    return review


def _capture(claim_id: int, capture: dict | None) -> dict | None:
    """Our capture of a source that is gone or drifted ("as we cited it"): the claim detail row holds one only for
    those (claims.selectors.claims EVIDENCE_CAPTURE_FIELDS)."""
    if capture is None:
        return None
    return {
        "url": reverse("public-capture", args=[claim_id, capture["id"]]),
        "sha256": capture["sha256"],
        "fetched_at": capture["fetched_at"],
    }


def _evidence(item: dict, claim_id: int) -> dict:
    source = item["source"]
    dead = source["health"] == Health.DEAD
    return {
        "capture": _capture(claim_id, item["capture"]),
        "stance": item["stance"],
        "stance_label": Stance(item["stance"]).label,
        "excerpt": item["excerpt"],
        "url": source["url"],
        "title": source["title"] or source["url"],
        "dead": dead,
        "archive_url": source["archive_url"],
        "archived_at": source["archived_at"],
    }


def claim_page_context(row: dict, request) -> dict:
    """Everything the claim page template shows, from the claim's detail row."""
    path = claim_path(row["id"], row["text"])
    canonical_url = absolute(request, path)
    label = verdict_label(row["verdict"])
    has_article = row["article_id"] is not None
    made_at = claim_made_at(
        claimed_at=row["claimed_at"],
        article_published_at=row["article__published_at"],
        first_appeared_at=row["first_appeared_at"],
    )
    description = f"{label}: {row['text']}"
    if len(description) > DESCRIPTION_MAX_CHARS:
        description = description[: DESCRIPTION_MAX_CHARS - 1].rstrip() + "…"
    oembed = reverse("public-oembed")
    language = translation.get_language()
    return {
        "claim": row,
        "path": path,
        "canonical_url": canonical_url,
        "verdict": row["verdict"],
        "verdict_label": label,
        "retracted": row["status"] == ClaimStatus.RETRACTED,
        "quote_language": quote_language(row),
        "review_language": review_language(row),
        "made_at": made_at,
        "article": {
            "url": row["article_url"],
            "title": row["article_title"],
            "outlet": row["article__outlet"],
            "published_at": row["article__published_at"],
            "language": row["article__language"],
        }
        if has_article
        else None,
        "evidence": [_evidence(item, row["id"]) for item in row["evidence"]],
        "external_reviews": row["external_reviews"],
        "tags": sorted(row["tag_names"]),
        "report_url": f"{reverse('public-tips')}?claim={row['id']}",
        "og_title": row["text"],
        "og_description": description,
        "og_locale": OG_LOCALES.get(language, translation.to_locale(language)),
        "oembed_url": absolute(request, oembed) + "?" + urlencode({"url": canonical_url, "format": "json"}),
        "claim_review": ld_json(claim_review(row, request, canonical_url)) if shows_claim_review(row) else None,
    }
