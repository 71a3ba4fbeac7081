"""What reviewers and readers are shown of a capture: its text with the cited excerpts marked (by the drift check's own
matcher, sources.health), the difference between two captures' texts, and the captured HTML read back from the WARC.

Pure rules and reads; the admin (sources.admin) and the public page (public.views.captures) only render them.
"""

from __future__ import annotations

import codecs
import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from warcio.archiveiterator import ArchiveIterator

from .choices import CaptureReason, CaptureStatus
from .health import _CJK, _PUNCTUATION, excerpt_on_page, fold_text
from .models import Capture

# The captured HTML's frame: no script, no request of any kind (images, styles, fonts, frames), no form, no plugin;
# inline styles only, so the page is readable. `sandbox` here too, for a browser that opens the view outside the
# frame. One definition: the view sends it and the tests hold it exactly.
CAPTURED_HTML_CSP = "default-src 'none'; img-src 'none'; style-src 'unsafe-inline'; sandbox"
# fold_text's own character classes, so the two folds cannot drift apart.
_CJK_CHAR = re.compile(rf"[{_CJK}]")
# Lines of unchanged text kept around each change in a diff.
DIFF_CONTEXT_LINES = 3


# --- The excerpt, marked in the text --------------------------------------------------------------------------------


def _folded_with_origins(text: str) -> tuple[str, list[int]]:
    """``text`` folded as fold_text folds it, and for each folded character the index of the original character it
    came from, so a match found in the folded text can be marked in the original. Folded one character at a time
    (with the combining marks that follow it, which NFKC composes with it), so the map is exact."""
    out: list[str] = []
    origins: list[int] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        piece = text[i:j].translate(_PUNCTUATION)
        if piece.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                origins.append(i)
        else:
            for char in unicodedata.normalize("NFKC", piece).casefold():
                if char.isspace():  # NFKC turns a few characters (ideographic space...) into spaces
                    if out and out[-1] != " ":
                        out.append(" ")
                        origins.append(i)
                    continue
                out.append(char)
                origins.append(i)
        i = j
    # A space next to a CJK character is layout (fold_text drops it); and no space at the end.
    kept = [
        k
        for k, char in enumerate(out)
        if char != " "
        or not ((k > 0 and _is_cjk(out[k - 1])) or (k + 1 < len(out) and _is_cjk(out[k + 1])) or k + 1 == len(out))
    ]
    return "".join(out[k] for k in kept), [origins[k] for k in kept]


def _is_cjk(char: str) -> bool:
    return bool(_CJK_CHAR.fullmatch(char))


def excerpt_spans(text: str, excerpt: str) -> list[tuple[int, int]]:
    """Where ``excerpt`` is in ``text``, as (start, end) indexes of the original text, every occurrence; empty when
    the drift check's matcher does not find it."""
    needle = fold_text(excerpt)
    if not needle or not excerpt_on_page(excerpt, fold_text(text)):
        return []
    folded, origins = _folded_with_origins(text)
    spans = []
    start = folded.find(needle)
    while start != -1:
        end = start + len(needle) - 1
        last = origins[end]
        # The original character the last folded one came from, with any combining marks after it.
        stop = last + 1
        while stop < len(text) and unicodedata.combining(text[stop]):
            stop += 1
        spans.append((origins[start], stop))
        start = folded.find(needle, start + len(needle))
    return spans


@dataclass(frozen=True)
class ExcerptFound:
    excerpt: str
    found: bool


def text_marked(text: str, excerpts: Sequence[str]) -> tuple[SafeString, list[ExcerptFound]]:
    """The text, escaped, with each occurrence of each excerpt in <mark>; and whether each excerpt was found. An
    excerpt the matcher finds but that cannot be placed (never seen) counts as found: the drift check decides."""
    spans: list[tuple[int, int]] = []
    found = []
    for excerpt in excerpts:
        hits = excerpt_spans(text, excerpt)
        found.append(ExcerptFound(excerpt, bool(hits) or excerpt_on_page(excerpt, fold_text(text))))
        spans.extend(hits)
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts, at = [], 0
    for start, end in merged:
        parts.append(escape(text[at:start]))
        parts.append(format_html("<mark>{}</mark>", text[start:end]))
        at = end
    parts.append(escape(text[at:]))
    return mark_safe("".join(parts)), found


# --- Two captures' texts, compared ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "removed", "added" or "gap" (unchanged lines left out)
    text: str


def text_diff(before: str, after: str, *, context: int = DIFF_CONTEXT_LINES) -> list[DiffLine]:
    """The lines that changed from ``before`` to ``after`` with a few unchanged ones around each change (difflib);
    empty when the texts are the same. Left as text: the template escapes it."""
    a, b = _lines(before), _lines(after)
    lines: list[DiffLine] = []
    for group in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_grouped_opcodes(context):
        if lines:
            lines.append(DiffLine("gap", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(DiffLine("same", line) for line in a[i1:i2])
                continue
            lines.extend(DiffLine("removed", line) for line in a[i1:i2])
            lines.extend(DiffLine("added", line) for line in b[j1:j2])
    return lines


def _lines(text: str) -> list[str]:
    # The extracted text keeps the page's blank runs; they are layout, not content.
    return [line.strip() for line in text.splitlines() if line.strip()]


# --- Which capture readers are shown ------------------------------------------------------------------------------


def capture_as_cited_sql(
    *, select: str = "k.id", evidence_id_column: str = "e.id", source_id_column: str = "e.source_id"
) -> str:
    """SQL for the capture readers are shown for a piece of evidence (``select`` of it, ``k`` its alias): the ok
    capture taken when it was cited, else the source's earliest ok capture, the nearest to the citation we hold (a
    later one may already show the change a reader is told about). capture_as_cited is the same rule in the ORM; a
    test holds the two equal."""
    return (
        f"(SELECT {select} FROM sources_capture k"
        f" WHERE k.source_id = {source_id_column} AND k.status = '{CaptureStatus.OK}'"
        # IS TRUE: a capture of no evidence compares as NULL, which DESC would put first.
        f" ORDER BY (k.reason = '{CaptureReason.CITED}' AND k.evidence_id = {evidence_id_column}) IS TRUE DESC,"
        " k.fetched_at, k.id LIMIT 1)"
    )


def capture_as_cited(*, evidence_id: int, source_id: int) -> Capture | None:
    """The capture readers are shown for this piece of evidence (capture_as_cited_condition's rule)."""
    ok = Capture.objects.filter(source_id=source_id, status=CaptureStatus.OK)
    at_citation = ok.filter(Q(reason=CaptureReason.CITED) & Q(evidence_id=evidence_id)).order_by("fetched_at", "id")
    return at_citation.first() or ok.order_by("fetched_at", "id").first()


# --- The captured HTML ----------------------------------------------------------------------------------------------


def captured_html(capture: Capture) -> str | None:
    """The page's HTML as captured: the payload of the WARC's last response record (the final hop), decoded by the
    charset its Content-Type named (else UTF-8), undecodable bytes replaced. None when the capture holds no HTML."""
    if capture.status != CaptureStatus.OK or not capture.stored_warc:
        return None
    payload, content_type = None, ""
    with default_storage.open(capture.stored_warc.name, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            content_type = record.http_headers.get_header("Content-Type") or ""
            payload = record.content_stream().read()  # within the fetcher's body cap
    if payload is None or "html" not in content_type.lower():
        return None
    return payload.decode(_charset(content_type, payload), errors="replace")


# A <meta charset="..."> or <meta http-equiv="Content-Type" content="...; charset=..."> near the start of the page.
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _charset(content_type: str, payload: bytes) -> str:
    """The page's charset: its Content-Type's, else its <meta>'s (as a browser reads it), else UTF-8."""
    named = [
        value
        for name, _, value in (part.strip().partition("=") for part in content_type.split(";")[1:])
        if name.strip().lower() == "charset"
    ]
    found = _META_CHARSET.search(payload[:4096])
    candidates = [*(value.strip().strip("\"'") for value in named), *([found.group(1).decode()] if found else [])]
    for candidate in candidates:
        try:
            return codecs.lookup(candidate).name
        except LookupError:
            continue
    return "utf-8"
