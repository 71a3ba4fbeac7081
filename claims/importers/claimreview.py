"""schema.org ClaimReview in: JSON-LD objects or lists, DataFeeds of them, HTML pages with ld+json blocks.

Parsing never writes: it returns one ParsedReview per ClaimReview found, each either data or the reason it
cannot be used, so one bad item never stops the batch.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sources.urlnorm import normalize_url

from .base import ParseError, clean_line, decode_text
from .ratings import map_review

SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/", "schema:")


@dataclass
class AppearanceData:
    url: str
    published_at: datetime | None = None
    title: str = ""
    quote: str = ""
    where: str = "itemReviewed.appearance"  # the part of the ClaimReview it came from, for error messages


@dataclass
class ClaimReviewData:
    review_url: str
    claim_text: str
    verdict: str
    original_rating: str = ""
    claimant: str = ""
    reviewed_at: datetime | None = None
    language: str = ""
    publisher: str = ""
    explanation: str = ""
    headline: str = ""
    appearances: list[AppearanceData] = field(default_factory=list)  # the first one first


@dataclass
class ParsedReview:
    """One ClaimReview found in the input: `data`, or `error` saying which field is wrong and why."""

    label: str
    data: ClaimReviewData | None = None
    error: str = ""


def _types(obj: dict) -> set[str]:
    value = obj.get("@type", ())
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    out = set()
    for item in values:
        if isinstance(item, str):
            for prefix in SCHEMA_PREFIXES:
                item = item.removeprefix(prefix)
            out.add(item)
    return out


def find_claimreviews(document: Any, label: str = "") -> Iterator[tuple[str, Any]]:
    """Every ClaimReview in a JSON-LD document, wherever it sits (a list, @graph, a DataFeed, DataFeedItem.item,
    a page's mainEntity), with a label saying where."""
    if isinstance(document, list):
        for index, item in enumerate(document):
            yield from find_claimreviews(item, f"{label}[{index + 1}]")
        return
    if not isinstance(document, dict):
        return
    if "ClaimReview" in _types(document):
        yield label or "ClaimReview", document
        return
    for key, value in document.items():
        if key in ("@context",) or not isinstance(value, dict | list):
            continue
        yield from find_claimreviews(value, f"{label}.{key}" if label else key)


class _LdJsonBlocks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script" and (dict(attrs).get("type") or "").split(";")[0].strip().lower() == "application/ld+json":
            self._current = []

    def handle_data(self, data):
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._current is not None:
            self.blocks.append("".join(self._current))
            self._current = None


def ld_json_blocks(html: str) -> list[str]:
    parser = _LdJsonBlocks()
    parser.feed(html)
    parser.close()
    return parser.blocks


# ClaimReview feeds nest a dozen levels at most. json.loads and find_claimreviews recurse once per level, so a
# document nested 100,000 deep would end in a RecursionError; it is refused as an input instead.
MAX_JSON_DEPTH = 100


def _deeper_than(document: Any, limit: int) -> bool:
    """Whether lists and objects nest more than `limit` deep: level by level, with no recursion to exhaust."""
    level = [document] if isinstance(document, dict | list) else []
    depth = 1
    while level:
        if depth > limit:
            return True
        below = []
        for value in level:
            below += [c for c in (value.values() if isinstance(value, dict) else value) if isinstance(c, dict | list)]
        level, depth = below, depth + 1
    return False


def load_json(text: str, *, what: str) -> Any:
    """json.loads, with every way a document can fail to load as a ParseError for `what`."""
    too_deep = ParseError(what, _("nested too deeply (more than %(limit)s levels)") % {"limit": MAX_JSON_DEPTH})
    try:
        document = json.loads(text)
    except RecursionError:
        raise too_deep from None
    except json.JSONDecodeError as exc:
        raise ParseError(
            what,
            _("not valid JSON: %(problem)s at line %(line)s, column %(column)s")
            % {"problem": exc.msg, "line": exc.lineno, "column": exc.colno},
        ) from exc
    except ValueError as exc:  # e.g. a number of more digits than Python converts (sys.get_int_max_str_digits)
        raise ParseError(what, _("not valid JSON: %(problem)s") % {"problem": exc}) from exc
    if _deeper_than(document, MAX_JSON_DEPTH):
        raise too_deep
    return document


def parse_claimreview_text(text: str, *, source: str = "") -> list[ParsedReview]:
    """All ClaimReviews in a JSON document or an HTML page. Raises ParseError only when nothing in it is readable."""
    prefix = f"{source} " if source else ""
    stripped = text.lstrip()
    documents: list[tuple[str, Any]] = []
    results: list[ParsedReview] = []
    if stripped.startswith(("{", "[")):
        documents.append(("", load_json(stripped, what=f"{prefix}JSON".strip())))
    elif "<" in stripped[:1000]:
        blocks = ld_json_blocks(text)
        if not blocks:
            raise ParseError(f"{prefix}page".strip(), 'the page has no <script type="application/ld+json"> block')
        for index, block in enumerate(blocks, 1):
            try:
                documents.append((f"ld+json block {index}", load_json(block, what=f"ld+json block {index}")))
            except ParseError as exc:
                results.append(ParsedReview(label=f"{prefix}ld+json block {index}", error=exc.reason))
    else:
        raise ParseError(f"{prefix}input".strip(), "neither JSON nor an HTML page")
    for where, document in documents:
        for label, obj in find_claimreviews(document):
            full = " ".join(part for part in (source, where, label) if part)
            try:
                results.append(ParsedReview(label=full, data=parse_claimreview(obj)))
            except ParseError as exc:
                results.append(ParsedReview(label=full, error=str(exc)))
    if not results:
        raise ParseError(
            f"{prefix}ClaimReview".strip(),
            "no ClaimReview found in the input (looked in lists, @graph, DataFeed.dataFeedElement and ld+json blocks)",
        )
    return results


def parse_claimreview_bytes(data: bytes, *, source: str = "") -> list[ParsedReview]:
    return parse_claimreview_text(decode_text(data, what=source or "file"), source=source)


# --- one ClaimReview ---------------------------------------------------------------------------------------


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _text(value: Any) -> str:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("alternateName") or value.get("@value") or ""
    return clean_line(str(value)) if value not in (None, "") else ""


def _names(value: Any) -> str:
    values = value if isinstance(value, list) else [value]
    return ", ".join(name for name in (_text(v) for v in values) if name)[:255]


def _url(value: Any, field_name: str, *, required: bool = False) -> str:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("url") or value.get("@id") or ""
    if not value:
        if required:
            raise ParseError(field_name, "missing")
        return ""
    if not isinstance(value, str):
        raise ParseError(field_name, f"expected a url, got {type(value).__name__}")
    try:
        return normalize_url(value)
    except ValidationError as exc:
        raise ParseError(field_name, f"“{value[:200]}” is not a usable url: {' '.join(exc.messages)}") from exc


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: Any, field_name: str) -> datetime | None:
    """ISO 8601 date or date-time; a bare date is taken as midnight UTC, a time without offset as UTC."""
    value = _first(value)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ParseError(field_name, f"expected an ISO 8601 date, got {type(value).__name__}")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ParseError(field_name, f"“{value[:60]}” is not an ISO 8601 date") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _language(value: Any) -> str:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name") or ""
    return str(value or "").strip()[:35]


def _appearance(value: Any, field_name: str) -> AppearanceData | None:
    url = _url(value, f"{field_name}.url" if isinstance(value, dict) else field_name)
    if not url:
        return None
    if not isinstance(value, dict):
        return AppearanceData(url=url, where=field_name)
    quote = value.get("text") or value.get("quote") or ""
    return AppearanceData(
        url=url,
        where=field_name,
        published_at=parse_date(value.get("datePublished") or value.get("dateCreated"), f"{field_name}.datePublished"),
        title=_text(value.get("headline") or value.get("name"))[:500],
        quote=clean_line(quote)[:5000] if isinstance(quote, str) else "",
    )


def parse_claimreview(obj: dict) -> ClaimReviewData:
    """Map one ClaimReview to our fields; a ParseError names the field that makes it unusable."""
    claim_text = obj.get("claimReviewed")
    if isinstance(claim_text, list):
        claim_text = " ".join(str(part) for part in claim_text)
    claim_text = clean_line(str(claim_text or ""))
    if not claim_text:
        raise ParseError("claimReviewed", "missing or empty: there is no claim to import")
    review_url = _url(obj.get("url"), "url", required=True)
    rating_match = map_review(obj)
    verdict, original = rating_match.verdict, rating_match.original_rating
    rating = _first(obj.get("reviewRating"))
    item = _first(obj.get("itemReviewed")) or {}
    if not isinstance(item, dict):
        item = {}

    appearances: list[AppearanceData] = []
    seen: set[str] = set()
    raw_first = item.get("firstAppearance")
    raw_more = item.get("appearance")
    candidates = [("itemReviewed.firstAppearance", raw_first)] if raw_first else []
    more = raw_more if isinstance(raw_more, list) else [raw_more] if raw_more else []
    candidates += [
        (f"itemReviewed.appearance[{i + 1}]" if isinstance(raw_more, list) else "itemReviewed.appearance", value)
        for i, value in enumerate(more)
    ]
    for field_name, value in candidates:
        appearance = _appearance(value, field_name)
        if appearance and appearance.url not in seen:
            seen.add(appearance.url)
            appearances.append(appearance)
    claim_date = parse_date(item.get("datePublished"), "itemReviewed.datePublished")
    if appearances and appearances[0].published_at is None:
        appearances[0].published_at = claim_date

    explanation = ""
    if isinstance(rating, dict):
        explanation = str(rating.get("ratingExplanation") or "")
    explanation = clean_line(explanation or str(obj.get("reviewBody") or obj.get("description") or ""))
    return ClaimReviewData(
        review_url=review_url,
        claim_text=claim_text,
        verdict=str(verdict),
        original_rating=original,
        claimant=_names(item.get("author")),
        reviewed_at=parse_date(obj.get("datePublished") or obj.get("dateModified"), "datePublished"),
        language=_language(obj.get("inLanguage")),
        publisher=_names(obj.get("author") or obj.get("publisher")),
        explanation=explanation,
        headline=_text(obj.get("headline") or obj.get("name"))[:500],
        appearances=appearances,
    )
