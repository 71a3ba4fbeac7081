"""A researcher's query as a tsquery over the stored vector (claims.search.schema), web-search style.

Syntax, as PostgreSQL's ``websearch_to_tsquery``: words are all required; ``"exact phrase"``; ``-word`` and
``-"phrase"`` exclude; ``OR`` between two words or phrases (any case, as PostgreSQL). A quote without its pair is
read as punctuation, never an error. A whitespace-separated word of several scripts (``OpenAI亿美元``) is a phrase
of its parts, as the parser splits it.

Each word or phrase is analysed by PostgreSQL with the functions the index uses (``fc_search_text`` and
``fc_search_lexemes``), so both sides agree by construction: at each position the query accepts the exact form or any
stem of the languages it is read in (the one ``language=`` names, else every language of SEARCH_LANGUAGES), CJK
runs become phrases of their bigrams. A word that is a stop word in every language the query is read in is left
out ("la vacuna" with ``language=es`` is "vacuna"); read in several languages, a word that is a stop word in only
some of them ("war" in German, "the" in English) is still searched. A query left with nothing to look for is an
error that says so (and names ``language=`` when the language named made its words stop words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections, router
from django.utils.translation import gettext as _

from . import schema

MAX_QUERY_TERMS = 32
_CJK_CHAR = re.compile(schema.CJK_RE_CLASS)


class QueryError(ValueError):
    """The query has nothing to search for; the message says why, for the researcher."""


@dataclass(frozen=True)
class Term:
    text: str
    negated: bool = False


@dataclass
class SearchQuery:
    """The tsquery texts of one query: ``match`` ranks (and highlights); ``filter`` is ``match`` with each Latin word
    also matched as a token's start, and selects the rows; ``exact`` (every word as written) and ``phrase`` (the
    words side by side) only raise the rank of rows that also match them."""

    match: str
    filter: str = ""
    exact: str | None = None
    phrase: str | None = None
    cjk_runs: list[str] = field(default_factory=list)  # folded, for the snippets' highlighting


def parse(q: str) -> list[list[Term]]:
    """The query's clauses (ANDed), each a list of alternatives (ORed)."""
    clauses: list[list[Term]] = []
    pending_or = False
    i, n = 0, len(q)
    count = 0
    while i < n and count < MAX_QUERY_TERMS:
        if q[i].isspace():
            i += 1
            continue
        negated = q[i] == "-" and i + 1 < n and not q[i + 1].isspace()
        if negated:
            i += 1
        if q[i] == '"':
            end = q.find('"', i + 1)
            if end == -1:  # unbalanced: the quote is punctuation, the words after it ordinary words
                i += 1
                continue
            text, i = q[i + 1 : end], end + 1
        else:
            end = i
            while end < n and not q[end].isspace():
                end += 1
            text, i = q[i:end], end
            if not negated and text.lower() == "or" and clauses and not pending_or:
                pending_or = True
                continue
        term = Term(text.replace('"', " "), negated)
        count += 1
        if pending_or and clauses:
            clauses[-1].append(term)
        else:
            clauses.append([term])
        pending_or = False
    return clauses


def query_configs(language: str | None) -> tuple[str, ...]:
    """The configurations a query is read in: the stemmer of ``language`` or of every SEARCH_LANGUAGES, and exact
    forms."""
    languages = [language] if language else settings.SEARCH_LANGUAGES
    stemmers = {schema.language_config(code) for code in languages} - {schema.SIMPLE_CONFIG}
    return (*sorted(stemmers), schema.SIMPLE_CONFIG)


# (term text, configs) -> {config: {position: [lexemes]}}; the analysis changes only with a migration.
_analysed: dict[tuple[str, tuple[str, ...]], dict[str, dict[int, list[str]]]] = {}
_ANALYSED_MAX = 20_000
_ANALYSE_SQL = """
SELECT t.i, c.cfg::text, x.lexeme, x.positions
  FROM unnest(%s::text[]) WITH ORDINALITY AS t(term, i)
 CROSS JOIN unnest(%s::regconfig[]) AS c(cfg)
 CROSS JOIN LATERAL unnest(fc_search_lexemes(c.cfg, fc_search_text(t.term))) AS x
"""


def analyse(terms: list[str], configs: tuple[str, ...]) -> dict[str, dict[str, dict[int, list[str]]]]:
    missing = sorted({t for t in terms if (t, configs) not in _analysed})
    if missing:
        found: dict[str, dict[str, dict[int, list[str]]]] = {t: {c: {} for c in configs} for t in missing}
        # Where the search itself will read: an anonymous read served by a replica never touches the primary.
        with connections[router.db_for_read(None)].cursor() as cursor:
            cursor.execute(_ANALYSE_SQL, [missing, list(configs)])
            for i, config, lexeme, positions in cursor.fetchall():
                for position in positions or ():
                    found[missing[i - 1]][config].setdefault(position, []).append(lexeme)
        if len(_analysed) > _ANALYSED_MAX:
            _analysed.clear()
        for term, by_config in found.items():
            _analysed[(term, configs)] = by_config
    return {t: _analysed[(t, configs)] for t in terms}


# Marks a lexeme matched as a prefix (see _term_phrases); never part of an indexed lexeme (those are quoted).
PREFIX = "\x00:*"
# Latin-letter words long enough to be worth a prefix scan of the index.
_GLUED_WORD = re.compile(r"[a-z]{3,}")


def _lexeme(token: str) -> str:
    if token.endswith(PREFIX):
        return _lexeme(token.removesuffix(PREFIX)) + ":*"
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _is_cjk(lexeme: str) -> bool:
    return bool(_CJK_CHAR.match(lexeme))


def _phrase(slots: list[tuple[int, list[str]]]) -> str | None:
    """A phrase of (position, alternatives) slots: CJK run-final characters dropped at the end (a query's run may sit
    inside a longer one), a lone CJK character at the end a prefix (any bigram it starts)."""
    kept: list[tuple[int, str]] = []
    for index, (position, lexemes) in enumerate(slots):
        last = index == len(slots) - 1
        single_cjk = len(lexemes) == 1 and len(lexemes[0]) == 1 and _is_cjk(lexemes[0])
        if single_cjk:
            before = slots[index - 1] if index else None
            run_final = (
                before is not None
                and before[0] == position - 1
                and any(len(b) == 2 and _is_cjk(b) and b[1] == lexemes[0] for b in before[1])
            )
            if last and run_final:
                continue
            if last:
                kept.append((position, _lexeme(lexemes[0]) + ":*"))
                continue
        options = sorted(set(lexemes))
        group = " | ".join(map(_lexeme, options))
        kept.append((position, f"({group})" if len(options) > 1 else group))
    if not kept:
        return None
    text = kept[0][1]
    for (before, _unused), (position, group) in zip(kept, kept[1:], strict=False):
        distance = position - before
        text += f" <{'-' if distance == 1 else distance}> {group}"
    return f"({text})" if len(kept) > 1 else text


def _term_phrases(
    by_config: dict[str, dict[int, list[str]]], *, prefixes: bool = False
) -> tuple[str | None, str | None]:
    """The term as (any form, exact form) phrases; positions that are stop words in every stemming configuration
    (when there is one) are left out of the first."""
    exact = by_config[schema.SIMPLE_CONFIG]
    stemming = [c for c in by_config if c != schema.SIMPLE_CONFIG]
    slots, exact_slots = [], []
    for position in sorted(exact):
        exact_slots.append((position, exact[position]))
        if stemming and all(position not in by_config[c] for c in stemming):
            continue  # a stop word in every language the query is read in
        forms = {lexeme for c in by_config for lexeme in by_config[c].get(position, ())}
        # A word written against a figure ("OpenAI1911亿") is one token of the index: the word as written also
        # matches as its start, so a search for the name finds it (the substring a reader would see).
        # Only in the filter: as a rank term it would tie "vacunas" with "vacuna" and undo the exact-form order.
        if prefixes:
            forms |= {f"{lexeme}{PREFIX}" for lexeme in exact[position] if _GLUED_WORD.fullmatch(lexeme)}
        slots.append((position, sorted(forms)))
    return _phrase(slots), _phrase(exact_slots)


def build(q: str, *, language: str | None = None) -> SearchQuery:
    """The tsqueries for ``q``; QueryError when there is nothing to look for."""
    clauses = parse(q or "")
    configs = query_configs(language)
    analysed = analyse([t.text for clause in clauses for t in clause], configs)
    match_parts, filter_parts, exact_parts, phrase_parts, runs = [], [], [], [], []
    for clause in clauses:
        alternatives, filters, exact_alternatives = [], [], []
        for term in clause:
            phrase, exact = _term_phrases(analysed[term.text])
            if phrase is None:
                continue
            alternatives.append(f"!{phrase}" if term.negated else phrase)
            # An excluded word is excluded as written: its prefix would exclude other words too.
            broad = phrase if term.negated else _term_phrases(analysed[term.text], prefixes=True)[0]
            filters.append(f"!{broad}" if term.negated else broad)
            if not term.negated:
                exact_alternatives.append(exact)
                runs += _cjk_runs(term.text, analysed[term.text])
        if not alternatives:
            continue
        match_parts.append(alternatives[0] if len(alternatives) == 1 else "(" + " | ".join(alternatives) + ")")
        filter_parts.append(filters[0] if len(filters) == 1 else "(" + " | ".join(filters) + ")")
        if len(exact_alternatives) == len(alternatives):
            exact_parts.append(" | ".join(exact_alternatives))
            if len(exact_alternatives) == 1:
                phrase_parts.append(alternatives[0])
    if not exact_parts:
        if match_parts:
            raise QueryError(_("Give at least one word to look for, not only -excluded words."))
        if language:
            raise QueryError(
                _(
                    "The query has only stop words of the language named by language=%(language)s, or punctuation "
                    "(words such as “the” or “la” are not searched): add a word, or search without language= to "
                    "read it in every language."
                )
                % {"language": language}
            )
        raise QueryError(
            _(
                "The query has only stop words or punctuation (words such as “the” or “la” are not searched): "
                "add a word."
            )
        )
    return SearchQuery(
        match=" & ".join(match_parts),
        filter=" & ".join(filter_parts),
        exact=" & ".join(f"({p})" for p in exact_parts),
        phrase=" <-> ".join(phrase_parts) if len(phrase_parts) > 1 else None,
        cjk_runs=runs,
    )


def _cjk_runs(text: str, by_config: dict[str, dict[int, list[str]]]) -> list[str]:
    """The term's CJK runs, folded as indexed, rebuilt from its bigrams (for highlighting)."""
    runs, current, last = [], "", None
    for position, lexemes in sorted(by_config[schema.SIMPLE_CONFIG].items()):
        lexeme = lexemes[0]
        if not _is_cjk(lexeme):
            current, last = _flush(runs, current), None
            continue
        if len(lexeme) == 2 and last == position - 1 and current and current[-1] == lexeme[0]:
            current += lexeme[1]
        elif len(lexeme) == 2:
            current = _flush(runs, current) + lexeme
        elif not current:
            current = lexeme
        last = position
    _flush(runs, current)
    return runs


def _flush(runs: list[str], current: str) -> str:
    if current:
        runs.append(current)
    return ""
