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

Thresholds are settings (SIMILAR_CLAIMS_SUGGEST_THRESHOLD, SIMILAR_CLAIMS_LINK_THRESHOLD). A score is only ever
a suggestion; an import links a review to an existing claim by itself only when `automatic_link` allows it (the
same language, figures, names and words, nobody negated or swapped). README "Similar claims" gives precision and
recall of both on tests/importers/similar_pairs.py.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection, transaction
from django.db.models import Case, IntegerField, Q, QuerySet, When
from django.utils.translation import gettext as _

from .models import Claim
from .search.hanfold_table import SIMPLIFIED, TRADITIONAL

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
_CN_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
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
    # Spanish, French, German, Portuguese (German "Billion" is 10^12, so it is left out rather than misread).
    "mil millones": 1e9,
    "millones": 1e6,
    "millón": 1e6,
    "milliards": 1e9,
    "milliard": 1e9,
    "millions": 1e6,
    "milliarden": 1e9,
    "milliarde": 1e9,
    "millionen": 1e6,
    "mrd": 1e9,
    "bilhões": 1e9,
    "bilhão": 1e9,
    "milhões": 1e6,
    "milhão": 1e6,
    "%": "%",
    "percent": "%",
    "per cent": "%",
    "prozent": "%",
    "por ciento": "%",
    "pour cent": "%",
    "por cento": "%",
}
_FIGURE = re.compile(
    r"(?<![\w.])(\d+(?:[.,]\d+)*)\s*(万亿|十万|百万|千万|亿|万|千|thousand|million|billion|trillion|bn|mn|"
    r"mil millones|millones|millón|milliards?|millions|milliarden?|millionen|mrd|bilhões|bilhão|milhões|milhão|"
    r"per cent|percent|prozent|por ciento|pour cent|por cento|%|k\b|m\b|b\b)?",
    re.IGNORECASE,
)
# "Hundreds of artists" is a figure too: an order of magnitude, kept apart from an exact 100 ("~100").
_MAGNITUDES = (
    (r"\bdozens\b|\bdecenas\b|\bdizaines\b|\bdutzende\b|\bdezenas\b|数十|几十", 10),
    (
        r"\bhundreds\b|\bcientos\b|\bcentenares\b|\bcentaines\b|\bhunderte\b|\bcentenas\b|(?:数|上|几)百(?!万)",
        100,
    ),
    (r"\bthousands\b|\bmiles de\b|\bmilliers\b|\btausende\b|\bmilhares\b|数千|上千|几千", 1000),
    (r"(?<!\d)(?<!\d )\bmillions\b(?! of (?:dollars|euros|yuan))|(?:数|上)百万", 1e6),
)
# 一 before 个/家 is the article "a", not a figure; before a unit of time it is one.
_CN_FIGURE = re.compile(r"([二两三四五六七八九十](?=[个小时天年月周倍名次分秒岁])|一(?=[小时天年月周分秒]))")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# Traditional characters read as their Simplified forms, as the search index folds them (claims.search.hanfold):
# a Taiwan desk's 視頻 and 40 億 are 视频 and 40 亿. Every rule below sees Simplified Chinese only.
_HAN_FOLD = str.maketrans(TRADITIONAL, SIMPLIFIED)


def _normal(text: str) -> str:
    """NFKC (full-width forms as ASCII) and Traditional Chinese folded to Simplified."""
    return unicodedata.normalize("NFKC", text or "").translate(_HAN_FOLD)


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
    for pattern, value in _MAGNITUDES:
        if re.search(pattern, text, re.IGNORECASE):
            found.add(f"~{value:.6g}")
    return found


@lru_cache(maxsize=4096)
def features(text: str) -> Features:
    text = _normal(text)
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
            or (
                token[0].isupper()
                and lower not in STOPWORDS
                and lower not in _COMMON_OPENERS
                and not _is_grammar(lower)
            )
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


def _is_grammar(word: str) -> bool:
    """A function word of one of the languages we read ("La", "Según", "Im" open sentences; they are not names)."""
    return word in _FILLER_WORDS or word in _OPERATOR_WORDS or any(word in v for v in _FUNCTION_WORDS.values())


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
    "es": frozenset("el la los las de del que es una por para con se no lo al más están fue según y como".split()),
    "fr": frozenset("le la les de des du est une pour pas que qui dans sur au aux avec été sont".split()),
    "de": frozenset("der die das und ist nicht ein eine mit von zu den dem des auf für wird sind".split()),
    "pt": frozenset("o os a as de do da dos das que é e um uma para com não em no na foi são ao".split()),
}


def text_language(text: str, declared: str = "") -> str:
    """The language a claim text is written in, as a primary subtag ("zh", "en", ...) or "" when unknown.

    Chinese by its characters; a Latin-script text by its function words, else by the declared tag unless that
    names a CJK language (then it was the quote's)."""
    if features(text).cjk:
        return "zh"
    text = _normal(text)
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", _CJK.sub(" ", text))]
    hits = sorted(
        ((sum(w in vocabulary for w in words), code) for code, vocabulary in _FUNCTION_WORDS.items()), reverse=True
    )
    (best, code), (runner_up, _) = hits[0], hits[1]
    if best and best > runner_up:
        return code
    # Chinese grammar around Latin names ("Tim Brooks 离开了 OpenAI，加入了 Google DeepMind") and no Latin grammar.
    if not best and len(_CJK.findall(text)) >= 4:
        return "zh"
    primary = (declared or "").split("-")[0].lower()
    return "" if primary in ("", "zh", "ja", "ko", "und") else primary


def _long_enough(text: str) -> bool:
    text = _normal(text)
    if len(_CJK.findall(text)) >= MIN_LINK_CJK_CHARACTERS:
        return True
    return len(re.findall(r"[^\W_]+", _CJK.sub(" ", text))) >= MIN_LINK_WORDS


# An automatic link compares the wording itself, not only how much two texts overlap: one desk covering one story
# writes claims with the same names and most of the same words that say different things ("OpenAI cut off / restored
# access three hours after the leak"). A lexical score cannot tell a synonym from another predicate, and one added
# word can make another claim ("released the Sora model" / "released the Sora model's weights"), so a link needs the
# same words, in any order and inflection, give or take words that only carry grammar. Figures are compared on their
# own (automatic_link), so they are left out here.
# Words that only carry grammar: articles, prepositions, pronouns, "be"/"have"/"do", reporting verbs.
_FILLER_WORDS = frozenset(
    """
a an the and or but if of to in on at by for with from as into onto via per is are was were be been being am it its
this that these those there their they them he she his her we our you your i me my us do does did done has have had
having which who whom whose what when where while why how so than too very says said say saying according also
claim claims claimed
el la los las lo un una unos unas de del al en y e u que se su sus por para con como es son está están fue fueron
ha han ser según dijo dice afirma
le les l une des du d au aux à et ou qu qui sa son ses par avec dans sur est sont été être ont selon dit affirme c ce
cette
der die das den dem des ein eine einen einem einer eines und oder zu zum zur von vom im an am auf für mit ist sind war
waren hat haben sei sagt sagte laut dass sich es er sie
o os as um uma uns umas do da dos das na nos nas ao aos pelo pela é são foi foram segundo diz disse
""".split()
)
# Words whose presence changes what a claim says: negation, quantity, comparison, order in time, modality.
# They are never filler, and an added one is never excused.
_OPERATOR_WORDS = frozenset(
    """
not no nor never none neither without cannot only all every each some any few fewer less least more most much many
several both either first last again already still yet ever always almost nearly about around approximately roughly
over under above below up before after until since can could will would shall should may might must
nunca jamás ni sin ningún ninguno ninguna nada tampoco solo sólo solamente todo todos todas toda cada algún alguna
algunos algunas más menos primer primero primera último última ya todavía aún casi antes después hasta desde puede
pueden podría será serán debe
ne n pas jamais aucun aucune sans rien seulement seul tous toutes chaque quelques plus moins premier première dernier
dernière déjà encore presque avant après jusqu depuis peut pourrait sera doit
nicht kein keine keinen keinem keiner keines nie niemals ohne weder noch nichts nur alle jeder jede jedes einige mehr
weniger erst erste letzte schon bereits fast vor nach bis seit kann könnte wird werden muss
não nem sem nenhum nenhuma só somente apenas alguns algumas mais primeiro já ainda quase depois até pode poderia deve
""".split()
)
# Negation, counted per language ("no" is Portuguese for "in the").
_NEGATION_WORDS = {
    "en": frozenset("not no never none neither nor without cannot".split()),
    "es": frozenset("no nunca jamás ni sin ningún ninguno ninguna nada tampoco".split()),
    "fr": frozenset("ne n jamais aucun aucune sans ni rien".split()),
    "de": frozenset("nicht kein keine keinen keinem keiner keines nie niemals ohne weder nichts".split()),
    "pt": frozenset("não nunca jamais nem sem nenhum nenhuma nada".split()),
}
_CJK_FILLER = frozenset("的了在是和与及并被把向对从由于为之其这那个着地得而且或也就吗呢吧啊")
_CJK_OPERATORS = frozenset("不没无未非别勿否只仅才全都所每各首最更多少超逾至约近第将会能可必须应曾已再还前后")
_CJK_NEGATIONS = frozenset("不没无未非别勿否")
_CJK_NUMERALS = frozenset("零一二两三四五六七八九十百千万亿")
_CJK_REPORTING = re.compile(r"表示|指出|声称|宣称|据称|据|称|说")
_WORDING_TOKEN = re.compile(
    r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_\u3400-\u9fff\uf900-\ufaff]+(?:[-.][^\W_\u3400-\u9fff\uf900-\ufaff]+)*"
)


@lru_cache(maxsize=4096)
def _wording(text: str) -> tuple[str, ...]:
    """The words an automatic link compares, in order: Latin words lower-cased, Chinese characters one by one,
    without filler and figures."""
    text = _CJK_REPORTING.sub(" ", _normal(text).lower())
    tokens: list[str] = []
    for match in _WORDING_TOKEN.finditer(text):
        token = match.group(0)
        if _CJK.match(token):
            if token not in _CJK_FILLER and token not in _CJK_NUMERALS:
                tokens.append(token)
            continue
        # "10-second" is a figure and a word; "co-lead" is one word.
        parts = token.split("-") if re.search(r"\d", token) else [token]
        for part in parts:
            if part in _OPERATOR_WORDS or (
                len(part) > 1 and not part[0].isdigit() and part not in _FILLER_WORDS and not _is_figure_word(part)
            ):
                tokens.append(part)
    return tuple(tokens)


def _is_figure_word(word: str) -> bool:
    return word in _NUMBER_WORDS or word in _MULTIPLIERS or word in ("dollars", "dollar", "usd", "eur", "euros")


def _same_word(first: str, second: str) -> bool:
    """The same word in another inflection: the same stem ("artists" / "artist") or a long shared start with short
    endings ("co-lead" / "co-led", "contiene" / "contienen"). Operators and Chinese characters only as written."""
    if first == second:
        return True
    if _CJK.match(first) or _CJK.match(second) or first in _OPERATOR_WORDS or second in _OPERATOR_WORDS:
        return False
    if _stem(first) == _stem(second):
        return True
    shared = len(os.path.commonprefix([first, second]))
    return shared >= 5 and len(first) - shared <= 2 and len(second) - shared <= 2


def _unmatched(words: Iterable[str], other: Iterable[str]) -> list[str]:
    other = set(other)
    return sorted({w for w in words if not any(_same_word(w, o) for o in other)})


def _negations(text: str, language: str) -> int:
    text = _normal(text).lower()
    if language == "zh":
        return sum(1 for c in text if c in _CJK_NEGATIONS)
    words = re.findall(r"[^\W\d_]+", text)
    count = sum(1 for w in words if w in _NEGATION_WORDS.get(language, ()))
    return count + (len(re.findall(r"n't\b", text)) if language == "en" else 0)


def _roles_swapped(first: str, second: str) -> tuple[str, str, str] | None:
    """Two names that trade places around a word ("A left B to join C" / "A left C to join B", "X overtook Y" /
    "Y overtook X"): who did what to whom differs though every word is the same. Moving a whole phrase ("after the
    leak, ...") never does this; a passive with the same verb does, and is left to a person."""
    names = features(first).names & features(second).names
    words_a, words_b = _wording(first), _wording(second)
    pos_a = {w: i for i, w in reversed(list(enumerate(words_a)))}
    pos_b = {w: i for i, w in reversed(list(enumerate(words_b)))}
    shared = pos_a.keys() & pos_b.keys()
    for pivot in sorted(shared - names):
        before_a = {w for w in shared & names if pos_a[w] < pos_a[pivot]}
        before_b = {w for w in shared & names if pos_b[w] < pos_b[pivot]}
        moved_right = before_a - before_b
        moved_left = before_b - before_a
        if moved_right and moved_left:
            return min(moved_right), pivot, min(moved_left)
    return None


@dataclass(frozen=True)
class LinkRule:
    """Whether an import may attach a review to an existing claim by itself, and if not, why (for the reviewer)."""

    allowed: bool
    reasons: tuple[str, ...] = ()


def automatic_link(*, text: str, language: str, other_text: str, other_language: str, score: float) -> LinkRule:
    """An import links a review to an existing claim only when all of these hold; anything less is a suggestion.

    Same language (a translation is a person's call), enough text on both sides, the same figures, no name on each
    side that the other lacks (one desk covering one story writes different claims about the same people), the same
    words give or take grammar and inflection, the same negation, no names trading places around a verb, and a
    score at or above SIMILAR_CLAIMS_LINK_THRESHOLD."""
    reasons = []
    first, second = text_language(text, language), text_language(other_text, other_language)
    if not first or first != second:
        reasons.append(
            _("languages differ (%(first)s / %(second)s)")
            % {"first": first or _("unknown"), "second": second or _("unknown")}
        )
    if not (_long_enough(text) and _long_enough(other_text)):
        reasons.append(
            _("too short to link by itself (under %(words)d words or %(characters)d characters)")
            % {"words": MIN_LINK_WORDS, "characters": MIN_LINK_CJK_CHARACTERS}
        )
    a, b = features(text), features(other_text)
    if a.figures != b.figures:
        reasons.append(_("figures differ"))
    if (a.names - b.names) and (b.names - a.names):
        reasons.append(_("names differ"))
    words_a, words_b = _wording(text), _wording(other_text)
    only_a, only_b = _unmatched(words_a, words_b), _unmatched(words_b, words_a)
    if only_a or only_b:
        reasons.append(
            _("wording differs (%(first)s / %(second)s)")
            % {"first": " ".join(only_a) or "-", "second": " ".join(only_b) or "-"}
        )
    if first and first == second and _negations(text, first) != _negations(other_text, second):
        reasons.append(_("one side negates what the other says"))
    swapped = _roles_swapped(text, other_text)
    if swapped:
        reasons.append(
            _("roles swapped (%(first)s … %(pivot)s … %(second)s / the other way round)")
            % dict(zip(("first", "pivot", "second"), swapped, strict=True))
        )
    if score < settings.SIMILAR_CLAIMS_LINK_THRESHOLD:
        reasons.append(
            _("score %(score).2f below the link threshold %(threshold).2f")
            % {"score": score, "threshold": settings.SIMILAR_CLAIMS_LINK_THRESHOLD}
        )
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
    # Names look up translations (the trigram query above finds rewordings in the same script). One desk covering
    # one story holds dozens of claims naming OpenAI and Sora, so rows written in the other script come first;
    # otherwise the most recent rows in the probe's own script crowd an older translation out.
    probe_is_cjk = features(text).cjk
    other_script = Q(text__regex=_CJK.pattern) | Q(quote__regex=_CJK.pattern)
    if probe_is_cjk:
        other_script = ~Q(text__regex=_CJK.pattern) | (Q(quote__gt="") & ~Q(quote__regex=_CJK.pattern))
    for term in _anchor_terms(text):
        ids.update(
            base.filter(Q(text__icontains=term) | Q(quote__icontains=term))
            .annotate(other_script=Case(When(other_script, then=1), default=0, output_field=IntegerField()))
            .order_by("-other_script", "-id")
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
