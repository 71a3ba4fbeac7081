"""Where a reader opens a claim: one rule for a claim page's address, used by the public site's pages, feeds and
sitemap (public.links) and by the events sent about a claim (claims.events)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.text import slugify

SLUG_MAX_WORDS = 10
SLUG_MAX_CHARS = 80


def claim_slug(text: str) -> str:
    """A readable slug of the claim's text, in its own script; "claim" when nothing is left."""
    words = slugify(text or "", allow_unicode=True).split("-")[:SLUG_MAX_WORDS]
    return "-".join(words)[:SLUG_MAX_CHARS].strip("-") or "claim"


def claim_path(claim_id: int, text: str) -> str:
    """The canonical path of a claim page: /claims/<id>/<slug>/ (/claims/<id>/ redirects there)."""
    return reverse("public-claim-slug", kwargs={"claim_id": claim_id, "slug": claim_slug(text)})


def site_url(path: str) -> str:
    """``path`` under FACTCHECK_SITE_URL; the path alone when that is not set (outside a request nothing else knows
    our address)."""
    return settings.FACTCHECK_SITE_URL.rstrip("/") + path
