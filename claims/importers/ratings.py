"""A ClaimReview's reviewRating → our verdict, with the publisher's numbers kept beside it.

The words fact-checkers print are data: ``rating_labels.csv`` beside this file, one row per label and language
(``language,label,verdict,publishers,note``), reviewed like code. The rules that read a rating with it:

1. **The whole label**, folded (NFKC, case, punctuation, accents), in the review's language, then in any language
   (a label two languages read differently is left unrated).
2. **The phrase it starts with**, when a sentence break follows: "False. There is no evidence…" is `false`,
   "Rating: Mostly true" is `mostly_true`. A phrase followed by a qualifier ("True, but…", "Verdadeiro em
   partes") is never read as the bare word: only a lexicon entry for the qualified phrase reads it, else it is
   left unrated. Words are never searched for inside a longer label.
3. **The number**, only when the label is unknown or missing and the scale is usable: not when best equals
   worst, a number is negative (a sentinel), the value lies off the scale, or the publisher gave one number to
   every label in the batch (``unusable_scales``).
4. Otherwise `unrated`, with the original rating kept for a person. `unverifiable` is a verdict a fact-checker
   reached ("Unproven", "Impossível provar", "无法证实"), never our guess.

Callers that import a batch: ``batch = RatingBatch.of(reviews)`` once, then ``map_review(review, batch=batch)``
for each ClaimReview object. ``map_rating`` reads a bare reviewRating (or a Fact Check API textualRating).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from claims.choices import Verdict

LEXICON_FILE = Path(__file__).resolve().parent / "rating_labels.csv"
LEXICON_LANGUAGES = ("en", "es", "fr", "de", "pt", "zh-Hans", "zh-Hant", "da", "ro")

# schema.org: "If bestRating is omitted, 5 is assumed", "If worstRating is omitted, 1 is assumed".
SCHEMA_BEST, SCHEMA_WORST = Decimal(5), Decimal(1)

# Where a number stands on its own scale (0 worst, 1 best) → verdict; used only when the label says nothing.
SCORE_BANDS = (
    (0.875, Verdict.TRUE),
    (0.625, Verdict.MOSTLY_TRUE),
    (0.375, Verdict.MIXED),
    (0.125, Verdict.MOSTLY_FALSE),
    (0.0, Verdict.FALSE),
)

# Words that, right after a verdict phrase, qualify it ("True, but…"): the phrase is then not the verdict.
QUALIFIERS = frozenset(
    {
        # en
        "but",
        "however",
        "although",
        "though",
        "except",
        "yet",
        "partly",
        "partially",
        "mostly",
        "largely",
        "half",
        "somewhat",
        "only",
        "not entirely",
        # pt
        "mas",
        "porem",
        "contudo",
        "entretanto",
        "todavia",
        "em partes",
        "em parte",
        "parcialmente",
        "exceto",
        # es
        "pero",
        "sin embargo",
        "aunque",
        "en parte",
        "salvo",
        "excepto",
        # fr
        "mais",
        "cependant",
        "toutefois",
        "pourtant",
        "en partie",
        "partiellement",
        "sauf",
        # de
        "aber",
        "jedoch",
        "doch",
        "allerdings",
        "teilweise",
        "teils",
        "zum teil",
        # da
        "men",
        "delvis",
        # zh
        "但",
        "但是",
        "不过",
        "不過",
        "然而",
        "可是",
        "部分",
        "只是",
    }
)

# A label's head that only introduces the rating ("Rating: False", "Rating by Fact Crescendo: False").
_LEAD_IN = re.compile(
    r"^(?:(?:our|the|final|[\w.]+) )?"
    r"(?:rating|ratings|score|verdict|ruling|conclusion|determination|classificacao|classificacion|calificacion"
    r"|veredito|veredicto|conclusao|conclusion|bewertung|urteil|fazit|etiqueta|selo)"
    r"(?: by .+)?$"
    r"|^(?:结论|結論|判定|查核结果|查核結果|评级|評級)$"
)
# The end of the first phrase: a full stop (before a space or the end), colon, semicolon, comma, a spaced dash.
_BREAK = re.compile(r"\s*(?:[.!?。！？…]+(?=\s|$)|[:：;；]|\s[-–—]+\s|[–—]|[,，、])\s*")
_BRACKETED_HEAD = re.compile(r"^\s*[\[【〔「(（]\s*(?P<head>[^\]】〕」)）]+?)\s*[\]】〕」)）]\s*(?P<rest>.*)$", re.S)


class MatchMethod(StrEnum):
    LABEL = "label"  # the whole label, in the review's language (or with no language given)
    LABEL_OTHER_LANGUAGE = "label_other_language"  # the whole label, found under another language
    LEAD_PHRASE = "lead_phrase"  # the verdict phrase the label starts with
    SCALE = "scale"  # the number, on a usable scale
    NONE = "none"  # nothing usable: unrated


@dataclass(frozen=True)
class LexiconEntry:
    language: str
    label: str
    verdict: str
    publishers: str = ""
    note: str = ""


@dataclass(frozen=True)
class RatingMatch:
    """What a rating says on our scale, how we read it, and the publisher's own numbers beside it.

    `rating_value`, `best_rating` and `worst_rating` are as given (None when absent or not numbers); `score` is
    (value − worst) / (best − worst), 0 worst to 1 best, only when the scale is usable."""

    verdict: str
    original_rating: str
    method: MatchMethod
    rating_text: str = ""
    matched_label: str = ""
    matched_language: str = ""
    rating_value: Decimal | None = None
    best_rating: Decimal | None = None
    worst_rating: Decimal | None = None
    score: float | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RatingBatch:
    """What one import's reviews say together: publishers whose numbers mean nothing (one number, many labels)."""

    unusable_publishers: frozenset[str] = frozenset()

    @classmethod
    def of(cls, reviews: Iterable[dict]) -> RatingBatch:
        return cls(unusable_publishers=unusable_scales(reviews))


# --- text --------------------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """A label as compared: NFKC, casefolded, punctuation and symbols as spaces, spaces collapsed."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = "".join(" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in text)
    return " ".join(text.split())


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def lexicon_language(code: str | None) -> str:
    """Our lexicon's language for a BCP 47 tag: its primary subtag, Chinese by script ("" when unknown)."""
    code = (code or "").strip().replace("_", "-").lower()
    if not code:
        return ""
    if code.startswith("zh"):
        traditional = ("hant", "tw", "hk", "mo")
        return "zh-Hant" if any(part in traditional for part in code.split("-")[1:]) else "zh-Hans"
    primary = code.split("-")[0]
    return primary if primary in LEXICON_LANGUAGES else ""


# --- the lexicon -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lexicon:
    entries: tuple[LexiconEntry, ...]
    exact: dict[str, dict[str, LexiconEntry]]  # language → folded label → entry
    loose: dict[str, dict[str, LexiconEntry]]  # language → folded label without accents → entry


def read_lexicon(path: Path = LEXICON_FILE) -> tuple[LexiconEntry, ...]:
    """The table's rows, checked: a known language and verdict, a label that is not empty once folded."""
    verdicts = set(Verdict.values)
    entries = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            entry = LexiconEntry(
                language=(row.get("language") or "").strip(),
                label=(row.get("label") or "").strip(),
                verdict=(row.get("verdict") or "").strip(),
                publishers=(row.get("publishers") or "").strip(),
                note=(row.get("note") or "").strip(),
            )
            if entry.language not in LEXICON_LANGUAGES:
                raise ValueError(f"{path.name}:{line}: language “{entry.language}” is not one of {LEXICON_LANGUAGES}")
            if entry.verdict not in verdicts:
                raise ValueError(f"{path.name}:{line}: verdict “{entry.verdict}” is not one of {sorted(verdicts)}")
            if not fold(entry.label):
                raise ValueError(f"{path.name}:{line}: the label is empty once punctuation is ignored")
            entries.append(entry)
    return tuple(entries)


def lexicon_conflicts(entries: Iterable[LexiconEntry]) -> list[str]:
    """Rows that read one (language, folded label) two ways: each label may mean one thing per language."""
    seen: dict[tuple[str, str], LexiconEntry] = {}
    conflicts = []
    for entry in entries:
        folded = fold(entry.label)
        for key in {(entry.language, folded), (entry.language, strip_accents(folded))}:
            first = seen.setdefault(key, entry)
            if first is not entry and first.verdict != entry.verdict:
                conflicts.append(
                    f"{entry.language}: “{first.label}” is {first.verdict} but “{entry.label}” is {entry.verdict}"
                )
    return conflicts


@cache
def lexicon() -> _Lexicon:
    """The table, read once per process."""
    return build_lexicon(read_lexicon())


def build_lexicon(entries: Iterable[LexiconEntry]) -> _Lexicon:
    entries = tuple(entries)
    conflicts = lexicon_conflicts(entries)
    if conflicts:
        raise ValueError(f"{LEXICON_FILE.name} reads a label two ways: " + "; ".join(conflicts))
    exact: dict[str, dict[str, LexiconEntry]] = {language: {} for language in LEXICON_LANGUAGES}
    loose: dict[str, dict[str, LexiconEntry]] = {language: {} for language in LEXICON_LANGUAGES}
    for entry in entries:
        folded = fold(entry.label)
        exact[entry.language].setdefault(folded, entry)
        loose[entry.language].setdefault(strip_accents(folded), entry)
    return _Lexicon(entries=entries, exact=exact, loose=loose)


@dataclass(frozen=True)
class _Found:
    entry: LexiconEntry | None
    other_language: bool = False
    ambiguous: tuple[LexiconEntry, ...] = ()


def _look_up(folded: str, language: str) -> _Found:
    """The entry for a folded label: the review's language first, then any language if they all agree."""
    table = lexicon()
    bare = strip_accents(folded)
    if language:
        entry = table.exact[language].get(folded) or table.loose[language].get(bare)
        if entry:
            return _Found(entry)
    hits = [table.exact[lang][folded] for lang in LEXICON_LANGUAGES if folded in table.exact[lang]]
    if not hits:
        hits = [table.loose[lang][bare] for lang in LEXICON_LANGUAGES if bare in table.loose[lang]]
    if not hits:
        return _Found(None)
    if len({entry.verdict for entry in hits}) > 1:
        return _Found(None, ambiguous=tuple(hits))
    return _Found(hits[0], other_language=bool(language))


# --- reading a label ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LabelReading:
    entry: LexiconEntry | None
    method: MatchMethod = MatchMethod.NONE
    warnings: tuple[str, ...] = ()


def _split_head(text: str) -> tuple[str, str] | None:
    """(first phrase, the rest) at the first sentence break or after a leading [bracketed] phrase."""
    bracketed = _BRACKETED_HEAD.match(text)
    if bracketed:
        return bracketed["head"], bracketed["rest"]
    found = _BREAK.search(text)
    if not found or found.start() == 0:
        return None
    return text[: found.start()], text[found.end() :]


def _leading_qualifier(folded_rest: str) -> str:
    bare = strip_accents(folded_rest)
    for qualifier in sorted(QUALIFIERS, key=len, reverse=True):
        if qualifier.isascii():
            if bare == qualifier or bare.startswith(qualifier + " "):
                return qualifier
        elif bare.startswith(qualifier):
            return qualifier
    return ""


def _qualified(text: str, phrase: str, qualifier: str) -> tuple[str, ...]:
    return (
        _("“%(label)s” qualifies “%(phrase)s” with “%(qualifier)s”, so it is not read as “%(phrase)s”")
        % {"label": text, "phrase": phrase, "qualifier": qualifier},
    )


def _unknown(text: str, folded: str, language: str) -> _LabelReading:
    """No reading; says so more precisely when the label is a verdict phrase plus a qualifier ("Falso em partes")."""
    words = folded.split()
    for cut in range(len(words) - 1, 0, -1):
        qualifier = _leading_qualifier(" ".join(words[cut:]))
        phrase = _look_up(" ".join(words[:cut]), language).entry if qualifier else None
        if phrase:
            return _LabelReading(None, warnings=_qualified(text, phrase.label, qualifier))
    return _LabelReading(None)


def _read_label(text: str, language: str, *, depth: int = 0) -> _LabelReading:
    folded = fold(text)
    if not folded:
        return _LabelReading(None)
    found = _look_up(folded, language)
    if found.entry:
        method = MatchMethod.LABEL_OTHER_LANGUAGE if found.other_language else MatchMethod.LABEL
        return _LabelReading(found.entry, method)
    if found.ambiguous:
        readings = ", ".join(f"{e.verdict} in {e.language}" for e in found.ambiguous)
        warning = _("“%(label)s” reads %(readings)s") % {"label": text, "readings": readings}
        return _LabelReading(None, warnings=(warning,))
    split = _split_head(text) if depth < 2 else None
    if split is None:
        return _unknown(text, folded, language)
    head, rest = split
    folded_head, folded_rest = fold(head), fold(rest)
    if folded_rest and _LEAD_IN.match(strip_accents(folded_head)):
        after = _read_label(rest, language, depth=depth + 1)
        return _LabelReading(after.entry, MatchMethod.LEAD_PHRASE, after.warnings) if after.entry else after
    head_found = _look_up(folded_head, language)
    if not head_found.entry:
        return _unknown(text, folded, language)
    # "Truth! & Disputed!": a rating joined to another is the pair, not its first half.
    qualifier = "&" if rest.lstrip().startswith(("&", "＆", "+")) else _leading_qualifier(folded_rest)
    if qualifier:
        # "Verdadeiro, mas …" is Lupa's own grade; "True, but …" with no such entry stays unrated.
        qualified = _look_up(f"{folded_head} {qualifier}", language)
        if qualified.entry:
            return _LabelReading(qualified.entry, MatchMethod.LEAD_PHRASE)
        return _LabelReading(None, warnings=_qualified(text, head.strip(), qualifier))
    return _LabelReading(head_found.entry, MatchMethod.LEAD_PHRASE)


# --- reading the numbers -----------------------------------------------------------------------------------


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, dict):
        value = value.get("@value")
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@dataclass(frozen=True)
class _Scale:
    value: Decimal | None
    best: Decimal | None
    worst: Decimal | None
    score: float | None
    problem: str = ""  # why the numbers cannot be read, for a person
    assumed: bool = False  # schema.org's defaults filled a missing end


def _scale(rating: dict, *, publisher_unusable: bool) -> _Scale:
    value, best, worst = (_number(rating.get(key)) for key in ("ratingValue", "bestRating", "worstRating"))
    given = {"value": value, "best": best, "worst": worst}

    def unusable(problem: str) -> _Scale:
        return _Scale(value, best, worst, None, problem)

    if value is None:
        raw = rating.get("ratingValue")
        return unusable(
            _("the ratingValue “%(value)s” is not a number") % {"value": raw} if raw not in (None, "") else ""
        )
    if any(number is not None and number < 0 for number in given.values()):
        return unusable(_("a negative number in the rating is a placeholder, not a point on a scale"))
    high = best if best is not None else SCHEMA_BEST
    low = worst if worst is not None else SCHEMA_WORST
    if high == low:
        return unusable(_("bestRating equals worstRating, so the scale has no range"))
    if not min(high, low) <= value <= max(high, low):
        return unusable(
            _("the ratingValue %(value)s lies outside its scale %(worst)s–%(best)s")
            % {"value": value, "worst": low, "best": high}
        )
    if publisher_unusable:
        return unusable(_("this publisher gave the same number to every label in this import"))
    score = round(float((value - low) / (high - low)), 4)
    return _Scale(value, best, worst, score, assumed=best is None or worst is None)


def _verdict_of_score(score: float) -> str:
    return next(verdict for floor, verdict in SCORE_BANDS if score >= floor)


# --- the public API ----------------------------------------------------------------------------------------


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _rating_name(rating: dict) -> str:
    """The rating's text as the publisher wrote it (alternateName, else name)."""
    name = _first(rating.get("alternateName")) or _first(rating.get("name")) or ""
    if isinstance(name, dict):
        name = name.get("@value") or ""
    return str(name).strip()


def map_rating(
    rating: Any, *, publisher: str | None = None, language: str | None = None, batch: RatingBatch | None = None
) -> RatingMatch:
    """Our verdict for a reviewRating object (or a bare rating text), read by the rules in this module's docstring.

    `publisher` is a ``publisher_key``; `language` the review's BCP 47 language; `batch` says which publishers'
    numbers this import cannot use."""
    rating = _first(rating)
    if isinstance(rating, str):
        rating = {"alternateName": rating}
    if not isinstance(rating, dict):
        rating = {}
    verbatim = _rating_name(rating)
    name = " ".join(verbatim.split())
    publisher_unusable = bool(batch and publisher and publisher in batch.unusable_publishers)
    scale = _scale(rating, publisher_unusable=publisher_unusable)
    numbers = {
        "rating_value": scale.value,
        "best_rating": scale.best,
        "worst_rating": scale.worst,
        "score": scale.score,
    }
    original = name
    if not original and scale.value is not None:
        shown_worst = scale.worst if scale.worst is not None else SCHEMA_WORST
        shown_best = scale.best if scale.best is not None else SCHEMA_BEST
        original = f"{scale.value} (worst {shown_worst}, best {shown_best})"
    original = original[:255]

    reading = _read_label(name, lexicon_language(language)) if name else _LabelReading(None)
    if reading.entry:
        return RatingMatch(
            verdict=reading.entry.verdict,
            original_rating=original,
            method=reading.method,
            rating_text=verbatim,
            matched_label=reading.entry.label,
            matched_language=reading.entry.language,
            warnings=reading.warnings,
            **numbers,
        )
    warnings = list(reading.warnings)
    if name and not warnings:
        warnings.append(
            _("the rating “%(label)s” is not in the lexicon (%(file)s)") % {"label": name, "file": LEXICON_FILE.name}
        )
    if scale.score is not None:
        warnings.append(
            _("the verdict was read from the number %(value)s on the scale %(worst)s–%(best)s")
            % {
                "value": scale.value,
                "worst": scale.worst if scale.worst is not None else SCHEMA_WORST,
                "best": scale.best if scale.best is not None else SCHEMA_BEST,
            }
        )
        if scale.assumed:
            warnings.append(_("the scale's missing end was taken from schema.org's defaults (worst 1, best 5)"))
        return RatingMatch(
            verdict=_verdict_of_score(scale.score),
            original_rating=original,
            method=MatchMethod.SCALE,
            rating_text=verbatim,
            warnings=tuple(warnings),
            **numbers,
        )
    if scale.problem:
        warnings.append(scale.problem)
    if not name and scale.value is None:
        warnings.append(_("the review has no rating"))
    return RatingMatch(
        verdict=Verdict.UNRATED,
        original_rating=original,
        method=MatchMethod.NONE,
        rating_text=verbatim,
        warnings=tuple(warnings),
        **numbers,
    )


def publisher_key(review: dict) -> str:
    """Who published a ClaimReview, as one comparable string: the author's (else publisher's) name, casefolded,
    or the host of its url when it has no name ("" when neither is given)."""
    for field_name in ("author", "publisher"):
        value = _first(review.get(field_name))
        if isinstance(value, str) and value.strip():
            return fold(value)
        if isinstance(value, dict):
            name = _first(value.get("name"))
            if isinstance(name, str) and fold(name):
                return fold(name)
            url = _first(value.get("url")) or value.get("@id")
            if isinstance(url, str) and url.strip():
                host = re.sub(r"^[a-z][a-z0-9+.-]*:/*", "", url.strip().casefold()).split("/")[0]
                return host.removeprefix("www.")
    return ""


def unusable_scales(reviews: Iterable[dict]) -> frozenset[str]:
    """Publishers (``publisher_key``) whose reviews in this batch give one number to differing labels.

    Lupa marks every label 4 on a scale of 6: its numbers say nothing, so they must not stand in for a label we
    do not know. A publisher with a single label in the batch cannot be judged and is left usable."""
    labels: dict[str, set[str]] = {}
    numbers: dict[str, set[tuple]] = {}
    for review in reviews:
        if not isinstance(review, dict):
            continue
        rating = _first(review.get("reviewRating"))
        if not isinstance(rating, dict):
            continue
        name, value = fold(_rating_name(rating)), _number(rating.get("ratingValue"))
        if not name or value is None:
            continue
        key = publisher_key(review)
        labels.setdefault(key, set()).add(name)
        numbers.setdefault(key, set()).add(
            (value, _number(rating.get("bestRating")), _number(rating.get("worstRating")))
        )
    return frozenset(key for key, seen in labels.items() if len(seen) > 1 and len(numbers[key]) == 1)


def map_review(review: dict, *, language: str | None = None, batch: RatingBatch | None = None) -> RatingMatch:
    """``map_rating`` for a whole ClaimReview object: its reviewRating, its publisher and its inLanguage (or the
    `language` given, e.g. the page's lang)."""
    if language is None:
        in_language = _first(review.get("inLanguage"))
        if isinstance(in_language, dict):
            in_language = in_language.get("alternateName") or in_language.get("name")
        language = in_language if isinstance(in_language, str) else None
    return map_rating(review.get("reviewRating"), publisher=publisher_key(review), language=language, batch=batch)
