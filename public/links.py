"""Where a reader opens things. A claim page's address is claims.links' rule (the events about a claim name it too)."""

from __future__ import annotations

from django.conf import settings

from claims.links import claim_path, claim_slug

__all__ = ["absolute", "claim_path", "claim_slug"]


def absolute(request, path: str) -> str:
    """`path` as an absolute url: under FACTCHECK_SITE_URL, else the scheme and host this request came to."""
    site = settings.FACTCHECK_SITE_URL.rstrip("/")
    return f"{site}{path}" if site else request.build_absolute_uri(path)
