"""Bilingual full-text search over claims.

PostgreSQL's parsers do not split Chinese, and trigram indexes cannot serve two-character words, so the
stored ``Claim.search_vector`` is built here, in Python, from one tokenizer that the query side shares:

* English (any non-CJK script): lower-cased NFKC words (``[^\\W_]+``), one position each.
* Chinese (and other CJK runs): every character bigram, one position each, so a query of n >= 2
  characters becomes the phrase of its n-1 bigrams (``处理 <-> 理时 <-> 时间``); the run's last character
  as a unigram at the last bigram's position, so a one-character query (``处:*``, a prefix match) finds
  every occurrence; and jieba's segments of three or more characters (shorter ones are already bigrams),
  which let a whole-word query rank the rows where it is a word above those where it only spans words.
* Fields are weighted (quote and text A, claimant B, article title C) and kept one position apart so a
  phrase never matches across two fields.

Why Python and not a trigger: jieba cannot run inside PostgreSQL, and a literal computed at write time can
be written by ``COPY`` in bulk loads (``search_document`` is the one function a loader calls), whereas
filling the column afterwards with ``UPDATE`` takes tens of minutes at a million rows. The services keep it
current (``claim_save``; ``article_upsert`` re-indexes an article's claims when its title changes).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import defaultdict
from functools import cache

from django.contrib.postgres.search import SearchQueryField
from django.db.models import BooleanField, F, FloatField, Func, QuerySet, Value
from django.db.models.functions import Cast

MAX_POSITION = 16383  # PostgreSQL clamps positions here
MAX_TOKEN_LENGTH = 255  # longer "words" are noise (and PostgreSQL refuses lexemes over 2 KB)
MAX_QUERY_TERMS = 32

_CJK = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs and compatibility ideographs
    "\uac00-\ud7af"  # hangul syllables
    "\U00020000-\U0003134f"  # CJK extensions B-H
)
_RUNS = re.compile(f"([{_CJK}]+)|((?:(?![{_CJK}])[^\\W_])+)")


@cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def normalize(text: str) -> str:
    # NFKC folds full-width digits and letters (１０８０ｐ) into ASCII, as readers type them.
    return unicodedata.normalize("NFKC", text or "").lower()


def _is_cjk_run(match: re.Match) -> bool:
    return match.group(1) is not None


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _field_tokens(text: str, start: int) -> tuple[list[tuple[str, int]], int]:
    """(token, position) pairs of one field, and the next free position."""
    tokens: list[tuple[str, int]] = []
    pos = start
    for match in _RUNS.finditer(normalize(text)):
        if not _is_cjk_run(match):
            word = match.group(2)
            if len(word) <= MAX_TOKEN_LENGTH:
                tokens.append((word, pos))
                pos += 1
            continue
        run = match.group(1)
        if len(run) == 1:
            tokens.append((run, pos))
            pos += 1
            continue
        for i in range(len(run) - 1):
            tokens.append((run[i : i + 2], pos + i))
        tokens.append((run[-1], pos + len(run) - 2))
        offset = 0
        for segment in _jieba().lcut(run, HMM=False):
            if len(segment) >= 3:
                tokens.append((segment, pos + min(offset, len(run) - 2)))
            offset += len(segment)
        pos += len(run) - 1
    return tokens, pos


def search_document(*, quote: str = "", text: str = "", claimant: str = "", article_title: str = "") -> str:
    """The claim's tsvector as a PostgreSQL literal (cast implicitly on INSERT, or written by COPY)."""
    positions: dict[str, dict[int, str]] = defaultdict(dict)
    pos = 1
    for value, weight in ((quote, "A"), (text, "A"), (claimant, "B"), (article_title, "C")):
        tokens, pos = _field_tokens(value, pos)
        pos += 1  # a gap, so no phrase spans two fields
        for token, at in tokens:
            at = min(at, MAX_POSITION)
            positions[token].setdefault(at, weight)
    return " ".join(
        _lexeme(token) + ":" + ",".join(f"{at}{w}" for at, w in sorted(places.items()))
        for token, places in sorted(positions.items())
    )


def claim_search_document(claim, *, article_title: str | None = None) -> str:
    if article_title is None:
        article_title = claim.article.title if claim.article_id else ""
    return search_document(quote=claim.quote, text=claim.text, claimant=claim.claimant, article_title=article_title)


def _chunk_query(chunk: str) -> str | None:
    """One whitespace-separated piece of the query as a tsquery phrase (None if it has no words)."""
    matches = list(_RUNS.finditer(normalize(chunk)))
    parts: list[str] = []
    for match in matches:
        if not _is_cjk_run(match):
            word = match.group(2)
            if len(word) <= MAX_TOKEN_LENGTH:
                # Word-prefix matching: "render" finds rendering and renders; short words match exactly.
                parts.append(_lexeme(word) + (":*" if len(word) >= 3 else ""))
            continue
        run = match.group(1)
        if len(run) == 1:
            parts.append(_lexeme(run) + ":*")  # any bigram starting with it, or the run-final unigram
        else:
            parts.extend(_lexeme(run[i : i + 2]) for i in range(len(run) - 1))
    if not parts:
        return None
    phrase = " <-> ".join(parts)
    if len(matches) == 1 and _is_cjk_run(matches[0]) and len(matches[0].group(1)) >= 3:
        # The same rows match (a segment implies its bigrams); rows where it is a whole word rank higher.
        phrase = f"{_lexeme(matches[0].group(1))} | ({phrase})"
    return phrase


def parse_query(q: str) -> str | None:
    """The tsquery text for a user's query: its whitespace-separated pieces ANDed, each a phrase."""
    pieces = [p for p in (_chunk_query(chunk) for chunk in (q or "").split()[:MAX_QUERY_TERMS]) if p]
    if not pieces:
        return None
    return " & ".join(f"({p})" if len(pieces) > 1 and ("<->" in p or "|" in p) else p for p in pieces)


class TSMatch(Func):
    """``vector @@ query`` as a boolean expression usable in filter()."""

    template = "(%(expressions)s)"
    arg_joiner = " @@ "

    def __init__(self, vector, query):
        super().__init__(vector, query, output_field=BooleanField())


def _tsquery(text: str):
    # A cast, not to_tsquery(): the lexemes are already normalised and must not be parsed again.
    return Cast(Value(text), output_field=SearchQueryField())


def search_claims(queryset: QuerySet, q: str) -> tuple[QuerySet, bool]:
    """Filter claims by ``q`` and annotate ``rank``. Returns (queryset, ranked)."""
    tsquery = parse_query(q)
    if tsquery is None:
        return queryset.none(), False
    query = _tsquery(tsquery)
    queryset = queryset.filter(TSMatch(F("search_vector"), query)).annotate(
        # float8 so the value round-trips exactly through a pagination cursor.
        rank=Cast(Func(F("search_vector"), query, function="ts_rank"), output_field=FloatField()),
    )
    return queryset, True
