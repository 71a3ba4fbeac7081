"""/feeds/changes.atom and /feeds/changes.json: every public change of a fact-check (publication, correction,
retraction, minor update), newest first, read from the event outbox (notifications.selectors.public_events).

Pollers are the readers here, so a poll whose feed has not changed costs one small query: with If-None-Match or
If-Modified-Since, the ids and times of the listed events are read first and compared (public.changes_feed.
Validators), and only a changed feed reads the payloads and is built.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from notifications.selectors import EventStamp, public_event_stamps, public_events

from ..changes_feed import ChangeFilters, ChangeItem, Validators, change_item_of_row
from ..decorators import public_page
from ..links import absolute
from .claim import cacheable
from .feeds import (
    JSON_FEED_VERSION,
    LanguageTaggedAtomFeed,
    claim_line,
    json_feed_response,
    organisation,
    paragraphs_html,
    rfc3339,
)

# Any of these makes the request conditional: answer it from the stamps before reading any payload.
CONDITIONAL_HEADERS = ("If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since")


def item_text(item: ChangeItem) -> str:
    """The item's text, paragraphs apart: what changed, the public note, and the claim."""
    parts = [item.summary]
    if item.note:
        parts.append(_("Note: %(note)s") % {"note": item.note})
    parts.append(claim_line(verdict_label=item.verdict_label, claimant=item.claimant, text=item.claim_text))
    return "\n\n".join(parts)


def feed_title(filters: ChangeFilters) -> str:
    title = _("%(site)s: changes to fact-checks") % {"site": settings.FACTCHECK_ORGANIZATION_NAME}
    described = filters.describe()
    return _("%(title)s (%(filters)s)") % {"title": title, "filters": described} if described else title


def feed_description() -> str:
    return _(
        "Every publication, correction, retraction and minor update of our fact-checks, newest first, with the "
        "public note."
    )


class ChangesPage:
    """What both renderings are given: the request, its filters and the items."""

    def __init__(self, request, filters: ChangeFilters, items: list[ChangeItem], url_name: str):
        self.request, self.filters, self.items = request, filters, items
        self.feed_url = absolute(request, reverse(url_name)) + filters.query_string()


class ChangesAtomFeed(Feed):
    """Django's syndication feed, given a prepared ChangesPage (changes_atom reads and checks before it builds)."""

    feed_type = LanguageTaggedAtomFeed

    def title(self, page: ChangesPage):
        return feed_title(page.filters)

    def subtitle(self, page: ChangesPage):
        return feed_description()

    def link(self, page: ChangesPage):
        return absolute(page.request, reverse("public-corrections"))  # the same log, for people

    def feed_url(self, page: ChangesPage):
        return page.feed_url

    def feed_guid(self, page: ChangesPage):
        return page.feed_url

    def author_name(self, page: ChangesPage):
        return settings.FACTCHECK_ORGANIZATION_NAME

    def author_link(self, page: ChangesPage):
        return settings.FACTCHECK_ORGANIZATION_URL

    def items(self, page: ChangesPage):
        return page.items

    def item_title(self, item: ChangeItem):
        return item.title

    def item_description(self, item: ChangeItem):
        return paragraphs_html(item_text(item))

    def item_link(self, item: ChangeItem):
        return item.url

    def item_guid(self, item: ChangeItem):
        return item.id

    def item_pubdate(self, item: ChangeItem):
        return item.at

    def item_updateddate(self, item: ChangeItem):
        return item.at  # an event is written once and never edited

    def item_categories(self, item: ChangeItem):
        return item.tags

    def item_extra_kwargs(self, item: ChangeItem):
        return {"lang": item.review_language}


def _atom(page: ChangesPage) -> HttpResponse:
    feed = ChangesAtomFeed().get_feed(page, page.request)
    response = HttpResponse(content_type=feed.content_type)
    feed.write(response, "utf-8")
    return response


def _json(page: ChangesPage) -> HttpResponse:
    """JSON Feed 1.1, with what changed as data in our `_factcheck` extension."""
    authors = [organisation()]
    items = []
    for item in page.items:
        entry = {
            "id": item.id,
            "url": item.url,
            "title": item.title,
            "content_text": item_text(item),
            "summary": item.summary,
            "date_published": rfc3339(item.at),
            "date_modified": rfc3339(item.at),
            "language": item.review_language,
            "tags": list(item.tags),
            "authors": authors,
            "_factcheck": {
                "event_id": item.event_id,
                "type": item.event_type,
                "kind": item.kind,
                "verdict_before": item.verdict_before or None,
                "verdict_after": item.verdict_after,
                "note": item.note,
                "claim": {"id": item.claim_id, "text": item.claim_text, "language": item.claim_language},
            },
        }
        items.append({key: value for key, value in entry.items() if value not in (None, "", [])})
    feed = {
        "version": JSON_FEED_VERSION,
        "title": feed_title(page.filters),
        "home_page_url": absolute(page.request, reverse("public-corrections")),
        "feed_url": page.feed_url,
        "description": feed_description(),
        "language": get_language(),
        "authors": authors,
        "items": items,
    }
    return json_feed_response(feed)


def _changes_feed(request, *, feed: str, url_name: str, render: Callable[[ChangesPage], HttpResponse]):
    try:
        filters = ChangeFilters.from_query(request.GET)
    except ValidationError as error:
        message = " ".join(error.messages)
        return HttpResponse(message + "\n", status=400, content_type="text/plain; charset=utf-8")
    wanted = {"language": filters.language, "tag": filters.tag}
    if any(name in request.headers for name in CONDITIONAL_HEADERS):
        validators = Validators.of(public_event_stamps(**wanted), feed=feed, filters=filters, request=request)
        answer = get_conditional_response(request, etag=validators.etag, last_modified=validators.last_modified)
        if answer is not None:  # 304 Not Modified (or 412 to an If-Match that fails), and nothing built
            return _with_validators(answer, validators) if answer.status_code == 304 else answer
    rows = public_events(**wanted)
    # The validators of what is sent, from the rows read now: an event committed since the stamps is in both.
    validators = Validators.of(
        [EventStamp(id=row["id"], created_at=row["created_at"]) for row in rows],
        feed=feed,
        filters=filters,
        request=request,
    )
    page = ChangesPage(request, filters, [change_item_of_row(row, request=request) for row in rows], url_name)
    return _with_validators(render(page), validators)


def _with_validators(response: HttpResponse, validators: Validators) -> HttpResponse:
    if validators.last_modified is not None:
        response["Last-Modified"] = http_date(validators.last_modified)
    return cacheable(response, validators.etag)  # like a claim page: a minute, then ask again


@public_page
def changes_atom(request):
    return _changes_feed(request, feed="atom", url_name="public-feed-changes-atom", render=_atom)


@public_page
def changes_json(request):
    return _changes_feed(request, feed="json", url_name="public-feed-changes-json", render=_json)
