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
from .factcheckapi import claimreviews_of_fact_check_claim, is_fact_check_claim
from .ratings import RatingBatch, RatingMatch, map_review

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
    publisher_url: str = ""
    claim_date: datetime | None = None  # itemReviewed.datePublished: when the claim was made
    claim_language: str = ""  # itemReviewed.inLanguage: the language the claim was made in
    rating: RatingMatch | None = None  # the label verbatim, the numbers as given, how we read them
    raw: dict = field(default_factory=dict)  # the item as received (JSON-LD, or the Fact Check API's entry)
    warnings: list[str] = field(default_factory=list)  # fields dropped or read loosely; the review is kept


@dataclass
class ParsedReview:
    """One ClaimReview found in the input: `data`, or `error` saying why it cannot be used at all."""

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


def find_claimreviews(document: Any, label: str = "") -> Iterator[tuple[str, dict, dict]]:
    """Every ClaimReview in a JSON-LD document, wherever it sits (a list, @graph, a DataFeed, DataFeedItem.item,
    a page's mainEntity), and every review of a saved Fact Check API response: (where, the ClaimReview, the item
    as received)."""
    if isinstance(document, list):
        for index, item in enumerate(document):
            yield from find_claimreviews(item, f"{label}[{index + 1}]")
        return
    if not isinstance(document, dict):
        return
    if "ClaimReview" in _types(document):
        yield label or "ClaimReview", document, document
        return
    if is_fact_check_claim(document):
        for index, (review, raw) in enumerate(claimreviews_of_fact_check_claim(document), 1):
            yield f"{label or 'claim'}.claimReview[{index}]", review, raw
        return
    for key, value in document.items():
        if key in ("@context",) or not isinstance(value, dict | list):
            continue
        yield from find_claimreviews(value, f"{label}.{key}" if label else key)


class _LdJsonBlocks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.lang = ""  # <html lang>: the page's language, for items that name none
        self._current: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "html" and not self.lang:
            self.lang = (dict(attrs).get("lang") or "").strip()[:35]
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
    return _page(html).blocks


def _page(html: str) -> _LdJsonBlocks:
    parser = _LdJsonBlocks()
    parser.feed(html)
    parser.close()
    return parser


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
    page_language = ""
    if stripped.startswith(("{", "[")):
        documents.append(("", load_json(stripped, what=f"{prefix}JSON".strip())))
    elif "<" in stripped[:1000]:
        page = _page(text)
        blocks, page_language = page.blocks, page.lang
        if not blocks:
            raise ParseError(f"{prefix}page".strip(), _('the page has no <script type="application/ld+json"> block'))
        for index, block in enumerate(blocks, 1):
            where = _("ld+json block %(index)d") % {"index": index}
            try:
                documents.append((where, load_json(block, what=where)))
            except ParseError as exc:
                results.append(ParsedReview(label=f"{prefix}{where}", error=exc.reason))
    else:
        raise ParseError(f"{prefix}input".strip(), _("neither JSON nor an HTML page"))
    found = [
        (" ".join(part for part in (source, where, label) if part), obj, raw)
        for where, document in documents
        for label, obj, raw in find_claimreviews(document)
    ]
    # Read together once: a publisher that gives every label one number has no scale to read (Lupa's 4 of 6).
    batch = RatingBatch.of(obj for _, obj, _ in found)
    for label, obj, raw in found:
        try:
            data = parse_claimreview(obj, batch=batch, page_language=page_language)
        except ParseError as exc:
            results.append(ParsedReview(label=label, error=str(exc)))
        else:
            data.raw = raw
            results.append(ParsedReview(label=label, data=data))
    if not results:
        raise ParseError(
            f"{prefix}ClaimReview".strip(),
            _(
                "no ClaimReview found in the input (looked in lists, @graph, DataFeed.dataFeedElement and ld+json "
                "blocks)"
            ),
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
            raise ParseError(field_name, _("missing"))
        return ""
    if not isinstance(value, str):
        raise ParseError(field_name, _("expected a url, got %(type)s") % {"type": type(value).__name__})
    text = value.strip()
    if _BARE_HOST.match(text):  # "www.aosfatos.org/..." as published: the scheme was left out, not the page
        text = f"https://{text}"
    try:
        return normalize_url(text)
    except ValidationError as exc:
        raise ParseError(
            field_name,
            _("“%(value)s” is not a usable url: %(reason)s") % {"value": value[:200], "reason": " ".join(exc.messages)},
        ) from exc


# A url written without its scheme: a host name with a dot, then a path (never a relative path or a word).
_BARE_HOST = re.compile(r"^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:/|$)", re.IGNORECASE)

# Spellings feeds use beside ISO 8601: a space for the T, a zone named UTC/GMT/Z after it, no seconds.
_ZONE_NAME = re.compile(r"\s*(?:UTC|GMT|Z)$", re.IGNORECASE)


def parse_date(value: Any, field_name: str) -> datetime | None:
    """An ISO 8601 date or date-time, as feeds write it: "2017-03-01 20:30:17 UTC", "2022-06-28 21:14", a bare
    date (midnight UTC), an offset. A time without a zone is taken as UTC."""
    value = _first(value)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ParseError(field_name, _("expected a date, got %(type)s") % {"type": type(value).__name__})
    text = value.strip()
    zoned = _ZONE_NAME.search(text)
    if zoned and zoned.start() > 0:
        text = text[: zoned.start()] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ParseError(field_name, _("“%(value)s” is not a date") % {"value": value[:60]}) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _language(value: Any) -> str:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name") or ""
    return str(value or "").strip()[:35] if isinstance(value, str) else ""


class _Reader:
    """Reads optional fields of one ClaimReview: a field that cannot be read is dropped with a warning, and the
    review is kept (only the claim text and the review's url are required)."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def optional(self, read, *args, **kwargs):
        try:
            return read(*args, **kwargs)
        except ParseError as exc:
            self.warnings.append(_("%(field)s dropped: %(reason)s") % {"field": exc.field, "reason": exc.reason})
            return None

    def appearance(self, value: Any, field_name: str) -> AppearanceData | None:
        url = self.optional(_url, value, f"{field_name}.url" if isinstance(value, dict) else field_name)
        if not url:
            return None
        if not isinstance(value, dict):
            return AppearanceData(url=url, where=field_name)
        quote = value.get("text") or value.get("quote") or ""
        published = value.get("datePublished") or value.get("dateCreated")
        return AppearanceData(
            url=url,
            where=field_name,
            published_at=self.optional(parse_date, published, f"{field_name}.datePublished"),
            title=_text(value.get("headline") or value.get("name"))[:500],
            quote=clean_line(quote)[:5000] if isinstance(quote, str) else "",
        )


def _author(value: Any) -> tuple[str, str]:
    """(name, url) of a review's author (an organisation, a person, a list of them): the url stands for the name
    when there is none."""
    authors = value if isinstance(value, list) else [value]
    names = [name for name in (_text(a) for a in authors) if name]
    urls = [a.get("url") or a.get("sameAs") or "" for a in authors if isinstance(a, dict)]
    urls = [_first(u) for u in urls if _first(u) and isinstance(_first(u), str)]
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        names, urls = [], [value]
    return (", ".join(names) or (urls[0] if urls else ""))[:255], (urls[0] if urls else "")


def parse_claimreview(obj: dict, *, batch: RatingBatch | None = None, page_language: str = "") -> ClaimReviewData:
    """Map one ClaimReview to our fields. A ParseError only when the claim text or the review's url is missing;
    any other field that cannot be read is dropped with a warning."""
    claim_text = obj.get("claimReviewed")
    if isinstance(claim_text, list):
        claim_text = " ".join(str(part) for part in claim_text)
    claim_text = clean_line(str(claim_text or ""))
    if not claim_text:
        raise ParseError("claimReviewed", _("missing or empty: there is no claim to import"))
    review_url = _url(obj.get("url"), "url", required=True)
    reader = _Reader()
    language = _language(obj.get("inLanguage")) or page_language
    rating_match = map_review(obj, language=language or None, batch=batch)
    reader.warnings += list(rating_match.warnings)
    rating = _first(obj.get("reviewRating"))
    item = _first(obj.get("itemReviewed")) or {}
    if not isinstance(item, dict):
        item = {}

    appearances: list[AppearanceData] = []
    seen: set[str] = {review_url}
    raw_first = item.get("firstAppearance")
    raw_more = item.get("appearance")
    candidates = [("itemReviewed.firstAppearance", raw_first)] if raw_first else []
    more = raw_more if isinstance(raw_more, list) else [raw_more] if raw_more else []
    candidates += [
        (f"itemReviewed.appearance[{i + 1}]" if isinstance(raw_more, list) else "itemReviewed.appearance", value)
        for i, value in enumerate(more)
    ]
    # The older form Google still reads: itemReviewed a CreativeWork whose url is where the claim appeared.
    if item.get("url"):
        candidates.append(("itemReviewed.url", item.get("url")))
    for field_name, value in candidates:
        appearance = reader.appearance(value, field_name)
        if appearance and appearance.url not in seen:
            seen.add(appearance.url)
            appearances.append(appearance)
    claim_date = reader.optional(parse_date, item.get("datePublished"), "itemReviewed.datePublished")
    if appearances and appearances[0].published_at is None:
        appearances[0].published_at = claim_date

    explanation = ""
    if isinstance(rating, dict):
        explanation = str(rating.get("ratingExplanation") or "")
    explanation = clean_line(explanation or str(obj.get("reviewBody") or obj.get("description") or ""))
    publisher, publisher_url = _author(obj.get("author") or obj.get("publisher"))
    if publisher_url:
        publisher_url = reader.optional(_url, publisher_url, "author.url") or ""
    reviewed = obj.get("datePublished") or obj.get("dateModified")
    return ClaimReviewData(
        review_url=review_url,
        claim_text=claim_text,
        verdict=str(rating_match.verdict),
        original_rating=rating_match.original_rating,
        claimant=_names(item.get("author")),
        reviewed_at=reader.optional(parse_date, reviewed, "datePublished"),
        language=language,
        publisher=publisher,
        publisher_url=publisher_url,
        explanation=explanation,
        headline=_text(obj.get("headline") or obj.get("name"))[:500],
        appearances=appearances,
        claim_date=claim_date,
        claim_language=_language(item.get("inLanguage")),
        rating=rating_match,
        warnings=reader.warnings,
    )
