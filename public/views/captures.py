"""/claims/<id>/sources/<capture id>/: the text of a page a public claim cites, as our capture read it ("as we cited
it"), for readers of a claim whose source is gone or no longer says what we quoted. The text only, escaped, the
excerpt marked: never the captured HTML (someone else's page) nor the WARC (reviewers download it in the admin)."""

from __future__ import annotations

import hashlib

from django.http import Http404, HttpResponseNotModified
from django.template.response import TemplateResponse
from django.utils import translation

from sources.capture_read import text_marked

from ..decorators import public_page
from ..links import absolute, claim_path
from ..selectors_capture import public_capture_row
from .claim import cacheable, etag_of, if_none_match

# Raised when the page's template or context changes shape, so browsers do not keep an older rendering.
PAGE_FORMAT = 1


@public_page
def capture_text(request, claim_id: int, capture_id: int):
    row = public_capture_row(claim_id=claim_id, capture_id=capture_id)
    if row is None:
        raise Http404
    # A capture never changes; what the page shows of it besides is the claim's excerpt and text, and the language.
    shown = hashlib.md5(f"{row['excerpt']}\0{row['claim_text']}".encode(), usedforsecurity=False).hexdigest()
    site = hashlib.md5(absolute(request, "/").encode(), usedforsecurity=False).hexdigest()[:8]
    etag = etag_of(
        f"public:capture:{PAGE_FORMAT}:{claim_id}:{capture_id}:{row['sha256']}:{translation.get_language()}:"
        f"{site}:{shown}"
    )
    if if_none_match(request, etag):
        return cacheable(HttpResponseNotModified(), etag)
    excerpts = [row["excerpt"]] if row["excerpt"] else []
    marked, found = text_marked(row["text"], excerpts)
    context = {
        "capture": row,
        "marked_text": marked,
        "excerpt_found": found[0].found if found else None,
        "claim_path": claim_path(claim_id, row["claim_text"]),
    }
    return cacheable(TemplateResponse(request, "public/capture.html", context), etag)
