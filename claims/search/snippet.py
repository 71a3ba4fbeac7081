"""The ``snippet`` of a search result: the best passage of its quote or text, matched words in <mark>…</mark>, the
rest HTML-escaped.

PostgreSQL marks the words (``ts_headline`` with the claim's configuration, so "vacunas" is marked for "vacuna");
CJK matches are found here, on the folded text (folding is one character for one, so places line up), because
ts_headline knows nothing of bigrams. Computed for the page being returned only (claims.search.search_claims).
"""

from __future__ import annotations

import json
import re
from html import escape

START, STOP = "\x02", "\x03"  # ts_headline's StartSel and StopSel: control characters no claim text contains
HEADLINE_OPTIONS = f"HighlightAll=true, StartSel={START}, StopSel={STOP}"
WIDTH = 240  # characters of the passage around the matches
ELLIPSIS = "…"
_MARKERS = re.compile(f"([{START}{STOP}])")


def _marked_spans(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """The text without ts_headline's markers, and the spans they enclosed."""
    # Split at the markers rather than walk the characters: a page of results calls this twice per row.
    plain, spans, start = [], [], None
    length = 0
    for piece in _MARKERS.split(marked):
        if piece == START:
            start = length
        elif piece == STOP:
            if start is not None and length > start:
                spans.append((start, length))
            start = None
        elif piece:
            plain.append(piece)
            length += len(piece)
    return "".join(plain), spans


def _run_spans(folded: str, runs: list[str]) -> list[tuple[int, int]]:
    spans = []
    for run in runs:
        at = folded.find(run)
        while at != -1:
            spans.append((at, at + len(run)))
            at = folded.find(run, at + len(run))
    return spans


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _window(text: str, spans: list[tuple[int, int]]) -> tuple[int, int]:
    """The WIDTH characters holding the most matches (starting a little before the first of them)."""
    if len(text) <= WIDTH:
        return 0, len(text)
    best, best_count = 0, -1
    for start, _end in spans or [(0, 0)]:
        begin = max(0, min(start - WIDTH // 6, len(text) - WIDTH))
        count = sum(1 for s, e in spans if s >= begin and e <= begin + WIDTH)
        if count > best_count:
            best, best_count = begin, count
    return best, best + WIDTH


def snippet(source: list | None) -> str | None:
    """The snippet from the search's ``snippet_source`` column: [quote marked by ts_headline, text marked, quote
    folded, text folded, the query's CJK runs as JSON]."""
    if not source:
        return None
    marked_quote, marked_text, folded_quote, folded_text, runs_json = source
    runs = json.loads(runs_json or "[]")
    candidates = []
    for marked, folded in ((marked_quote or "", folded_quote or ""), (marked_text or "", folded_text or "")):
        text, spans = _marked_spans(marked)
        if len(folded) == len(text):
            spans += _run_spans(folded, runs)
        candidates.append((text, _merged(spans)))
    # the field with the most matches; the quote when they tie (and when neither has one: a claimant or title match)
    text, spans = max(candidates, key=lambda c: (len(c[1]), bool(c[0].strip()), c is candidates[0]))
    begin, end = _window(text, spans)
    out, at = [], begin
    for start, stop in spans:
        if start < begin or stop > end:
            continue
        out += [escape(text[at:start]), "<mark>", escape(text[start:stop]), "</mark>"]
        at = stop
    out.append(escape(text[at:end]))
    return (ELLIPSIS if begin > 0 else "") + "".join(out) + (ELLIPSIS if end < len(text) else "")
