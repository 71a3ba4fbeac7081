"""The feeds (Atom and JSON Feed 1.1) of the latest fact-checks, the sitemap and robots.txt.

Retracted fact-checks stay in the feeds, marked "Retracted" in their title with a newer date_modified/updated: a
feed reader keeps the item it already fetched, and only an update of the same item tells its readers that the
verdict they saw no longer stands (dropping it would leave the old verdict standing there).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.contrib.syndication.views import Feed
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .. import selectors_listing
from ..decorators import public_page
from ..links import absolute
from ..selectors_listing import ListedClaim

FEED_LENGTH = 50


@dataclass(frozen=True)
class FeedEntry:
    claim: ListedClaim
    url: str  # the canonical page, absolute
    id: str  # /claims/<id>/ absolute: stays the same when an edit of the text changes the slug


def feed_entries(request) -> list[FeedEntry]:
    """The newest FEED_LENGTH public fact-checks with their absolute urls: one statement, shared by both feeds."""
    claims = selectors_listing.latest_claims(limit=FEED_LENGTH, with_explanation=True)
    return [
        FeedEntry(
            claim=claim,
            url=absolute(request, claim.path),
            id=absolute(request, reverse("public-claim", kwargs={"claim_id": claim.id})),
        )
        for claim in claims
    ]


def entry_title(claim: ListedClaim) -> str:
    title = f"{claim.verdict_label}: {claim.text}"
    return _("Retracted: %(title)s") % {"title": title} if claim.retracted else title


def claim_line(*, verdict_label: str, claimant: str, text: str) -> str:
    """One line a reader can skim: the verdict, who claimed it, and the claim (this feed's and the changes feeds')."""
    if claimant:
        return _("%(verdict)s. %(claimant)s claimed: %(text)s") % {
            "verdict": verdict_label,
            "claimant": claimant,
            "text": text,
        }
    return f"{verdict_label}. {text}"


def entry_summary(claim: ListedClaim) -> str:
    return claim_line(verdict_label=claim.verdict_label, claimant=claim.claimant, text=claim.text)


def paragraphs_html(text: str) -> str:
    """Plain text's paragraphs as escaped HTML, for Atom's type="html" summary."""
    return "".join(format_html("<p>{}</p>", part) for part in text.split("\n\n"))


def organisation() -> dict[str, str]:
    """Who publishes the feeds, as JSON Feed's author object."""
    return {"name": settings.FACTCHECK_ORGANIZATION_NAME, "url": settings.FACTCHECK_ORGANIZATION_URL}


def entry_text(claim: ListedClaim) -> str:
    lines = [entry_summary(claim)]
    if claim.retracted:
        lines.insert(0, _("This fact-check has been retracted; see its page for the correction."))
    if claim.explanation:
        lines.append(claim.explanation)
    return "\n\n".join(lines)


def feed_title() -> str:
    return _("%(site)s: latest fact-checks") % {"site": settings.FACTCHECK_ORGANIZATION_NAME}


class LanguageTaggedAtomFeed(Atom1Feed):
    """Atom with each entry's xml:lang: the language our text and explanation are written in."""

    def item_attributes(self, item):
        attributes = super().item_attributes(item)
        if item.get("lang"):
            attributes["xml:lang"] = item["lang"]
        return attributes


class AtomFeed(Feed):
    feed_type = LanguageTaggedAtomFeed

    @method_decorator(public_page)
    def __call__(self, request, *args, **kwargs):
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, *args, **kwargs):
        return request  # the urls are absolute by public.links.absolute, which needs the request

    def title(self, request):
        return feed_title()

    def subtitle(self, request):
        return _("Verdicts, newest first, with the evidence on each page.")

    def link(self, request):
        return absolute(request, reverse("public-home"))

    def feed_url(self, request):
        return absolute(request, reverse("public-feed-atom"))

    def feed_guid(self, request):
        return self.feed_url(request)

    def author_name(self, request):
        return settings.FACTCHECK_ORGANIZATION_NAME

    def author_link(self, request):
        return settings.FACTCHECK_ORGANIZATION_URL

    def items(self, request):
        return feed_entries(request)

    def item_title(self, entry: FeedEntry):
        return entry_title(entry.claim)  # Atom's title is text: the generator escapes it

    def item_description(self, entry: FeedEntry):
        return paragraphs_html(entry_text(entry.claim))  # Atom's summary is type="html": escaped, paragraphs kept

    def item_link(self, entry: FeedEntry):
        return entry.url

    def item_guid(self, entry: FeedEntry):
        return entry.id

    def item_pubdate(self, entry: FeedEntry):
        return entry.claim.published_at

    def item_updateddate(self, entry: FeedEntry):
        return entry.claim.updated_at

    def item_categories(self, entry: FeedEntry):
        return entry.claim.tags

    def item_extra_kwargs(self, entry: FeedEntry):
        return {"lang": entry.claim.review_language}


JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def rfc3339(moment) -> str | None:
    return moment.isoformat() if moment else None


@public_page
def json_feed(request):
    """JSON Feed 1.1 (jsonfeed.org/version/1.1) of the same entries as the Atom feed."""
    authors = [organisation()]
    items = []
    for entry in feed_entries(request):
        claim = entry.claim
        item = {
            "id": entry.id,
            "url": entry.url,
            "title": entry_title(claim),
            "content_text": entry_text(claim),
            "summary": entry_summary(claim),
            "date_published": rfc3339(claim.published_at),
            "date_modified": rfc3339(claim.updated_at),
            "language": claim.review_language,
            "tags": list(claim.tags),
            "authors": authors,
            # An extension (names starting "_" are ours by the spec): the verdict as data, for machines.
            "_factcheck": {"verdict": claim.verdict, "retracted": claim.retracted, "claim_language": claim.language},
        }
        items.append({key: value for key, value in item.items() if value not in (None, [])})
    feed = {
        "version": JSON_FEED_VERSION,
        "title": feed_title(),
        "home_page_url": absolute(request, reverse("public-home")),
        "feed_url": absolute(request, reverse("public-feed-json")),
        "description": _("Verdicts, newest first, with the evidence on each page."),
        "language": get_language(),
        "authors": authors,
        "items": items,
    }
    return json_feed_response(feed)


def json_feed_response(feed: dict) -> HttpResponse:
    """A JSON Feed as UTF-8 (Chinese stays readable, not \\u-escaped)."""
    return HttpResponse(
        json.dumps(feed, ensure_ascii=False, indent=1), content_type="application/feed+json; charset=utf-8"
    )


# --- The sitemap: an index of the static pages' sitemap and the claims' sitemaps, one per id range ------------------

# Ids per claims sitemap: far under the protocol's 50,000 urls, and a page Django's template renders quickly.
CLAIMS_PER_SITEMAP = 2_000


class SiteUrlSitemap(Sitemap):
    """Locations under FACTCHECK_SITE_URL when it is set (public.links.absolute's rule), else the request's host."""

    def get_urls(self, page=1, site=None, protocol=None):
        if settings.FACTCHECK_SITE_URL:
            parts = urlsplit(settings.FACTCHECK_SITE_URL)
            return self._urls(page, parts.scheme, parts.netloc + parts.path.rstrip("/"))
        return super().get_urls(page=page, site=site, protocol=protocol)


# The pages that stand alone, by url name: those of the desk and the lists.
STATIC_PAGES = (
    "public-home",
    "public-archive",
    "public-corrections",
    "public-about",
    "public-methodology",
    "public-corrections-policy",
    "public-funding",
    "public-contact",
    "public-tips",
)


class StaticPagesSitemap(SiteUrlSitemap):
    changefreq = "weekly"

    def items(self):
        return list(STATIC_PAGES)

    def location(self, name):
        return reverse(name)


@dataclass(frozen=True)
class _IdRangePage:
    object_list: list[ListedClaim]


class IdRangePaginator:
    """Claims sitemaps by id range: page n holds the public claims with ids in ((n-1)*size, n*size], so a page is an
    index range scan, never an OFFSET, and never holds more than `size` urls. A range with no public claim is an
    empty (valid) urlset."""

    def __init__(self, size: int):
        self.size = size

    @cached_property
    def num_pages(self) -> int:
        last = selectors_listing.last_public_claim_id()
        return max(1, -(-last // self.size))

    def page(self, number) -> _IdRangePage:
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(number) from exc
        if number < 1 or number > self.num_pages:
            raise EmptyPage(number)
        after = (number - 1) * self.size
        return _IdRangePage(selectors_listing.claims_in_id_range(after=after, up_to=after + self.size))


class ClaimsSitemap(SiteUrlSitemap):
    changefreq = "monthly"

    @property
    def paginator(self):
        return IdRangePaginator(CLAIMS_PER_SITEMAP)

    def location(self, claim: ListedClaim):
        return claim.path

    def lastmod(self, claim: ListedClaim):
        return claim.updated_at


SITEMAPS = {"pages": StaticPagesSitemap, "claims": ClaimsSitemap}


def sitemap(request):
    """The sitemap index: the static pages' sitemap and one claims sitemap per id range."""
    entries = [sitemap_views.SitemapIndexItem(absolute(request, reverse("public-sitemap-section", args=["pages"])))]
    claims_url = absolute(request, reverse("public-sitemap-section", args=["claims"]))
    pages = IdRangePaginator(CLAIMS_PER_SITEMAP).num_pages
    entries += [sitemap_views.SitemapIndexItem(f"{claims_url}?p={page}") for page in range(1, pages + 1)]
    return TemplateResponse(request, "sitemap_index.xml", {"sitemaps": entries}, content_type="application/xml")


def sitemap_section(request, section):
    """One sitemap of the index (django.contrib.sitemaps' view; a page past the last is a 404)."""
    if section not in SITEMAPS:
        raise Http404
    return sitemap_views.sitemap(request, SITEMAPS, section=section)


def robots_txt(request):
    """Crawl the site; not the admin (staff only, a login page to every crawler) nor the API (the same content as
    the pages, as JSON for researchers: crawling it would only spend their rate limits and our database)."""
    lines = [
        "User-agent: *",
        "Allow: /",
        "Disallow: /admin/",
        "Disallow: /api/",
        f"Sitemap: {absolute(request, reverse('public-sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
