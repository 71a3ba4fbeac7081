"""The claim page: /claims/<id>/ and its canonical /claims/<id>/<slug>/.

Cached whole, per claim, language and digest of everything the page shows (public.selectors_claimpage): a warm
request is that one indexed statement and a cache get. The digest is computed from the rows themselves, so any
write (a service, an ORM update(), the link checker, a correction) makes a new key; the old entry simply ages out.
"""

from __future__ import annotations

import copy
import hashlib

from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseNotModified, HttpResponsePermanentRedirect
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_cache_control

from claims.selectors.corrections import claim_correction_log

from ..claim_page import claim_page_context
from ..decorators import public_page
from ..links import absolute, claim_slug
from ..reads import record_read
from ..selectors_claimpage import claim_page_digest, claim_page_row

# Raised when the page's template or context changes shape: entries rendered by older code are then never read.
PAGE_FORMAT = 2
# How long a rendered page stays in the cache; a change makes a new key at once, so this only bounds memory.
PAGE_CACHE_SECONDS = 24 * 60 * 60
# Browsers and shared caches may reuse the page for a minute, then ask again (a 304 when nothing changed), so a
# correction reaches every reader within a minute.
BROWSER_MAX_AGE = 60


def page_key(*, claim_id: int, digest: str, request) -> str:
    """The cache key (and, hashed, the ETag) of one rendering: the claim, what it shows, the language, and the site
    the absolute urls in it point at (FACTCHECK_SITE_URL, or the request's host when that is empty)."""
    site = hashlib.md5(absolute(request, "/").encode(), usedforsecurity=False).hexdigest()[:8]
    return f"public:claim:{PAGE_FORMAT}:{claim_id}:{translation.get_language()}:{site}:{digest}"


def etag_of(key: str) -> str:
    return f'"{hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()}"'


def if_none_match(request, etag: str) -> bool:
    sent = request.headers.get("If-None-Match", "")
    return sent.strip() == "*" or etag in (tag.strip().removeprefix("W/") for tag in sent.split(","))


def _render(request, claim_id: int) -> tuple[str, str, str] | None:
    """(the canonical slug and path, the page's HTML), or None when the claim stopped being public since the
    digest."""
    row = claim_page_row(claim_id=claim_id)
    if row is None:
        return None
    # The page's own part: its public correction log (the verdict card shares the rest of the context, not this).
    context = {**claim_page_context(row, request), "correction_log": claim_correction_log(claim_id=claim_id)}
    path = context["path"]
    # Rendered as if asked at its canonical address with no query: one rendering serves every reader, so nothing of
    # this request's own address (the language switch's "next") may end up in it.
    canonical_request = copy.copy(request)
    canonical_request.path, canonical_request.META = path, {**request.META, "QUERY_STRING": ""}
    return claim_slug(row["text"]), path, render_to_string("public/claim.html", context, request=canonical_request)


def cacheable(response, etag: str):
    """The ETag and Cache-Control of a claim page or its verdict card."""
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=BROWSER_MAX_AGE, must_revalidate=True)
    return response


@public_page
def claim_page(request, claim_id: int, slug: str | None = None):
    digest = claim_page_digest(claim_id=claim_id)
    if digest is None:
        raise Http404
    key = page_key(claim_id=claim_id, digest=digest, request=request)
    entry = cache.get(key)
    if entry is None:
        entry = _render(request, claim_id)
        if entry is None:
            raise Http404
        cache.set(key, entry, PAGE_CACHE_SECONDS)
    canonical_slug, path, html = entry
    if slug != canonical_slug:
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)  # /claims/<id>/, any other slug
    record_read(claim_id)  # a 304 is a read too: the reader's browser showed the page again
    etag = etag_of(key)
    if if_none_match(request, etag):
        return cacheable(HttpResponseNotModified(), etag)
    return cacheable(HttpResponse(html), etag)
