"""/corrections/: the public log of every correction and retraction, newest first, a page at a time."""

from __future__ import annotations

from django.template.response import TemplateResponse

from claims.selectors.corrections import Cursor, site_correction_log

from ..decorators import public_page
from ..links import claim_path


def _cursor(token: str | None) -> Cursor | None:
    return None if token is None else Cursor.parse(token)


@public_page
def corrections(request):
    try:
        before, after = _cursor(request.GET.get("before")), _cursor(request.GET.get("after"))
        if before is not None and after is not None:
            raise ValueError("one direction at a time")
    except ValueError:
        return TemplateResponse(request, "public/corrections.html", {"bad_page": True}, status=400)
    page = site_correction_log(before=before, after=after)
    entries = [{"entry": entry, "path": claim_path(entry.claim_id, entry.claim_text)} for entry in page.entries]
    context = {"entries": entries, "older": page.older, "newer": page.newer, "paged": before or after}
    return TemplateResponse(request, "public/corrections.html", context)
