"""The verdict card other sites frame (/claims/<id>/embed/) and the oEmbed endpoint that hands it out (/oembed,
https://oembed.com/ section 2)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.translation import gettext
from django.views.decorators.clickjacking import xframe_options_exempt

from ..claim_page import claim_page_context
from ..decorators import public_page
from ..links import absolute
from ..selectors_claimpage import claim_page_digest, claim_page_row
from .claim import BROWSER_MAX_AGE, cacheable, etag_of, if_none_match, page_key

# The card's frame when the consumer sets no bound, and the smallest one it stays readable in.
EMBED_WIDTH, EMBED_HEIGHT = 480, 240
EMBED_MIN_WIDTH, EMBED_MIN_HEIGHT = 200, 120
# How long a consumer may keep an oEmbed answer (oEmbed's cache_age): the card inside the frame is always fresh.
OEMBED_CACHE_AGE = 3600
CLAIM_PAGE_ROUTES = ("public-claim", "public-claim-slug")


def embed_csp() -> str:
    """The public CSP, but framable by FACTCHECK_EMBED_FRAME_ANCESTORS, and links open outside the frame."""
    return (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; form-action 'none'; "
        f"base-uri 'none'; frame-ancestors {settings.FACTCHECK_EMBED_FRAME_ANCESTORS}"
    )


@xframe_options_exempt
def embed(request, claim_id: int):
    # The policy is read per request (a setting, changed in tests and by deployments without a code change).
    return public_page(_embed, csp=embed_csp())(request, claim_id)


def _embed(request, claim_id: int):
    digest = claim_page_digest(claim_id=claim_id)
    if digest is None:
        raise Http404
    etag = etag_of("embed:" + page_key(claim_id=claim_id, digest=digest, request=request))
    if if_none_match(request, etag):
        response = HttpResponseNotModified()
    else:
        row = claim_page_row(claim_id=claim_id)
        if row is None:
            raise Http404
        response = HttpResponse(render_to_string("public/embed.html", claim_page_context(row, request), request))
    return cacheable(response, etag)


class OEmbedError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _bound(request, name: str, default: int, least: int) -> int:
    """`default`, or the consumer's maxwidth / maxheight when smaller (never below `least`); a bad value is a 400."""
    given = request.GET.get(name)
    if given in (None, ""):
        return default
    if not given.isdigit() or int(given) == 0:
        raise OEmbedError(400, gettext("%(name)s must be a positive whole number of pixels.") % {"name": name})
    return max(least, min(default, int(given)))


def _claim_id_of(request, url: str) -> int:
    """The claim of a claim page url of this site (any slug, or none); OEmbedError 404 for any other url."""
    parts = urlsplit(url)
    ours = urlsplit(absolute(request, "/"))
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != ours.netloc.lower():
        raise OEmbedError(404, gettext("Not a claim page of this site."))
    try:
        match = resolve(parts.path)
    except Resolver404:
        match = None
    if match is None or match.url_name not in CLAIM_PAGE_ROUTES:
        raise OEmbedError(404, gettext("Not a claim page of this site."))
    return match.kwargs["claim_id"]


@public_page
def oembed(request):
    try:
        return _oembed(request)
    except OEmbedError as error:
        return JsonResponse({"error": error.message}, status=error.status)


def _oembed(request):
    url = request.GET.get("url", "").strip()
    if not url:
        raise OEmbedError(400, gettext("The url parameter is required: the address of a claim page."))
    if request.GET.get("format", "json") != "json":
        raise OEmbedError(501, gettext("Only format=json is offered."))
    width = _bound(request, "maxwidth", EMBED_WIDTH, EMBED_MIN_WIDTH)
    height = _bound(request, "maxheight", EMBED_HEIGHT, EMBED_MIN_HEIGHT)
    claim_id = _claim_id_of(request, url)
    row = claim_page_row(claim_id=claim_id)
    if row is None:
        raise OEmbedError(404, gettext("No public claim at this address."))
    card = claim_page_context(row, request)
    src = absolute(request, reverse("public-embed", kwargs={"claim_id": claim_id}))
    html = format_html(
        '<iframe src="{}" width="{}" height="{}" title="{}" style="border:0" loading="lazy"></iframe>',
        src,
        width,
        height,
        f"{card['verdict_label']}: {row['text']}",
    )
    data = {
        "type": "rich",
        "version": "1.0",
        "title": row["text"],
        "provider_name": settings.FACTCHECK_ORGANIZATION_NAME,
        "provider_url": absolute(request, reverse("public-home")),
        "cache_age": OEMBED_CACHE_AGE,
        "html": str(html),
        "width": width,
        "height": height,
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    patch_cache_control(response, public=True, max_age=BROWSER_MAX_AGE)
    return response
