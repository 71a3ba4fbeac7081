"""Full-text search over claims, in every language we import, kept by the database.

* claims.search.schema: the stored vector, computed by PostgreSQL (SQL functions and triggers) on every write;
* claims.search.query: a researcher's query (web-search syntax, ``language=``) as tsqueries;
* claims.search.snippet: the highlighted passage of each result;
* claims.search.hanfold: Traditional -> Simplified Chinese, from OpenCC's data.
"""

from __future__ import annotations

import json

from django.contrib.postgres.search import SearchQueryField
from django.db import connections, router
from django.db.models import BooleanField, F, FloatField, Func, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from .query import QueryError, SearchQuery, build
from .snippet import HEADLINE_OPTIONS, snippet

__all__ = ["QueryError", "SearchQuery", "build", "search_claims", "snippet", "snippet_sources"]


class TSMatch(Func):
    """``vector @@ query`` as a boolean expression usable in filter()."""

    template = "(%(expressions)s)"
    arg_joiner = " @@ "

    def __init__(self, vector, query):
        super().__init__(vector, query, output_field=BooleanField())


def _tsquery(text: str):
    # A cast, not to_tsquery(): the lexemes are already analysed and must not be parsed again.
    return Cast(Value(text), output_field=SearchQueryField())


def _bonus(query: str | None) -> str:
    return "" if query is None else " + (CASE WHEN claims_claim.search_vector @@ %s::tsquery THEN 1 ELSE 0 END)"


# The page's snippets: ts_headline marks the stemmed and exact matches of quote and text; the folded texts and the
# query's CJK runs let claims.search.snippet mark the CJK ones. A statement of its own, over the ids of the page
# once it is cut: as a select-list expression of the search, where PostgreSQL computes it depends on the plan (a
# serial plan that joins the article before its sort computed it for every match, 646 for "Impfstoff" at 1M
# claims, 150 ms instead of 8), and the pager's look-ahead row would get one too. The folded texts only serve CJK
# runs: a query with none skips the fold.
_SNIPPET_SOURCES_SQL = (
    "SELECT c.id, ARRAY[ts_headline(fc_search_config(c.language), c.quote, %s::tsquery, %s),"
    " ts_headline(fc_search_config(c.language), c.text, %s::tsquery, %s),"
    " CASE WHEN %s THEN fc_fold_han(c.quote) END, CASE WHEN %s THEN fc_fold_han(c.text) END, %s]"
    " FROM claims_claim c WHERE c.id = ANY(%s)"
)


def search_claims(queryset: QuerySet, q: str, *, language: str | None = None) -> QuerySet:
    """Filter claims by ``q`` (read in ``language``, else in every SEARCH_LANGUAGES) and annotate ``rank``; the
    page's snippets come after (snippet_sources). Raises QueryError when ``q`` has nothing to look for."""
    search = build(q, language=language)
    selects = _tsquery(search.filter or search.match)
    # Rank on the stored vector; a row with every word as written, or the words side by side, ranks above the rest.
    rank_sql = "ts_rank(claims_claim.search_vector, %s::tsquery)::float8" + _bonus(search.exact) + _bonus(search.phrase)
    rank_params = [search.match, *(p for p in (search.exact, search.phrase) if p is not None)]
    return queryset.filter(TSMatch(F("search_vector"), selects)).annotate(
        rank=RawSQL(rank_sql, rank_params, output_field=FloatField())
    )


def snippet_sources(claim_ids: list[int], q: str, *, language: str | None = None) -> dict[int, list]:
    """Each claim's ``snippet_source`` (for claims.search.snippet.snippet) for ``q`` as search_claims read it, in one
    statement: call it with the ids of the page being returned, never more."""
    if not claim_ids:
        return {}
    search = build(q, language=language)
    fold = bool(search.cjk_runs)
    params = [search.match, HEADLINE_OPTIONS, search.match, HEADLINE_OPTIONS, fold, fold, json.dumps(search.cjk_runs)]
    # Where the search itself read: an anonymous read served by a replica never touches the primary.
    with connections[router.db_for_read(None)].cursor() as cursor:
        cursor.execute(_SNIPPET_SOURCES_SQL, [*params, list(claim_ids)])
        return dict(cursor.fetchall())
