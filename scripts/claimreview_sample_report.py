#!/usr/bin/env python
"""Measure the ClaimReview importer on the real-world sample in tests/importers/realworld/ (issue 15).

    PYTHONPATH=. python scripts/claimreview_sample_report.py [--sample DIR] [--json] [--list]

No database is touched: the importer's parsing and rating code is pure. The script reads each sample file
twice, once with its own small JSON-LD walker (what the source holds) and once with the importer (what it
keeps), and compares both with truth.csv (a careful reader's verdicts). Re-run it after the importer
changes; only the two adapter functions below know the importer's API.
"""

import argparse
import csv
import json
import os
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SAMPLE = ROOT / "tests" / "importers" / "realworld"
SAMPLE_SUFFIXES = (".json", ".html", ".jsonld")

# --- adapters: the only code that knows the importer's API -----------------------------------------------


def parse_with_importer(raw: bytes, source: str) -> tuple[list[dict], str]:
    """The importer's reading of one file: (one dict per review it reported, the file-level error or "").

    Each dict has "label" and either "error" or the parsed fields under the names used in this report.
    Attributes the importer does not have (yet) come back as None, so new fields are picked up by name."""
    from claims.importers import claimreview
    from claims.importers.base import ParseError

    try:
        parsed = claimreview.parse_claimreview_bytes(raw, source=source)
    except ParseError as exc:
        return [], str(exc)
    reviews = []
    for item in parsed:
        data = getattr(item, "data", None)
        label = str(getattr(item, "label", ""))
        if data is None:
            reviews.append({"label": label, "error": str(getattr(item, "error", "") or "no data")})
            continue
        appearances = list(_attr(data, "appearances") or [])
        first_seen = appearances[0] if appearances else None
        reviews.append(
            {
                "label": label,
                "error": "",
                "warnings": [str(w) for w in (_attr(data, "warnings") or getattr(item, "warnings", None) or [])],
                "review_url": _attr(data, "review_url", "url") or "",
                "claim_text": _attr(data, "claim_text", "claim_reviewed") or "",
                "verdict": str(_attr(data, "verdict") or ""),
                "original_rating": _attr(data, "original_rating", "rating_text") or "",
                "publisher": _attr(data, "publisher", "publisher_name") or "",
                "publisher_url": _attr(data, "publisher_url", "author_url"),
                "language": _attr(data, "language") or "",
                "reviewed_at": _attr(data, "reviewed_at"),
                "claim_date": _attr(data, "claim_date", "claim_published_at", "claimed_at")
                or (getattr(first_seen, "published_at", None) if first_seen else None),
                "item_url": _attr(data, "item_url", "claim_url", "item_reviewed_url"),
                "appearance_urls": [getattr(a, "url", "") for a in appearances],
                "rating_value": _attr(data, "rating_value") or _attr(getattr(data, "rating", None), "rating_value"),
                "best_rating": _attr(data, "best_rating"),
                "worst_rating": _attr(data, "worst_rating"),
            }
        )
    return reviews, ""


def verdict_from_rating(label: str, value: Any = None, best: Any = None, worst: Any = None) -> str:
    """The importer's rating lexicon alone, on a label and its numbers (used for reviews it cannot read)."""
    from claims.importers.ratings import map_rating

    rating = {"alternateName": label, "ratingValue": value, "bestRating": best, "worstRating": worst}
    result = map_rating({key: v for key, v in rating.items() if v not in (None, "")})
    verdict = result[0] if isinstance(result, tuple) else getattr(result, "verdict", result)
    return str(getattr(verdict, "value", verdict))


def _attr(obj: Any, *names: str) -> Any:
    for name in names:
        value = getattr(obj, name, None)
        if value not in (None, ""):
            return value
    return None


# --- what the source holds --------------------------------------------------------------------------------

SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/", "schema:")
# Fields issue 15 lists as lost; each is checked only where the source has it.
TRACKED_FIELDS = {
    "author_url": "review author's url",
    "publisher_from_url": "publisher when the author has only a url",
    "claim_date": "itemReviewed.datePublished (the claim's own date)",
    "rating_numbers": "ratingValue/bestRating/worstRating",
    "item_url": "itemReviewed.url",
    "html_lang": "the page's <html lang> (item without inLanguage)",
}


@dataclass
class SourceReview:
    file: str
    index: int
    kind: str  # "markup" (ClaimReview JSON-LD) or "api" (Fact Check Tools claims:search)
    review_url: str
    claim_text: str
    label: str
    value: Any = None
    best: Any = None
    worst: Any = None
    present: dict[str, str] = field(default_factory=dict)  # tracked field -> the value the source gives


class _PageReader(HTMLParser):
    """The <html lang> and the ld+json blocks of a page, read the way a browser would (comments skipped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = ""
        self.blocks: list[str] = []
        self._block: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "html" and not self.lang:
            self.lang = (values.get("lang") or "").strip()
        if tag == "script" and (values.get("type") or "").split(";")[0].strip().lower() == "application/ld+json":
            self._block = []

    def handle_data(self, data):
        if self._block is not None:
            self._block.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._block is not None:
            self.blocks.append("".join(self._block))
            self._block = None


def _types(obj: dict) -> set[str]:
    value = obj.get("@type", ())
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    names = set()
    for name in values:
        if isinstance(name, str):
            for prefix in SCHEMA_PREFIXES:
                name = name.removeprefix(prefix)
            names.add(name)
    return names


def _claimreviews(document: Any):
    """ClaimReview objects in document order, depth first (the order the importer reports them in)."""
    if isinstance(document, list):
        for item in document:
            yield from _claimreviews(item)
    elif isinstance(document, dict):
        if "ClaimReview" in _types(document):
            yield document
            return
        for key, value in document.items():
            if key != "@context":
                yield from _claimreviews(value)


def _first(value: Any) -> Any:
    return (value[0] if value else None) if isinstance(value, list) else value


def _text(value: Any) -> str:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    return " ".join(str(value or "").split())


def _markup_review(obj: dict, file: str, index: int, page_lang: str) -> SourceReview:
    rating = _first(obj.get("reviewRating"))
    rating = rating if isinstance(rating, dict) else {}
    author = _first(obj.get("author"))
    item = _first(obj.get("itemReviewed"))
    item = item if isinstance(item, dict) else {}
    present: dict[str, str] = {}
    if isinstance(author, dict):
        author_url = author.get("url") or author.get("@id") or ""
        if author_url:
            present["author_url"] = str(author_url)
            if not author.get("name"):
                present["publisher_from_url"] = str(author_url)
    if item.get("datePublished"):
        present["claim_date"] = str(item["datePublished"])
    numbers = [rating.get(name) for name in ("ratingValue", "bestRating", "worstRating")]
    if any(n not in (None, "") for n in numbers):
        present["rating_numbers"] = "/".join("" if n is None else str(n) for n in numbers)
    if isinstance(item.get("url"), str) and item["url"]:
        present["item_url"] = item["url"]
    if page_lang and not obj.get("inLanguage"):
        present["html_lang"] = page_lang
    return SourceReview(
        file=file,
        index=index,
        kind="markup",
        review_url=str(_first(obj.get("url")) or ""),
        claim_text=_text(obj.get("claimReviewed")),
        label=_text(rating.get("alternateName") or rating.get("name")),
        value=rating.get("ratingValue"),
        best=rating.get("bestRating"),
        worst=rating.get("worstRating"),
        present=present,
    )


def _api_reviews(document: Any, file: str) -> list[SourceReview]:
    """claims:search responses ({"claims": [...]}) and saved fragments of them ({"FactChecks": [...]})."""
    claims = []
    if isinstance(document, dict):
        claims = document.get("claims") or document.get("FactChecks") or []
    reviews = []
    for claim in claims if isinstance(claims, list) else []:
        if not isinstance(claim, dict):
            continue
        for review in claim.get("claimReview") or []:
            present = {}
            if claim.get("claimDate"):
                present["claim_date"] = str(claim["claimDate"])
            reviews.append(
                SourceReview(
                    file=file,
                    index=len(reviews) + 1,
                    kind="api",
                    review_url=str(review.get("url") or ""),
                    claim_text=_text(claim.get("text")),
                    label=_text(review.get("textualRating")),
                    present=present,
                )
            )
    return reviews


def read_source(path: Path) -> list[SourceReview]:
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        document = json.loads(stripped)
        found = list(_claimreviews(document))
        if found:
            return [_markup_review(obj, path.name, i, "") for i, obj in enumerate(found, 1)]
        return _api_reviews(document, path.name)
    page = _PageReader()
    page.feed(text)
    page.close()
    found = []
    for block in page.blocks:
        try:
            found.extend(_claimreviews(json.loads(block)))
        except json.JSONDecodeError:
            continue
    return [_markup_review(obj, path.name, i, page.lang) for i, obj in enumerate(found, 1)]


# --- comparison ----------------------------------------------------------------------------------------------


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()[:60].casefold()


def match_parsed(sources: list[SourceReview], parsed: list[dict]) -> dict[int, dict]:
    """Source index -> the importer's review of it: by claim text, else by position."""
    matched: dict[int, dict] = {}
    unused = list(range(len(parsed)))
    for source in sources:
        for position in unused:
            claim = parsed[position].get("claim_text") or ""
            if claim and _key(claim) == _key(source.claim_text):
                matched[source.index] = parsed[position]
                unused.remove(position)
                break
    for source in sources:
        if source.index not in matched and source.index - 1 in unused:
            matched[source.index] = parsed[source.index - 1]
            unused.remove(source.index - 1)
    return matched


def _kept(field_name: str, source_value: str, review: dict) -> bool:
    if field_name == "author_url":
        return bool(review.get("publisher_url"))
    if field_name == "publisher_from_url":
        return bool(review.get("publisher"))
    if field_name == "claim_date":
        date = review.get("claim_date")
        return bool(date) and str(date)[:10] == source_value[:10]
    if field_name == "rating_numbers":
        return any(review.get(name) not in (None, "") for name in ("rating_value", "best_rating", "worst_rating"))
    if field_name == "item_url":
        urls = [review.get("item_url") or ""] + list(review.get("appearance_urls") or [])
        return any(_same_url(url, source_value) for url in urls if url)
    if field_name == "html_lang":
        return bool(review.get("language"))
    raise ValueError(field_name)


def _same_url(a: str, b: str) -> bool:
    def norm(url: str) -> str:
        return url.strip().lower().rstrip("/").replace("http://", "https://").replace("\\u0026", "&")

    return norm(a) == norm(b)


def load_truth(sample: Path) -> dict[tuple[str, int], dict]:
    with (sample / "truth.csv").open(encoding="utf-8", newline="") as handle:
        return {(row["file"], int(row["index"])): row for row in csv.DictReader(handle)}


def measure(sample: Path) -> dict:
    truth = load_truth(sample)
    files = sorted(p for p in sample.iterdir() if p.suffix in SAMPLE_SUFFIXES)
    rows = []
    file_errors = {}
    skipped = []
    lost = defaultdict(lambda: [0, 0])  # field -> [present in source, lost by the importer]
    for path in files:
        sources = read_source(path)
        parsed, file_error = parse_with_importer(path.read_bytes(), path.name)
        if file_error:
            file_errors[path.name] = file_error
        matched = match_parsed(sources, parsed)
        for review in parsed:
            if review.get("error"):
                skipped.append((path.name, review["label"], review["error"]))
        for source in sources:
            row = truth.get((source.file, source.index))
            review = matched.get(source.index)
            parsed_ok = bool(review) and not review.get("error")
            if parsed_ok:
                for name, value in source.present.items():
                    lost[name][0] += 1
                    lost[name][1] += 0 if _kept(name, value, review) else 1
            rows.append(
                {
                    "file": source.file,
                    "index": source.index,
                    "kind": source.kind,
                    "publisher": row["publisher"] if row else "?",
                    "language": row["language"] if row else "?",
                    "label": source.label,
                    "careful": row["careful_verdict"] if row else "",
                    "found": review is not None,
                    "parsed": parsed_ok,
                    "importer": review.get("verdict", "") if parsed_ok else "",
                    "lexicon": verdict_from_rating(source.label, source.value, source.best, source.worst),
                    "in_truth": row is not None,
                    "warnings": review.get("warnings", []) if parsed_ok else [],
                }
            )
    missing_truth = sorted(set(truth) - {(r["file"], r["index"]) for r in rows})
    return {"rows": rows, "file_errors": file_errors, "skipped": skipped, "lost": dict(lost), "missing": missing_truth}


# --- output ----------------------------------------------------------------------------------------------


def _pct(hits: int, total: int) -> str:
    return f"{hits}/{total} ({100 * hits / total:.0f}%)" if total else "0/0"


def report(result: dict, *, list_rows: bool) -> str:
    rows = [r for r in result["rows"] if r["in_truth"]]
    out = []
    total = len(rows)
    found = sum(r["found"] for r in rows)
    parsed = [r for r in rows if r["parsed"]]
    out.append("ClaimReview real-world sample: importer vs a careful reader")
    out.append(f"  reviews in the sample (truth.csv)       {total}")
    by_kind = Counter(r["kind"] for r in rows)
    out.append(f"    as ClaimReview markup / API responses {by_kind['markup']} / {by_kind['api']}")
    out.append(f"  reviews the importer found              {found}")
    out.append(f"  reviews the importer parsed             {len(parsed)}")
    out.append(f"  reviews skipped (found, one bad field)  {sum(r['found'] and not r['parsed'] for r in rows)}")
    out.append(f"  reviews not found (file unreadable)     {total - found}")
    if result["skipped"]:
        out.append("  skipped, with the importer's reason:")
        out.extend(f"    {file} {label}: {error}" for file, label, error in result["skipped"])
    if result["file_errors"]:
        out.append("  files the importer read no review from:")
        out.extend(f"    {file}: {error}" for file, error in sorted(result["file_errors"].items()))
    if result["missing"]:
        out.append(f"  truth.csv rows with no review in the sample files: {result['missing']}")
    extra = [r for r in result["rows"] if not r["in_truth"]]
    if extra:
        out.append(f"  reviews in the files but not in truth.csv: {[(r['file'], r['index']) for r in extra]}")

    out.append("")
    out.append("Fields present in the source but lost (reviews the importer parsed)")
    for name, description in TRACKED_FIELDS.items():
        present, lost = result["lost"].get(name, (0, 0))
        out.append(f"  {description:<52} lost {lost} of {present}")

    agree_parsed = sum(r["importer"] == r["careful"] for r in parsed)
    agree_lexicon = sum(r["lexicon"] == r["careful"] for r in rows)
    out.append("")
    out.append("Verdict agreement with the careful reader")
    out.append(f"  on the reviews parsed                   {_pct(agree_parsed, len(parsed))}")
    out.append(f"  on the whole sample (unparsed = miss)   {_pct(agree_parsed, total)}")
    out.append(f"  rating lexicon alone, whole sample      {_pct(agree_lexicon, total)}")
    out.append("  (per publisher: reviews, parsed, importer agrees, lexicon alone agrees)")
    out.append(f"  {'publisher':<34} {'languages':<18} {'n':>3} {'parsed':>7} {'importer':>9} {'lexicon':>8}")
    groups = defaultdict(list)
    for r in rows:
        groups[r["publisher"]].append(r)
    for publisher, members in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        languages = ",".join(sorted({m["language"] for m in members}))
        n_parsed = sum(m["parsed"] for m in members)
        agree = sum(m["parsed"] and m["importer"] == m["careful"] for m in members)
        lexicon = sum(m["lexicon"] == m["careful"] for m in members)
        out.append(
            f"  {publisher[:34]:<34} {languages[:18]:<18} {len(members):>3} {n_parsed:>7} {agree:>9} {lexicon:>8}"
        )

    out.append("")
    out.append("Importer verdicts that differ (file#index publisher: label -> importer, careful)")
    for r in parsed:
        if r["importer"] != r["careful"]:
            out.append(
                f"  {r['file']}#{r['index']} {r['publisher']}: {r['label'][:60]!r} -> {r['importer']}, {r['careful']}"
            )
    out.append("")
    out.append("Lexicon verdicts that differ, whole sample (file#index publisher: label -> lexicon, careful)")
    for r in rows:
        if r["lexicon"] != r["careful"]:
            out.append(
                f"  {r['file']}#{r['index']} {r['publisher']}: {r['label'][:60]!r} -> {r['lexicon']}, {r['careful']}"
            )
    if list_rows:
        out.append("")
        out.append("Every review")
        for r in rows:
            out.append(f"  {json.dumps(r, ensure_ascii=False)}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE, help="the sample directory (with truth.csv)")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON")
    parser.add_argument("--list", action="store_true", help="also list every review")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    # Settings are read so the importer may use them; nothing here opens a database connection.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fc_corpus")
    import django

    django.setup()
    result = measure(args.sample)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        print(report(result, list_rows=args.list))
    return 0


if __name__ == "__main__":
    sys.exit(main())
