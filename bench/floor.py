"""The floor: what each API call costs when nothing stands between PostgreSQL and the client.

Each call is one hand-written SQL statement through psycopg, its rows encoded with orjson into the same
shape the API returns (same rows, same fields, same order). ``call(conn, name, arg, host)`` runs it in process
(the in-process floor); ``application`` is a bare WSGI callable that serves the same calls on the API's paths,
run under the same gunicorn settings as the API (the HTTP floor).
"""

from __future__ import annotations

import base64
import json
import os
from urllib.parse import parse_qs

import orjson
import psycopg

PUBLIC = "c.status IN ('published', 'retracted')"
# every cited source dead with no archived copy (claims without evidence: false): a probe of the evidence tally, as
# the API reads it (claims.selectors.attention)
NEEDS_ATTENTION = """coalesce((SELECT t.evidence > 0 AND t.lost = t.evidence FROM claims_claimevidencetally t
    WHERE t.claim_id = c.id), false)"""
LIST_COLUMNS = (
    """
    c.id, c.text, c.quote, c.claimant, c.language, c.value::text, c.unit, c.verdict, c.status,
    c.reviewed_at, c.published_at, c.created_at, c.updated_at, c.version,
    a.id, a.url, a.title,
    ARRAY(SELECT t.name FROM claims_claim_tags ct JOIN claims_tag t ON t.id = ct.tag_id
          WHERE ct.claim_id = c.id ORDER BY t.name),
    c.needs_recheck, """
    + NEEDS_ATTENTION
)
PAGE = 50


def _claim_list_sql(where: str, order: str = "c.id DESC", rank: str = "NULL::float8") -> str:
    return (
        f"SELECT {LIST_COLUMNS}, {rank} AS rank FROM claims_claim c "
        f"LEFT JOIN claims_article a ON a.id = c.article_id WHERE {PUBLIC} {where} "
        f"ORDER BY {order} LIMIT {PAGE + 1}"
    )


SQL = {
    "list": _claim_list_sql(""),
    "list_verdict": _claim_list_sql("AND c.verdict = %(verdict)s"),
    "list_dead": _claim_list_sql(
        "AND EXISTS (SELECT 1 FROM claims_evidence e JOIN sources_source s ON s.id = e.source_id "
        "WHERE e.claim_id = c.id AND s.health = 'dead')"
    ),
    "list_deep": _claim_list_sql("AND c.id < %(before)s"),
    "search": _claim_list_sql(
        "AND c.search_vector @@ %(tsquery)s::tsquery",
        "rank DESC, c.id DESC",
        "ts_rank(c.search_vector, %(tsquery)s::tsquery)::float8",
    ),
    "detail": f"""
        SELECT c.id, c.text, c.quote, c.claimant, c.language, c.value::text, c.unit, c.verdict, c.status,
               c.reviewed_at, c.published_at, c.created_at, c.updated_at, c.version,
               a.id, a.url, a.title,
               ARRAY(SELECT t.name FROM claims_claim_tags ct JOIN claims_tag t ON t.id = ct.tag_id
                     WHERE ct.claim_id = c.id ORDER BY t.name),
               c.needs_recheck, {NEEDS_ATTENTION},
               c.explanation, coalesce(nullif(trim(u.first_name || ' ' || u.last_name), ''), u.username),
               c.recheck_after, c.original_rating,
               coalesce((SELECT json_agg(json_build_object(
                   'id', e.id, 'stance', e.stance, 'excerpt', e.excerpt, 'excerpt_status', e.excerpt_status,
                   'note', e.note, 'created_at', e.created_at,
                   'source', json_build_object('id', s.id, 'url', s.url, 'title', s.title, 'health', s.health,
                                               'last_checked_at', s.last_checked_at, 'archive_url', s.archive_url,
                                               'archived_at', s.archived_at)) ORDER BY e.id)
                   FROM claims_evidence e JOIN sources_source s ON s.id = e.source_id WHERE e.claim_id = c.id),
                   '[]')
        FROM claims_claim c LEFT JOIN claims_article a ON a.id = c.article_id
        LEFT JOIN auth_user u ON u.id = c.reviewer_id
        WHERE {PUBLIC} AND c.id = %(id)s""",
    "feed": f"""
        SELECT c.id, c.text, c.claimant, c.language, c.review_language, c.verdict, c.explanation, c.published_at,
               c.reviewed_at, c.updated_at,
               COALESCE(c.claimed_at, LEAST(a.published_at, (SELECT min(p.appeared_at) FROM claims_appearance p
                                                              WHERE p.claim_id = c.id))),
               a.url, a.title, a.published_at, a.language,
               ARRAY(SELECT p.url FROM claims_appearance p WHERE p.claim_id = c.id AND p.url <> ''
                     ORDER BY p.appeared_at, p.id),
               ARRAY(SELECT p.appeared_at FROM claims_appearance p WHERE p.claim_id = c.id AND p.url <> ''
                     ORDER BY p.appeared_at, p.id)
        FROM claims_claim c LEFT JOIN claims_article a ON a.id = c.article_id
        WHERE c.status = 'published'
          AND NOT EXISTS (SELECT 1 FROM claims_externalreview r WHERE r.claim_id = c.id AND c.reviewer_id IS NULL)
        ORDER BY c.id DESC LIMIT {PAGE + 1}""",
    "sources": f"""
        SELECT s.id, s.url, s.domain, s.title, s.publisher, s.health, s.last_checked_at, s.last_outcome,
               s.last_status, s.final_url, s.consecutive_failures, s.first_failure_at, s.archive_url,
               s.archived_at, s.created_at
        FROM sources_source s
        WHERE EXISTS (SELECT 1 FROM claims_evidence e JOIN claims_claim c ON c.id = e.claim_id
                      WHERE e.source_id = s.id AND {PUBLIC})
        ORDER BY s.id DESC LIMIT {PAGE + 1}""",
    "export": f"""
        SELECT c.id, c.status, c.verdict, c.language, c.claimant, c.quote, c.text, c.explanation, c.value::text,
               c.unit, ARRAY(SELECT t.name FROM claims_claim_tags ct JOIN claims_tag t ON t.id = ct.tag_id
                             WHERE ct.claim_id = c.id ORDER BY t.name),
               c.article_id, a.url, a.title,
               ARRAY(SELECT s.url FROM claims_evidence e JOIN sources_source s ON s.id = e.source_id
                     WHERE e.claim_id = c.id ORDER BY e.id),
               c.reviewed_at, c.published_at, c.created_at, c.updated_at, c.version
        FROM claims_claim c LEFT JOIN claims_article a ON a.id = c.article_id
        WHERE {PUBLIC} ORDER BY c.id DESC""",
}

LIST_FIELDS = (
    "id",
    "text",
    "quote",
    "claimant",
    "language",
    "value",
    "unit",
    "verdict",
    "status",
    "reviewed_at",
    "published_at",
    "created_at",
    "updated_at",
    "version",
)
RATING = {"false": 1, "mostly_false": 2, "mixed": 3, "mostly_true": 4, "true": 5}
LABEL = {
    "unrated": "Unrated",
    "true": "True",
    "mostly_true": "Mostly true",
    "mixed": "Mixed",
    "mostly_false": "Mostly false",
    "false": "False",
    "misleading": "Misleading",
    "unverifiable": "Unverifiable",
}
EXPORT_FIELDS = (
    "id",
    "status",
    "verdict",
    "language",
    "claimant",
    "quote",
    "text",
    "explanation",
    "value",
    "unit",
    "tags",
    "article_id",
    "article_url",
    "article_title",
    "sources",
    "reviewed_at",
    "published_at",
    "created_at",
    "updated_at",
    "version",
)


def _cursor(last_id: int, rank: float | None, base: str) -> str:
    p = [rank, last_id] if rank is not None else [last_id]
    raw = base64.urlsafe_b64encode(json.dumps({"p": p}, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{base}{'&' if '?' in base else '?'}cursor={raw}"


def _claim_dict(row, host: str) -> dict:
    d = dict(zip(LIST_FIELDS, row[:14], strict=True))
    d["api_url"] = f"{host}/api/v1/claims/{row[0]}/"
    d["retracted"] = row[8] == "retracted"
    d["article"] = {"id": row[14], "url": row[15], "title": row[16]} if row[14] is not None else None
    d["tags"] = row[17]
    d["needs_recheck"] = row[18]
    d["needs_attention"] = row[19]
    return d


def _claim_page(rows, host: str, base: str) -> bytes:
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    results = []
    for row in rows:
        d = _claim_dict(row, host)
        d["rank"] = row[20]
        results.append(d)
    nxt = _cursor(rows[-1][0], rows[-1][20], base) if more else None
    return orjson.dumps({"next": nxt, "previous": None, "results": results})


def _work(url: str, published) -> dict:
    work = {"@type": "CreativeWork", "url": url}
    if published:
        work["datePublished"] = published.isoformat()
    return work


def _feed(rows, host: str) -> bytes:
    # The API sends the next page in a Link header, not in the body; a header costs the floor nothing to speak of.
    org = {"@type": "Organization", "name": "factcheck demo desk", "url": "https://factcheck.example.org/"}
    items = []
    for (
        cid,
        text,
        claimant,
        lang,
        review_lang,
        verdict,
        expl,
        published,
        reviewed,
        updated,
        made,
        a_url,
        a_title,
        a_published,
        a_lang,
        appearances,
        appeared,
    ) in rows[:PAGE]:
        item = {"@type": "Claim"}
        if claimant:
            item["author"] = {"@type": "Person", "name": claimant}
        if made:
            item["datePublished"] = made.isoformat()
        if lang or a_lang:
            item["inLanguage"] = lang or a_lang
        works = []
        if a_url:
            work = _work(a_url, a_published)
            if a_title:
                work["headline"] = a_title
            item["firstAppearance"] = work
            works.append(work)
        works += map(_work, appearances, appeared)
        if works:
            item["appearance"] = works
        rating = {"@type": "Rating", "alternateName": LABEL[verdict]}
        if verdict in RATING:
            rating.update(ratingValue=RATING[verdict], bestRating=5, worstRating=1)
        review = {
            "@type": "ClaimReview",
            "url": f"{host}/claims/{cid}/",
            "claimReviewed": text,
            "datePublished": (published or reviewed).isoformat(),
            "dateModified": updated.isoformat(),
            "author": org,
            "reviewRating": rating,
            "itemReviewed": item,
            "inLanguage": review_lang or "en",
        }
        if expl:
            review["reviewBody"] = expl
        items.append(review)
    return orjson.dumps(
        {
            "@context": "https://schema.org",
            "@type": "DataFeed",
            "name": "factcheck demo desk: fact-checks",
            "publisher": org,
            "dataFeedElement": items,
        }
    )


def _sources(rows, base: str) -> bytes:
    names = (
        "id",
        "url",
        "domain",
        "title",
        "publisher",
        "health",
        "last_checked_at",
        "last_outcome",
        "last_status",
        "final_url",
        "consecutive_failures",
        "first_failure_at",
        "archive_url",
        "archived_at",
        "created_at",
    )
    results = [dict(zip(names, r, strict=True)) for r in rows[:PAGE]]
    nxt = _cursor(rows[PAGE - 1][0], None, base) if len(rows) > PAGE else None
    return orjson.dumps({"next": nxt, "previous": None, "results": results})


def _detail(row, host: str) -> bytes:
    d = _claim_dict(row, host)
    d.update(explanation=row[20], reviewer=row[21], recheck_after=row[22], original_rating=row[23], evidence=row[24])
    return orjson.dumps(d)


def call(conn: psycopg.Connection, name: str, arg: dict, host: str = "http://127.0.0.1") -> bytes:
    """One API call's worth of work: the SQL, the rows, the JSON bytes."""
    base = f"{host}/api/v1/{'sources' if name == 'sources' else 'claimreview' if name == 'feed' else 'claims'}/"
    rows = conn.execute(SQL[name], arg).fetchall()
    if name == "detail":
        if not rows:
            raise LookupError(arg)
        return _detail(rows[0], host)
    if name == "feed":
        return _feed(rows, host)
    if name == "sources":
        return _sources(rows, base)
    return _claim_page(rows, host, base)


def export_ndjson(conn: psycopg.Connection, chunk: int = 2000):
    """All public claims as NDJSON lines, over a server-side cursor."""
    with conn.transaction(), conn.cursor(name="floor_export") as cur:
        cur.itersize = chunk
        cur.execute(SQL["export"])
        for row in cur:
            d = dict(zip(EXPORT_FIELDS, row, strict=True))
            d["retracted"] = row[1] == "retracted"
            yield orjson.dumps(d) + b"\n"


# --- the bare WSGI callable (HTTP floor) ---------------------------------------------------------------------

_conn: psycopg.Connection | None = None


def _connection() -> psycopg.Connection:
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg.connect(os.environ["BENCH_FLOOR_DSN"], autocommit=True)
    return _conn


def route(path: str, query: dict[str, list[str]]) -> tuple[str, dict] | None:
    """The floor call that answers an API path and query, or None."""
    q = {k: v[0] for k, v in query.items()}
    if path == "/api/v1/claims/":
        if "q" in q:
            return "search", {"tsquery": q["tsquery"]}
        if "verdict" in q:
            return "list_verdict", {"verdict": q["verdict"]}
        if q.get("source_health") == "dead":
            return "list_dead", {}
        if "cursor" in q:
            raw = q["cursor"]
            data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
            return "list_deep", {"before": data["p"][-1]}
        return "list", {}
    if path == "/api/v1/claimreview/":
        return "feed", {}
    if path == "/api/v1/sources/":
        return "sources", {}
    parts = path.strip("/").split("/")
    if len(parts) == 4 and parts[:3] == ["api", "v1", "claims"] and parts[3].isdigit():
        return "detail", {"id": int(parts[3])}
    return None


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    found = route(path, parse_qs(environ.get("QUERY_STRING", "")))
    if found is None:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"detail":"Not found."}']
    host = f"http://{environ.get('HTTP_HOST', '127.0.0.1')}"
    try:
        body = call(_connection(), *found, host=host)
    except LookupError:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"detail":"Not found."}']
    ctype = "application/ld+json" if found[0] == "feed" else "application/json"
    start_response("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body)))])
    return [body]
