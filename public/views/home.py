"""The home page: the latest fact-checks, the most-read tags and a search box."""

from __future__ import annotations

from django.template.response import TemplateResponse
from django.urls import reverse

from .. import reads, selectors_listing
from ..decorators import public_page

HOME_LATEST = 12
HOME_TAGS = 12


@public_page
def home(request):
    tags, by_reads = reads.most_read_tags(limit=HOME_TAGS)
    context = {
        "claims": selectors_listing.latest_claims(limit=HOME_LATEST),
        "tags": tags,
        "tags_by_reads": by_reads,
        "archive_url": reverse("public-archive"),  # once, not per tag link of every item
    }
    return TemplateResponse(request, "public/home.html", context)
