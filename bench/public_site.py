"""The readers' site (issue 17) over HTTP, measured like the API calls: a claim page with its cache warm, with it
cold, a conditional GET answered 304, and the archive searched.

The server is the API's (gunicorn, DEBUG off, the page cache in the bench's Redis database), so the cache is the
deployed one. "Cold" is the page cache only: the bench's Redis database is flushed before each cold pass and every
page of the pass is a claim asked for once, so each request reads, renders and stores its page. PostgreSQL's own
buffers are whatever the run left them (the claims of a cold pass were not read by the bench before it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from urllib.parse import urlencode

from . import client

HTML = {"Accept": "text/html"}
PUBLIC_SQL = "status IN ('published', 'retracted')"
# The page cache's entries (public.views.claim.page_key) under django-redis's key prefix and version.
PAGE_ENTRIES = "*public:claim:*"
CLAIM_ITEM = b'class="claim-item"'  # one fact-check of the archive's list (public/_claim_item.html)
REDIRECTS_CHECKED = 20

TITLES = {
    "claim_warm": "claim page, warm cache",
    "claim_cold": "claim page, cold cache",
    "claim_304": "claim page, conditional GET (If-None-Match) → 304",
}


def _canonical_path(claim_id: int, text: str) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()
    from public.links import claim_path  # the site's one rule for a claim page's address

    return claim_path(claim_id, text)


def plan(conn, detail_ids: list[int], *, cold_pages: int, searches: dict[str, str]) -> dict:
    """The paths of each page row: the warm pages are the API detail call's claims; each cold pass (one at 1 client,
    one at 8) has ``cold_pages`` other public claims of its own."""
    texts = dict(conn.execute("SELECT id, text FROM claims_claim WHERE id = ANY(%s)", [detail_ids]).fetchall())
    warm = [(i, _canonical_path(i, texts[i])) for i in detail_ids]
    conn.execute("SELECT setseed(0.17)")
    others = conn.execute(
        f"SELECT id, text FROM claims_claim WHERE {PUBLIC_SQL} AND NOT (id = ANY(%s)) ORDER BY random() LIMIT %s",
        [detail_ids, 2 * cold_pages],
    ).fetchall()
    cold = [_canonical_path(i, text) for i, text in others]
    return {
        "warm": warm,
        "cold": {"c1": cold[:cold_pages], "c8": cold[cold_pages:]},
        "archive": {
            "archive_" + call.removeprefix("search_"): {"q": q, "path": "/claims/?" + urlencode({"q": q})}
            for call, q in searches.items()
        },
    }


def _redis(redis_url: str):
    import redis

    return redis.Redis.from_url(redis_url)


def page_entries(redis_url: str) -> int:
    """How many claim pages the cache holds."""
    return sum(1 for _ in _redis(redis_url).scan_iter(match=PAGE_ENTRIES, count=1000))


def _measure(base: str, paths: list[str], budget: dict, **options) -> dict:
    return client.measure(base, paths, budget, headers=HTML, **options)


def run(base: str, plan: dict, *, budget: dict, redis_url: str, log: Callable[[str], None]) -> dict:
    """Every page row against the server at ``base``; raises when a page does not answer as a reader's would."""
    out: dict = {}
    warm_paths = [path for _, path in plan["warm"]]

    # /claims/<id>/ sends the reader to the canonical path the bench asks for
    redirects_ok = 0
    for claim_id, path in plan["warm"][:REDIRECTS_CHECKED]:
        status, headers, _ = client.get(f"{base}/claims/{claim_id}/", HTML)
        redirects_ok += status == 301 and headers.get("location") == path
    if redirects_ok != min(REDIRECTS_CHECKED, len(plan["warm"])):
        raise RuntimeError(f"/claims/<id>/ redirected to the canonical path for {redirects_ok} claims only")

    # warm: each page asked once first, so every one is in the cache
    _redis(redis_url).flushdb()
    etags = {}
    for path in warm_paths:
        status, headers, _ = client.get(base + path, HTML)
        if status != 200 or "etag" not in headers:
            raise RuntimeError(f"{path}: {status}, ETag {headers.get('etag')!r}")
        etags[path] = headers["etag"]
    cached = page_entries(redis_url)
    out["claim_warm"] = {
        "title": TITLES["claim_warm"],
        "pages": len(warm_paths),
        "cache_entries": cached,
        "paths": warm_paths[:2],
        **_measure(base, warm_paths, budget),
    }
    _log("claim_warm", out["claim_warm"], log)
    conditional = {path: {"If-None-Match": etag} for path, etag in etags.items()}
    out["claim_304"] = {
        "title": TITLES["claim_304"],
        "pages": len(warm_paths),
        **_measure(base, warm_paths, budget, path_headers=conditional, expect_status=304),
    }
    _log("claim_304", out["claim_304"], log)

    # cold: the cache emptied, then each page of the pass asked once
    cold = {"title": TITLES["claim_cold"], "paths": plan["cold"]["c1"][:2]}
    for conc, paths in plan["cold"].items():
        _redis(redis_url).flushdb()
        r = client.load(
            base,
            paths,
            concurrency=int(conc[1:]),
            requests=len(paths),
            max_seconds=budget["cold_seconds"],
            warmup=0,
            headers=HTML,
        )
        # every page asked was rendered and stored: as many entries as pages asked
        cold[conc] = {**r.as_dict(), "pages": len(paths), "cache_entries_after": page_entries(redis_url)}
    out["claim_cold"] = cold
    _log("claim_cold", cold, log)

    for name, spec in plan["archive"].items():
        status, _, body = client.get(base + spec["path"], HTML)
        if status != 200:
            raise RuntimeError(f"{spec['path']}: {status}")
        out[name] = {
            "title": f"archive q={spec['q']}",
            "q": spec["q"],
            "paths": [spec["path"]],
            "items_on_page": body.count(CLAIM_ITEM),
            **_measure(base, [spec["path"]], budget),
        }
        _log(name, out[name], log)
    return out


def _log(name: str, e: dict, log: Callable[[str], None]) -> None:
    log(
        f"  {name:16s} c1 p50 {e['c1']['p50_ms']:8.2f} p95 {e['c1']['p95_ms']:8.2f} ms ({e['c1']['requests']} req) | "
        f"c8 {e['c8']['rps']:7.0f} req/s, errors {e['c1']['errors'] + e['c8']['errors']}"
    )
