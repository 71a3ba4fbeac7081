"""A ClaimReview's reviewRating → our verdict.

By `alternateName` first (the words fact-checkers actually print, in English, Chinese, Spanish, French, German
and Portuguese), else by `ratingValue` placed between `worstRating` and `bestRating`, else unverifiable.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from claims.choices import Verdict

RATING_WORDS: dict[str, tuple[str, ...]] = {
    Verdict.TRUE: (
        "true",
        "correct",
        "accurate",
        "right",
        "verified",
        "fact",
        "真",
        "真的",
        "正确",
        "属实",
        "真实",
        "確實",
        "屬實",
        "正確",
        "事实",
        "verdadero",
        "verdadera",
        "cierto",
        "cierta",
        "verdad",
        "correcto",
        "vrai",
        "vraie",
        "exact",
        "exacte",
        "juste",
        "correct",
        "wahr",
        "richtig",
        "stimmt",
        "korrekt",
        "zutreffend",
        "verdadeiro",
        "verdadeira",
        "verdade",
        "correto",
        "certo",
    ),
    Verdict.MOSTLY_TRUE: (
        "mostly true",
        "mostly correct",
        "largely true",
        "largely accurate",
        "mostly accurate",
        "基本属实",
        "基本正确",
        "大致正确",
        "大部分正确",
        "大部分属实",
        "基本屬實",
        "大致屬實",
        "mayormente verdadero",
        "mayormente cierto",
        "casi verdadero",
        "en su mayoría verdadero",
        "plutôt vrai",
        "globalement vrai",
        "principalement vrai",
        "en grande partie vrai",
        "größtenteils wahr",
        "überwiegend wahr",
        "weitgehend wahr",
        "größtenteils richtig",
        "überwiegend richtig",
        "em grande parte verdadeiro",
        "maioritariamente verdadeiro",
        "quase verdadeiro",
        "praticamente verdadeiro",
    ),
    Verdict.MIXED: (
        "mixed",
        "mixture",
        "half true",
        "half-true",
        "partly true",
        "partially true",
        "partly false",
        "partially false",
        "true but",
        "mixed evidence",
        "部分正确",
        "部分属实",
        "部分错误",
        "半真半假",
        "真假参半",
        "部分正確",
        "部分屬實",
        "真假參半",
        "medio verdadero",
        "verdad a medias",
        "media verdad",
        "parcialmente verdadero",
        "parcialmente cierto",
        "parcialmente falso",
        "mixto",
        "partiellement vrai",
        "en partie vrai",
        "à moitié vrai",
        "partiellement faux",
        "mitigé",
        "mi-vrai",
        "teilweise wahr",
        "teils wahr",
        "halb wahr",
        "teilweise richtig",
        "teilweise falsch",
        "gemischt",
        "verdadero pero",
        "vrai mais",
        "wahr aber",
        "verdadeiro mas",
        "parcialmente verdadeiro",
        "meia verdade",
        "meia-verdade",
        "misto",
        "em parte verdadeiro",
    ),
    Verdict.MOSTLY_FALSE: (
        "mostly false",
        "largely false",
        "mostly incorrect",
        "mostly inaccurate",
        "基本不实",
        "大部分错误",
        "大致错误",
        "大部分不实",
        "基本錯誤",
        "大部分錯誤",
        "mayormente falso",
        "casi falso",
        "en su mayoría falso",
        "plutôt faux",
        "globalement faux",
        "principalement faux",
        "en grande partie faux",
        "größtenteils falsch",
        "überwiegend falsch",
        "weitgehend falsch",
        "em grande parte falso",
        "maioritariamente falso",
        "quase falso",
        "praticamente falso",
    ),
    Verdict.FALSE: (
        "false",
        "incorrect",
        "inaccurate",
        "wrong",
        "fake",
        "not true",
        "untrue",
        "pants on fire",
        "hoax",
        "fabricated",
        "debunked",
        "baseless",
        "no basis",
        "假",
        "假的",
        "错误",
        "不实",
        "虚假",
        "谣言",
        "不正确",
        "不属实",
        "假新闻",
        "錯誤",
        "不實",
        "虛假",
        "謠言",
        "falso",
        "falsa",
        "incorrecto",
        "bulo",
        "mentira",
        "faux",
        "fausse",
        "infox",
        "inexact",
        "erroné",
        "falsch",
        "unwahr",
        "frei erfunden",
        "erfunden",
        "incorreto",
        "boato",
        "mentiroso",
    ),
    Verdict.MISLEADING: (
        "misleading",
        "missing context",
        "out of context",
        "lacks context",
        "needs context",
        "distorted",
        "exaggerated",
        "miscaptioned",
        "manipulated",
        "altered",
        "cherry-picked",
        "误导",
        "误导性",
        "有误导性",
        "具误导性",
        "断章取义",
        "缺乏背景",
        "夸大",
        "誤導",
        "斷章取義",
        "誇大",
        "engañoso",
        "engañosa",
        "sin contexto",
        "descontextualizado",
        "fuera de contexto",
        "exagerado",
        "trompeur",
        "trompeuse",
        "hors contexte",
        "sorti de son contexte",
        "manque de contexte",
        "exagéré",
        "trompeuse",
        "manipulé",
        "irreführend",
        "fehlender kontext",
        "aus dem kontext gerissen",
        "übertrieben",
        "verzerrt",
        "manipuliert",
        "enganoso",
        "enganosa",
        "enganador",
        "fora de contexto",
        "distorcido",
        "exagerado",
        "descontextualizado",
    ),
    Verdict.UNVERIFIABLE: (
        "unverifiable",
        "unproven",
        "unsupported",
        "no evidence",
        "unverified",
        "cannot be verified",
        "not verifiable",
        "insufficient evidence",
        "unsubstantiated",
        "research in progress",
        "无法证实",
        "无法核实",
        "未经证实",
        "无法查证",
        "尚无定论",
        "证据不足",
        "無法證實",
        "未經證實",
        "no verificable",
        "inverificable",
        "sin evidencia",
        "sin pruebas",
        "no comprobado",
        "sin fundamento",
        "invérifiable",
        "non vérifiable",
        "non prouvé",
        "non étayé",
        "infondé",
        "nicht belegt",
        "unbelegt",
        "nicht belegbar",
        "nicht überprüfbar",
        "unbewiesen",
        "nicht verifizierbar",
        "inverificável",
        "não verificável",
        "sem provas",
        "sem evidências",
        "insustentável",
        "não comprovado",
    ),
}

# Our own labels ("Mostly true") read back to the same verdict, so an export re-imports as it was.
for _verdict in Verdict:
    RATING_WORDS.setdefault(_verdict.value, ())
    RATING_WORDS[_verdict.value] += (_verdict.label.lower(), _verdict.value.replace("_", " "))


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\s\-_–—:;,.!?¡¿\"'“”‘’«»()\[\]]+", " ", text)
    return text.strip()


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _build_index() -> tuple[dict[str, str], list[tuple[str, str]]]:
    exact: dict[str, str] = {}
    for verdict, words in RATING_WORDS.items():
        for word in words:
            for form in {_fold(word), _strip_accents(_fold(word))}:
                exact.setdefault(form, verdict)
    # Longest first, so "mostly false" wins over "false" and "半真半假" over "假".
    phrases = sorted(((w, v) for w, v in exact.items() if len(w) >= 2), key=lambda item: -len(item[0]))
    return exact, phrases


_EXACT, _PHRASES = _build_index()
_CJK = re.compile(r"[\u3400-\u9fff]")


def verdict_from_name(name: str) -> str | None:
    """The verdict an alternateName names, or None when none of the known words is in it."""
    folded = _fold(name)
    if not folded:
        return None
    for form in (folded, _strip_accents(folded)):
        if form in _EXACT:
            return _EXACT[form]
    for form in (folded, _strip_accents(folded)):
        for phrase, verdict in _PHRASES:
            if _CJK.search(phrase):
                if phrase in form:
                    return verdict
            elif re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", form):
                return verdict
    return None


def _number(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def verdict_from_value(value, *, best=None, worst=None) -> str | None:
    """The verdict a numeric rating stands for on its own scale (schema.org defaults: worst 1, best 5)."""
    number = _number(value)
    if number is None:
        return None
    best_n = _number(best) if best not in (None, "") else Decimal(5)
    worst_n = _number(worst) if worst not in (None, "") else Decimal(1)
    if best_n is None or worst_n is None or best_n == worst_n:
        return None
    low, high = min(best_n, worst_n), max(best_n, worst_n)
    if not low <= number <= high:
        return None
    position = float((number - worst_n) / (best_n - worst_n))  # 0 = worst, 1 = best, whichever way round
    if position >= 0.875:
        return Verdict.TRUE
    if position >= 0.625:
        return Verdict.MOSTLY_TRUE
    if position >= 0.375:
        return Verdict.MIXED
    if position >= 0.125:
        return Verdict.MOSTLY_FALSE
    return Verdict.FALSE


def map_rating(rating) -> tuple[str, str]:
    """(verdict, original rating text) for a reviewRating object, a bare name, or nothing."""
    if isinstance(rating, list):
        rating = rating[0] if rating else None
    if isinstance(rating, str):
        return (verdict_from_name(rating) or Verdict.UNVERIFIABLE), rating.strip()
    if not isinstance(rating, dict):
        return Verdict.UNVERIFIABLE, ""
    name = rating.get("alternateName") or rating.get("name") or ""
    if isinstance(name, list):
        name = name[0] if name else ""
    name = str(name).strip()
    value, best, worst = rating.get("ratingValue"), rating.get("bestRating"), rating.get("worstRating")
    original = name
    if not original and value not in (None, ""):
        shown_worst = worst if worst not in (None, "") else 1
        shown_best = best if best not in (None, "") else 5
        original = f"{value} (worst {shown_worst}, best {shown_best})"
    verdict = (verdict_from_name(name) if name else None) or verdict_from_value(value, best=best, worst=worst)
    return verdict or Verdict.UNVERIFIABLE, original[:255]
