"""Which existing claims look like this one: candidates from PostgreSQL, scored here.

Candidates come from indexes (pg_trgm similarity on the claim text, and the text's rarer names and figures
matched with ILIKE, which the same GIN trigram index serves), at most a few hundred rows whatever the table
size. Each is then scored 0..1 in Python:

* same script: Dice overlap of content words (English, lightly stemmed) and character bigrams (Chinese),
  blended with the overlap of names and figures;
* across scripts (a zh claim and its en translation): names written in Latin letters inside Chinese text
  (OpenAI, Sora, 1080p) and figures read with their units (40 亿 = 4 billion = 4000000000) are what the two
  share, so the score is how well each side's names and figures are found in the other;
* a claim with different figures is a different claim to link but worth showing: the score is cut so it can
  pass the suggest threshold but not the link threshold.

Thresholds are settings (SIMILAR_CLAIMS_SUGGEST_THRESHOLD, SIMILAR_CLAIMS_LINK_THRESHOLD); README
"Similar claims" gives their precision and recall on tests/importers/similar_pairs.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection, transaction
from django.db.models import Q, QuerySet

from .models import Claim

CANDIDATES_PER_QUERY = 60
FIGURE_MISMATCH_FACTOR = 0.6
CROSS_SCRIPT_FACTOR = 0.9
ANCHOR_WEIGHT = 0.4

STOPWORDS = frozenset(
    """
a an the and or but if of to in on at by for with from as is are was were be been being it its this that these
those there their they them he she his her we our you your i me my not no nor so than too very can could will would
shall should may might must do does did done has have had having about above after again against all also any
because before below between both during each few further here how into just more most now only other out over own
same some such then through under until up when where which while who whom why what says said say according
claim claims claimed new one
""".split()
)

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
}
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_MULTIPLIERS = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "千": 1e3,
    "万": 1e4,
    "十万": 1e5,
    "百万": 1e6,
    "千万": 1e7,
    "亿": 1e8,
    "万亿": 1e12,
    "%": "%",
    "percent": "%",
    "per cent": "%",
}
_FIGURE = re.compile(
    r"(?<![\w.])(\d+(?:[.,]\d+)*)\s*(万亿|十万|百万|千万|亿|万|千|thousand|million|billion|trillion|bn|mn|per cent|"
    r"percent|%|k\b|m\b|b\b)?",
    re.IGNORECASE,
)
# 一 before 个/家 is the article "a", not a figure; before a unit of time it is one.
_CN_FIGURE = re.compile(r"([二两三四五六七八九十](?=[个小时天年月周倍名次分秒岁])|一(?=[小时天年月周分秒]))")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN_TOKEN = re.compile(r"[^\W_]*[A-Za-z][^\W_]*(?:[-.][^\W_]+)*")


@dataclass(frozen=True)
class Features:
    shingles: frozenset[str]  # content words and CJK bigrams: what a same-language comparison uses
    latin: frozenset[str]  # every Latin-script token, lower-cased
    names: frozenset[str]  # tokens that survive translation: names, model numbers (lower-cased)
    figures: frozenset[str]  # numbers with their scale, canonical (4e9, 30%)
    cjk: bool  # written mainly in Chinese characters


def _stem(word: str) -> str:
    for suffix, keep in (("'s", 3), ("ies", 4), ("es", 5), ("s", 4), ("ing", 5), ("ed", 4)):
        if word.endswith(suffix) and len(word) - len(suffix) >= keep - 1:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def _figures(text: str) -> set[str]:
    found: set[str] = set()
    for match in _FIGURE.finditer(text):
        raw, unit = match.group(1), (match.group(2) or "").lower()
        if re.fullmatch(r"\d{1,3}(,\d{3})+", raw):
            raw = raw.replace(",", "")
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            continue
        scale = _MULTIPLIERS.get(unit, 1)
        if scale == "%":
            found.add(f"{value:g}%")
        else:
            found.add(f"{value * scale:.6g}")
    for match in _CN_FIGURE.finditer(text):
        found.add(f"{float(_CN_DIGITS[match.group(1)[0]]):.6g}")
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in _NUMBER_WORDS:
            found.add(f"{float(_NUMBER_WORDS[word]):.6g}")
    return found


@lru_cache(maxsize=4096)
def features(text: str) -> Features:
    text = unicodedata.normalize("NFKC", text or "")
    cjk_chars = len(_CJK.findall(text))
    latin_tokens = _LATIN_TOKEN.findall(text)
    is_cjk = cjk_chars > sum(len(t) for t in latin_tokens) / 3
    shingles: set[str] = set()
    for run in _CJK_RUN.findall(text):
        shingles.update(run[i : i + 2] for i in range(max(1, len(run) - 1)))
    latin = {t.lower() for t in latin_tokens}
    shingles.update(_stem(t) for t in latin if t not in STOPWORDS and len(t) > 1)
    shingles.update(re.findall(r"\d+(?:[.,]\d+)?", text))
    names: set[str] = set()
    sentence_start = True
    for match in re.finditer(r"[^\W_]+(?:[-.][^\W_]+)*|[.!?。！？]", text):
        token = match.group(0)
        if token in ".!?。！？":
            sentence_start = True
            continue
        if not re.search(r"[A-Za-z]", token):
            sentence_start = False
            continue
        lower = token.lower()
        distinctive = re.search(r"\d", token) or re.search(r"[a-z][A-Z]", token) or (token.isupper() and len(token) > 1)
        capitalised = token[0].isupper() and not sentence_start
        if (
            is_cjk
            or distinctive
            or capitalised
            or (token[0].isupper() and lower not in STOPWORDS and lower not in _COMMON_OPENERS)
        ):
            if lower not in STOPWORDS:
                names.add(lower)
        sentence_start = False
    return Features(frozenset(shingles), frozenset(latin), frozenset(names), frozenset(_figures(text)), is_cjk)


# Capitalised sentence openers that are ordinary words, not names.
_COMMON_OPENERS = frozenset(
    """
leaked leak artists artist testers users people researchers scientists experts officials police government
company companies video videos photo image post posts drinking eating taking using new old early many most several
""".split()
)


def _dice(a: Iterable[str], b: Iterable[str]) -> float:
    a, b = set(a), set(b)
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def _coverage(anchors: frozenset[str], other: set[str]) -> float:
    return len(anchors & other) / len(anchors) if anchors else 0.0


def similarity_score(first: str, second: str) -> float:
    """How alike two claim texts are, 0..1 (symmetric)."""
    a, b = features(first), features(second)
    figures_differ = bool(a.figures and b.figures and a.figures != b.figures)
    if a.cjk == b.cjk:
        lexical = _dice(a.shingles, b.shingles)
        anchors_a, anchors_b = a.names | a.figures, b.names | b.figures
        score = lexical
        if anchors_a and anchors_b:
            score = max(lexical, (1 - ANCHOR_WEIGHT) * lexical + ANCHOR_WEIGHT * _dice(anchors_a, anchors_b))
    else:
        cjk, other = (a, b) if a.cjk else (b, a)
        cjk_anchors = cjk.names | cjk.figures
        other_anchors = other.names | other.figures
        forward = _coverage(cjk_anchors, set(other.latin) | set(other.figures))
        backward = _coverage(other_anchors, set(cjk.latin) | set(cjk.figures))
        shared = len(cjk_anchors & (set(other.latin) | set(other.figures)))
        score = 0.0
        if forward and backward:
            score = 2 * forward * backward / (forward + backward)
        score *= CROSS_SCRIPT_FACTOR * min(1.0, (shared + 1) / 4)
    if figures_differ:
        score *= FIGURE_MISMATCH_FACTOR
    return round(min(score, 1.0), 4)


def claim_similarity(claim_a: Claim, claim_b: Claim) -> float:
    """Best score over each claim's text and quote (a quote may be in the language the other claim uses)."""
    texts_a = [t for t in (claim_a.text, claim_a.quote) if t]
    texts_b = [t for t in (claim_b.text, claim_b.quote) if t]
    return max((similarity_score(x, y) for x in texts_a for y in texts_b), default=0.0)


# --- when a match may be linked without a person ------------------------------------------------------------

# Alegre's rule for automatic matches: short texts look alike too easily. Both sides need this much text.
MIN_LINK_WORDS = 8
MIN_LINK_CJK_CHARACTERS = 12

# A few function words per language: enough to tell which Latin-script language a claim is written in, where the
# declared tag may be the quote's (a Chinese quote, an English statement).
_FUNCTION_WORDS = {
    "en": frozenset(
        "the a an and of to is are was were that with for has have will not from this by can at it be who".split()
    ),
    "es": frozenset("el la los las del que es una por para con se no lo al más están fue".split()),
    "fr": frozenset("le la les des du est une pour pas que qui dans sur au aux avec été sont".split()),
    "de": frozenset("der die das und ist nicht ein eine mit von zu den dem des auf für wird sind".split()),
    "pt": frozenset("o os as do da dos das que é um uma para com não em no na foi são ao".split()),
}


def text_language(text: str, declared: str = "") -> str:
    """The language a claim text is written in, as a primary subtag ("zh", "en", ...) or "" when unknown.

    Chinese by its characters; a Latin-script text by its function words, else by the declared tag unless that
    names a CJK language (then it was the quote's)."""
    if features(text).cjk:
        return "zh"
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", unicodedata.normalize("NFKC", text or ""))]
    hits = sorted(
        ((sum(w in vocabulary for w in words), code) for code, vocabulary in _FUNCTION_WORDS.items()), reverse=True
    )
    (best, code), (runner_up, _) = hits[0], hits[1]
    if best and best > runner_up:
        return code
    primary = (declared or "").split("-")[0].lower()
    return "" if primary in ("", "zh", "ja", "ko", "und") else primary


def _long_enough(text: str) -> bool:
    text = unicodedata.normalize("NFKC", text or "")
    if len(_CJK.findall(text)) >= MIN_LINK_CJK_CHARACTERS:
        return True
    return len(re.findall(r"[^\W_]+", _CJK.sub(" ", text))) >= MIN_LINK_WORDS


@dataclass(frozen=True)
class LinkRule:
    """Whether an import may attach a review to an existing claim by itself, and if not, why (for the reviewer)."""

    allowed: bool
    reasons: tuple[str, ...] = ()


def automatic_link(*, text: str, language: str, other_text: str, other_language: str, score: float) -> LinkRule:
    """An import links a review to an existing claim only when all of these hold; anything less is a suggestion.

    Same language (a translation is a person's call), enough text on both sides, the same figures, no name on each
    side that the other lacks (one desk covering one story writes different claims about the same people), and a
    score at or above SIMILAR_CLAIMS_LINK_THRESHOLD."""
    reasons = []
    first, second = text_language(text, language), text_language(other_text, other_language)
    if not first or first != second:
        reasons.append(f"languages differ ({first or 'unknown'} / {second or 'unknown'})")
    if not (_long_enough(text) and _long_enough(other_text)):
        reasons.append(
            f"too short to link by itself (under {MIN_LINK_WORDS} words or {MIN_LINK_CJK_CHARACTERS} characters)"
        )
    a, b = features(text), features(other_text)
    if a.figures != b.figures:
        reasons.append("figures differ")
    if (a.names - b.names) and (b.names - a.names):
        reasons.append("names differ")
    if score < settings.SIMILAR_CLAIMS_LINK_THRESHOLD:
        reasons.append(f"score {score:.2f} below the link threshold {settings.SIMILAR_CLAIMS_LINK_THRESHOLD:.2f}")
    return LinkRule(allowed=not reasons, reasons=tuple(reasons))


# --- candidates and the selector ---------------------------------------------------------------------------


@dataclass
class SimilarClaim:
    claim: Claim
    score: float


def _anchor_terms(text: str) -> list[str]:
    """The rarest-looking names to look up with ILIKE: long, distinctive tokens first (an index serves >= 3)."""
    names = [n for n in features(text).names if len(n) >= 3]
    return sorted(names, key=lambda n: (-bool(re.search(r"\d", n)), -len(n)))[:4]


def _candidate_ids(text: str, base: QuerySet) -> set[int]:
    ids: set[int] = set()
    with transaction.atomic():
        # `%` uses the GIN trigram index; lower its cut-off for this query only (SET LOCAL ends with it).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL pg_trgm.similarity_threshold = 0.15")
        ids.update(
            base.filter(text__trigram_similar=text)
            .annotate(trgm=TrigramSimilarity("text", text))
            .order_by("-trgm")
            .values_list("id", flat=True)[:CANDIDATES_PER_QUERY]
        )
    for term in _anchor_terms(text):
        ids.update(
            base.filter(Q(text__icontains=term) | Q(quote__icontains=term))
            .order_by("-id")
            .values_list("id", flat=True)[:CANDIDATES_PER_QUERY]
        )
    return ids


def similar_claims(
    *,
    text: str,
    quote: str = "",
    queryset: QuerySet | None = None,
    exclude_ids: Iterable[int] = (),
    threshold: float | None = None,
    limit: int | None = None,
) -> list[SimilarClaim]:
    """Claims (from `queryset`, default all) scoring at least `threshold` against text/quote, best first."""
    threshold = settings.SIMILAR_CLAIMS_SUGGEST_THRESHOLD if threshold is None else threshold
    limit = settings.SIMILAR_CLAIMS_LIMIT if limit is None else limit
    base = (queryset if queryset is not None else Claim.objects.all()).exclude(pk__in=list(exclude_ids))
    ids: set[int] = set()
    for probe in {t for t in (text, quote) if t}:
        ids |= _candidate_ids(probe, base)
    if not ids:
        return []
    probe_claim = Claim(text=text, quote=quote)
    scored = []
    for candidate in Claim.objects.filter(pk__in=ids).only("id", "text", "quote", "verdict", "status", "language"):
        score = claim_similarity(probe_claim, candidate)
        if score >= threshold:
            scored.append(SimilarClaim(claim=candidate, score=score))
    scored.sort(key=lambda s: (-s.score, -s.claim.pk))
    return scored[:limit]


def claim_similar_list(
    *, claim: Claim, queryset: QuerySet | None = None, threshold: float | None = None, limit: int | None = None
) -> list[SimilarClaim]:
    """Claims that look like `claim` (itself excluded), best first: the admin panel and the API use this."""
    return similar_claims(
        text=claim.text, quote=claim.quote, queryset=queryset, exclude_ids=[claim.pk], threshold=threshold, limit=limit
    )
