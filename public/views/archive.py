"""The archive: every public fact-check, searched (the API's `q`) and filtered, a keyset page at a time."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request

from claims.choices import Verdict
from claims.search import QueryError
from claims.selectors.claims import with_snippets
from factcheck.api.pagination import KeysetPagination

from .. import selectors_listing
from ..decorators import public_page

ARCHIVE_PAGE_SIZE = 20


class ArchivePagination(KeysetPagination):
    """The API's keyset pager at the archive's own page size (a reader cannot ask for more)."""

    def get_page_size(self, request) -> int:
        return ARCHIVE_PAGE_SIZE


def language_choices(current: str) -> list[tuple[str, str]]:
    """The quote languages a reader can pick: Chinese (any script) and those we stem; an unknown one typed into the
    address stays, so the form shows what was asked."""
    codes = ["en", "zh", *(code for code in settings.SEARCH_LANGUAGES if code != "en")]
    choices = [(code, _("Chinese") if code == "zh" else get_language_info(code)["name_translated"]) for code in codes]
    if current and current not in codes:
        choices.append((current, current))
    return choices


@public_page
def archive(request):
    params = request.GET
    errors: dict[str, list[str]] = {}
    claims, pager = [], None
    try:
        rows = selectors_listing.archive_rows(filters=params)
        pager = ArchivePagination()
        page = with_snippets(pager.paginate_queryset(rows, Request(request)), filters=params)
        claims = [selectors_listing.listed_claim(row) for row in page]
    except ValidationError as exc:
        errors = {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
    except QueryError as exc:  # raised by the filterset as a ValidationError; kept in case a path raises it bare
        errors = {"q": [str(exc)]}
    except exceptions.ValidationError:
        errors = {"cursor": [_("This page link is no longer valid. Start again from the first page.")]}
        pager = None
    context = {
        "claims": claims,
        "errors": errors,
        "values": {name: params.get(name, "") for name in selectors_listing.ARCHIVE_FILTERS},
        "searching": bool(params.get("q")) and not errors,
        "filtered": any(params.get(name) for name in selectors_listing.ARCHIVE_FILTERS),
        "next_url": pager.next_url if pager and not errors else None,
        "previous_url": pager.previous_url if pager and not errors else None,
        "verdicts": Verdict.choices,
        "languages": language_choices(params.get("language", "")),
        "archive_url": reverse("public-archive"),  # once, not per tag link of every item
    }
    return TemplateResponse(request, "public/archive.html", context, status=400 if errors else 200)
