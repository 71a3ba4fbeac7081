"""`make bench`: build the data, run every measurement, write the results.

BENCH_SCALE=full (default) writes bench/results.json and BENCHMARKS.md; BENCH_SCALE=small runs the same
measurements on small data in under two minutes and writes only bench/results-small.json.

Environment: BENCH_PG (server, default postgresql://postgres@127.0.0.1:5432), BENCH_DB (database name, default
factcheck_bench or factcheck_bench_small: it is dropped and rebuilt), BENCH_REDIS_URL (default db 8, or 9 for
small: flushed), BENCH_REUSE_DATA=1 to keep a database this scale already built.
"""

from __future__ import annotations

import base64
import json
import os
import platform
import random
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import psycopg

from . import captures, client, dashboard, floor, generate, links, peer, public_site, report, webhooks, writes
from .servers import VAR, RssSampler, collect_static, datasette, django_env, gunicorn, peak_rss_kb, rss_kb

ROOT = Path(__file__).resolve().parent.parent

# Per scale: seconds and requests per measurement, link-check sources.
BUDGET = {
    "full": {
        "seconds": 6.0,
        "requests": 600,
        "peer_default_requests": 60,
        "inproc_seconds": 2.0,
        "links": 5000,
        "recall_page": 200,
        "warmup": 12,
        "dashboard_requests": 20,
        "dashboard_cold": 5,
        "writes_per_language": 2000,
        "writes_creates": 1000,
        "cold_pages": 500,
        "cold_seconds": 60.0,
        "webhook_events": 10000,
        "outbox_saves": 1000,
        "captures": 5000,
        "capture_memory_mib": (1.0, 8.0, 31.5),
        "capture_cap_mib": 32,
    },
    "small": {
        "seconds": 0.25,
        "requests": 40,
        "peer_default_requests": 5,
        "inproc_seconds": 0.15,
        "links": 200,
        "recall_page": 200,
        "warmup": 6,
        "dashboard_requests": 10,
        "dashboard_cold": 3,
        "writes_per_language": 300,
        "writes_creates": 100,
        "cold_pages": 60,
        "cold_seconds": 10.0,
        "webhook_events": 300,
        "outbox_saves": 100,
        "captures": 200,
        "capture_memory_mib": (1.0, 7.5),
        "capture_cap_mib": 8,
    },
}
# Each language's query (no language=: read in every SEARCH_LANGUAGES, as a researcher's is by default) and the
# inflected forms a claim must contain to be in its truth (bench/words.py draws exactly these forms). The English
# one is the search_en call.
LANGUAGE_QUERIES = {
    "en": {"call": "search_en", "q": "render", "forms": ["render", "renders", "rendered", "rendering"]},
    "es": {"call": "search_es", "q": "vacuna", "forms": ["vacuna", "vacunas"]},
    "fr": {"call": "search_fr", "q": "déclaration", "forms": ["déclaration", "déclarations"]},
    "de": {"call": "search_de", "q": "Impfstoff", "forms": ["Impfstoff", "Impfstoffe", "Impfstoffs", "Impfstoffen"]},
    "pt": {"call": "search_pt", "q": "informação", "forms": ["informação", "informações"]},
    "zh-Hant": {"call": "search_zh_hant", "q": "處理時間", "forms": ["處理時間", "处理时间"]},
}
SEARCHES = {"search_en": "render", "search_zh": "渲染"} | {
    spec["call"]: spec["q"] for spec in LANGUAGE_QUERIES.values()
}
RECALL_QUERIES = ["渲染", "render", "处理时间", "1080p", "OpenAI 亿美元"]
CALLS = [
    "list",
    "list_verdict",
    "list_dead",
    "list_deep",
    "search_en",
    "search_zh",
    "search_es",
    "search_fr",
    "search_de",
    "search_pt",
    "search_zh_hant",
    "detail",
    "feed",
    "sources",
]
CALL_TITLES = {
    "list": "claims list, no filter",
    "list_verdict": "claims list, verdict=false",
    "list_dead": "claims list, source_health=dead",
    "list_deep": "claims list, deep cursor page",
    "search_en": "search q=render (English)",
    "search_zh": "search q=渲染 (Chinese)",
    "search_es": "search q=vacuna (Spanish)",
    "search_fr": "search q=déclaration (French)",
    "search_de": "search q=Impfstoff (German)",
    "search_pt": "search q=informação (Portuguese)",
    "search_zh_hant": "search q=處理時間 (Traditional Chinese)",
    "detail": "claim detail",
    "feed": "ClaimReview feed page",
    "sources": "sources list",
}


_T0 = time.perf_counter()
PHASES: dict[str, float] = {}


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - _T0:6.1f}s] {msg}", flush=True)


def phase(name: str) -> None:
    """Mark the start of a phase; the results keep how long each took."""
    PHASES[name] = time.perf_counter()
    log(name)


def machine() -> dict:
    mem_kb = int(
        next(ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")).split()[1]
    )
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 2**20, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps({"p": values}, separators=(",", ":")).encode()).decode().rstrip("=")


def tsquery(q: str, database_url: str) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()
    from claims.search import build

    return build(q).match


def plan_calls(conn, db_name: str, database_url: str) -> dict:
    """The paths each target gets for each call (several ids/cursors where the call takes one)."""
    rng = random.Random(6)
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM claims_claim WHERE status IN ('published', 'retracted') ORDER BY random() LIMIT 200"
        )
    ]
    lo, hi = conn.execute("SELECT min(id), max(id) FROM claims_claim").fetchone()
    # deep pages: positions in the oldest fifth of the list
    deep = [lo + int((hi - lo) * rng.uniform(0.02, 0.2)) for _ in range(50)]
    dead_where = (
        "id in (select e.claim_id from evidence e join sources s on s.id = e.source_id where s.health = 'dead')"
    )
    ds = f"/{db_name}"
    page = {"_size": "50"}
    out = {
        "list": {
            "api": ["/api/v1/claims/"],
            "floor_arg": [("list", {})],
            "peer": [f"{ds}/claims.json?" + urlencode({**page, "_sort_desc": "id"})],
        },
        "list_verdict": {
            "api": ["/api/v1/claims/?verdict=false"],
            "floor_arg": [("list_verdict", {"verdict": "false"})],
            "peer": [f"{ds}/claims.json?" + urlencode({**page, "_sort_desc": "id", "verdict": "false"})],
        },
        "list_dead": {
            "api": ["/api/v1/claims/?source_health=dead"],
            "floor_arg": [("list_dead", {})],
            "peer": [f"{ds}/claims.json?" + urlencode({**page, "_sort_desc": "id", "_where": dead_where})],
        },
        "list_deep": {
            "api": [f"/api/v1/claims/?cursor={_cursor([d])}" for d in deep],
            "floor_arg": [("list_deep", {"before": d}) for d in deep],
            "peer": [f"{ds}/claims.json?" + urlencode({**page, "_sort_desc": "id", "_next": f"{d},{d}"}) for d in deep],
        },
        "detail": {
            "ids": ids,  # the claim pages' warm row reads the same claims
            "api": [f"/api/v1/claims/{i}/" for i in ids],
            "floor_arg": [("detail", {"id": i}) for i in ids],
            "peer": [f"{ds}/claims/{i}.json" for i in ids],
        },
        "feed": {"api": ["/api/v1/claimreview/"], "floor_arg": [("feed", {})], "peer": []},
        "sources": {
            "api": ["/api/v1/sources/"],
            "floor_arg": [("sources", {})],
            # the API lists only sources cited by a public claim; the copy's evidence is theirs alone
            "peer": [
                f"{ds}/sources.json?"
                + urlencode({**page, "_sort_desc": "id", "_where": "id in (select source_id from evidence)"})
            ],
        },
    }
    for name, q in SEARCHES.items():
        tq = tsquery(q, database_url)
        out[name] = {
            "api": ["/api/v1/claims/?" + urlencode({"q": q})],
            "floor_arg": [("search", {"tsquery": tq})],
            "peer": [f"{ds}/claims.json?" + urlencode({**page, "_search": q})],
            "tsquery": tq,
        }
    for c in out.values():
        # the HTTP floor answers the API's paths (searches carry the parsed tsquery beside q)
        c["floor_http"] = [p + ("&" + urlencode({"tsquery": c["tsquery"]}) if "tsquery" in c else "") for p in c["api"]]
    return out


def truth(conn, q: str) -> set[int]:
    """Public claims containing every whitespace piece of q (case-insensitive; Chinese in either script) in quote,
    text, claimant or title."""
    where, params = [], []
    for piece in q.split():
        either = []
        for form in dict.fromkeys((piece, generate.to_traditional(piece))):
            either.append("c.quote ILIKE %s OR c.text ILIKE %s OR c.claimant ILIKE %s OR a.title ILIKE %s")
            params += [f"%{form}%"] * 4
        where.append("(" + " OR ".join(either) + ")")
    sql = (
        "SELECT c.id FROM claims_claim c LEFT JOIN claims_article a ON a.id = c.article_id "
        f"WHERE c.status IN ('published', 'retracted') AND {' AND '.join(where)}"
    )
    return {r[0] for r in conn.execute(sql, params)}


def truth_of_forms(conn, forms: list[str]) -> set[int]:
    """Public claims containing any of ``forms`` as a whole word (case-insensitive; CJK forms anywhere) in quote,
    text, claimant or article title: a scan."""
    words = [f for f in forms if not any("\u3400" <= ch <= "\u9fff" for ch in f)]
    cjk = [f for f in forms if f not in words]
    patterns = []
    if words:
        patterns.append("\\m(" + "|".join(words) + ")\\M")
    if cjk:
        patterns.append("(" + "|".join(cjk) + ")")
    pattern = "|".join(patterns)
    sql = (
        "SELECT c.id FROM claims_claim c LEFT JOIN claims_article a ON a.id = c.article_id "
        "WHERE c.status IN ('published', 'retracted') "
        "AND (c.quote ~* %s OR c.text ~* %s OR c.claimant ~* %s OR coalesce(a.title, '') ~* %s)"
    )
    return {r[0] for r in conn.execute(sql, [pattern] * 4)}


def api_walk(base: str, q: str, page_size: int) -> tuple[set[int], int, float]:
    url = base + "/api/v1/claims/?" + urlencode({"q": q, "page_size": page_size})
    found, pages, t0 = set(), 0, time.perf_counter()
    while url:
        status, _, body = client.get(url)
        if status != 200:
            raise RuntimeError(f"{url}: {status} {body[:200]!r}")
        data = json.loads(body)
        found.update(r["id"] for r in data["results"])
        pages += 1
        url = data.get("next")
    return found, pages, time.perf_counter() - t0


def peer_walk(base: str, db: str, q: str) -> set[int]:
    url = f"{base}/{db}/claims.json?" + urlencode({"_search": q, "_size": "max", "_nocount": "1", "_nofacet": "1"})
    found = set()
    while url:
        status, _, body = client.get(url)
        if status != 200:
            raise RuntimeError(f"{url}: {status}")
        data = json.loads(body)
        found.update(r[0] for r in data["rows"])
        url = data.get("next_url")
    return found


def first_ids(base: str, path: str, peer_shape: bool = False) -> list[int]:
    status, _, body = client.get(base + path)
    if status != 200:
        return []
    data = json.loads(body)
    if peer_shape:
        return [r[0] for r in data.get("rows", [])]
    if "dataFeedElement" in data:
        return [int(e["url"].rstrip("/").rsplit("/", 1)[1]) for e in data["dataFeedElement"]]
    if "results" in data:
        return [r["id"] for r in data["results"]]
    return [data["id"]] if "id" in data else []


def export_measure(api_env: dict, expected_rows: int, subset_rows: int) -> dict:
    """Stream the export as NDJSON and CSV, and a tenth of it; rows/s and the serving workers' RSS over time.

    One server for the three: the workers' RSS is sampled every 50 ms while each export streams, so the peak
    of each is its own (VmHWM, the high-water mark since the worker started, is kept too).
    """
    out = {}
    # the tenth first: memory that grew with the rows would show as a higher peak for the whole set after it
    formats = (("ndjson_subset", "format=ndjson&verdict=true"), ("ndjson", "format=ndjson"), ("csv", "format=csv"))
    with gunicorn("api-export", "factcheck.wsgi:application", api_env) as srv:
        for _ in range(6):
            client.get(srv.url + "/api/v1/claims/?page_size=1")  # wake the workers
        workers = srv.children()
        for fmt, query in formats:
            base_rss = max(rss_kb(p) for p in workers)
            with RssSampler(workers) as sampler:
                status, nbytes, lines, secs = client.stream(srv.url + "/api/v1/claims/export/?" + query)
            rows = lines - (1 if fmt == "csv" else 0)
            out[fmt] = {
                "status": status,
                "rows": rows,
                "bytes": nbytes,
                "seconds": secs,
                "rows_per_s": rows / secs if secs else 0.0,
                "worker_rss_before_mb": base_rss / 1024,
                "worker_peak_rss_mb": sampler.max_kb / 1024,
                "worker_vmhwm_mb": max(peak_rss_kb(p) for p in workers) / 1024,
            }
            log(
                f"  export {fmt}: {rows} rows in {secs:.1f}s = {rows / secs:.0f} rows/s, "
                f"RSS {base_rss / 1024:.0f} -> {sampler.max_kb / 1024:.0f} MB"
            )
    out["expected_rows"] = expected_rows
    out["subset_expected_rows"] = subset_rows
    return out


def main() -> int:
    scale_name = os.environ.get("BENCH_SCALE", "full")
    if scale_name not in generate.SCALES:
        raise SystemExit(f"BENCH_SCALE must be one of {', '.join(generate.SCALES)}")
    scale, budget = generate.SCALES[scale_name], BUDGET[scale_name]
    pg = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432").rstrip("/")
    db = os.environ.get("BENCH_DB", "factcheck_bench" if scale_name == "full" else "factcheck_bench_small")
    redis_url = os.environ.get("BENCH_REDIS_URL", f"redis://127.0.0.1:6379/{8 if scale_name == 'full' else 9}")
    dsn = f"{pg}/{db}"
    database_url = dsn.replace("postgresql://", "postgres://", 1)
    out_path = ROOT / "bench" / ("results.json" if scale_name == "full" else "results-small.json")
    VAR.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = database_url  # for claims.search imported in this process
    started = time.perf_counter()
    results: dict = {
        "scale": scale_name,
        "sizes": generate.asdict(scale),
        "machine": machine(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": db,
        "errors": [],
    }

    log(f"bench: scale {scale_name}, database {db}, Redis {redis_url}")
    results["setup_s"] = peer.ensure_venv(log)

    # 1. data
    phase("data")
    t0 = time.perf_counter()
    reuse = os.environ.get("BENCH_REUSE_DATA") == "1" and _has_data(dsn, scale)
    if reuse:
        log("  reusing the data already in the database (migrated to this code's schema first, then vacuumed)")
        generate.migrate(database_url)
        # A migration that rewrites every row (a backfill) leaves the table twice its size and its visibility map
        # empty, so index-only scans visit the heap until autovacuum comes by: measure the tables as a deployment
        # settles, as generate() leaves fresh data.
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        results["data"] = json.loads((VAR / f"data-{db}.json").read_text())
        results["data"]["reused"] = True
        captures.remove_bench_rows(dsn)  # a run stopped during the captures leaves their rows and files behind,
        links.remove_sources(dsn)  # one stopped during the link checks the farm's sources
        webhooks.remove_bench_rows(dsn)  # and one stopped during the webhooks their subscription and events
    else:
        generate.recreate_database(f"{pg}/postgres", db)
        generate.migrate(database_url)
        results["data"] = generate.generate(dsn, scale, log)
        (VAR / f"data-{db}.json").write_text(json.dumps(results["data"]))
    results["data"]["migrate_and_generate_s"] = time.perf_counter() - t0
    log(f"  data ready in {time.perf_counter() - t0:.1f}s")
    with psycopg.connect(dsn, autocommit=True) as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
        results["machine"]["postgresql"] = pg_version
        public = conn.execute("SELECT count(*) FROM claims_claim WHERE status IN ('published','retracted')").fetchone()[
            0
        ]
        subset = conn.execute(
            "SELECT count(*) FROM claims_claim WHERE status IN ('published','retracted') AND verdict = 'true'"
        ).fetchone()[0]
        calls = plan_calls(conn, "peer", database_url)
        page_plan = public_site.plan(conn, calls["detail"]["ids"], cold_pages=budget["cold_pages"], searches=SEARCHES)
        truths = {q: truth(conn, q) for q in RECALL_QUERIES}
        language_truths = {lang: truth_of_forms(conn, spec["forms"]) for lang, spec in LANGUAGE_QUERIES.items()}

        # 2. the peer's copy
        phase("peer copy")
        peer_db = VAR / "peer.db"
        results["peer_copy"] = peer.build_sqlite(dsn, peer_db, log)

        # 3. in-process floor
        phase("in-process floor")
        results["calls"] = {name: {"title": CALL_TITLES[name]} for name in CALLS}
        for name in CALLS:
            args = calls[name]["floor_arg"]
            r = client.load_inprocess(
                lambda a: floor.call(conn, a[0], a[1]), args, requests=5000, max_seconds=budget["inproc_seconds"]
            )
            results["calls"][name]["floor_inprocess"] = r.as_dict()
            log(f"  {name}: p50 {r.p50_ms:.2f} ms")
        t0 = time.perf_counter()
        n = 0
        for _line in floor.export_ndjson(conn):
            n += 1
        secs = time.perf_counter() - t0
        results["export_floor_inprocess"] = {"rows": n, "seconds": secs, "rows_per_s": n / secs if secs else 0}
        log(f"  export floor: {n} rows in {secs:.1f}s = {n / secs:.0f} rows/s")

    # 4. over HTTP: the API, the HTTP floor, Datasette
    phase("HTTP measurements")
    # The throttle stays on, its counters in Redis as deployed; a one-second window keeps each client's history
    # about as long as the default 120/min keeps it (a per-minute rate this high would make it thousands long).
    api_env = django_env(database_url, redis_url, API_ANON_THROTTLE_RATE="1000000/s")
    floor_env = {**api_env, "BENCH_FLOOR_DSN": dsn}
    lean_env = {**api_env, "DJANGO_SETTINGS_MODULE": "bench.lean"}
    with (
        gunicorn("api", "factcheck.wsgi:application", api_env) as api,
        gunicorn("floor", "bench.floor:application", floor_env) as fl,
        gunicorn("lean", "bench.lean:application", lean_env) as lean,
    ):
        results["servers"] = {
            "api": "gunicorn factcheck.wsgi --workers 3 (sync), DEBUG off, anonymous client, "
            "throttle on (1000000/s, counters in Redis)",
            "floor": "gunicorn bench.floor:application --workers 3 (sync)",
            "peer": "datasette 0.65 serve peer.db (defaults)",
        }
        # Ours first, every call, with Datasette not yet started: its default pages keep a core busy for a while
        # after each request (a count(*) of every filtered page), which slowed whatever was measured next.
        for name in CALLS:
            c = calls[name]
            entry = results["calls"][name]
            log(f"{name}")
            entry["api"] = client.measure(api.url, c["api"], budget)
            entry["floor_http"] = client.measure(fl.url, c["floor_http"], budget)
            entry["api_paths"] = c["api"][:2]
            if name == "list":
                # the experiment: the same list, same Django, read with values() + orjson (bench/lean.py)
                entry["django_lean"] = client.measure(lean.url, c["api"], budget)
                entry["rows_match_django_lean"] = first_ids(lean.url, c["api"][0]) == first_ids(api.url, c["api"][0])
            api_ids = first_ids(api.url, c["api"][0])
            floor_ids = first_ids(fl.url, c["floor_http"][0])
            entry["rows_match_floor"] = api_ids == floor_ids and bool(api_ids)
            _log_entry(entry, ("api", "django_lean", "floor_http"))
    # 4b. the readers' site: the same server and settings as the API rows, alone on the machine
    phase("public site")
    try:
        collect_static(api_env)
        with gunicorn("public", "factcheck.wsgi:application", api_env) as site:
            results["pages"] = public_site.run(site.url, page_plan, budget=budget, redis_url=redis_url, log=log)
    except Exception as exc:  # the rest of the results still count
        traceback.print_exc()
        results["errors"].append(f"public site: {exc}")

    with gunicorn("api", "factcheck.wsgi:application", api_env) as api, datasette(peer_db) as ds:
        for name in CALLS:
            c = calls[name]
            entry = results["calls"][name]
            if not c["peer"]:
                continue
            log(f"{name}: Datasette")
            entry["peer_default"] = client.measure(ds.url, c["peer"], budget, requests=budget["peer_default_requests"])
            wait_idle(ds)
            lean_paths = [p + ("&_nocount=1&_nofacet=1" if ".json?" in p else "") for p in c["peer"]]
            entry["peer_lean"] = client.measure(ds.url, lean_paths, budget)
            entry["peer_paths"] = c["peer"][:1]
            if not name.startswith("search"):
                peer_ids = first_ids(ds.url, c["peer"][0], peer_shape=True)
                entry["rows_match_peer"] = first_ids(api.url, c["api"][0]) == peer_ids
            _log_entry(entry, ("peer_default", "peer_lean"))
            wait_idle(ds)

        # 5. recall
        phase("recall")
        results["recall"] = {}
        for q in RECALL_QUERIES:
            want = truths[q]
            try:
                got, pages, secs = api_walk(api.url, q, budget["recall_page"])
            except Exception as exc:  # recorded, the run goes on
                results["errors"].append(f"recall {q}: {exc}")
                got, pages, secs = set(), 0, 0.0
            peer_got = peer_walk(ds.url, "peer", q)
            results["recall"][q] = {
                "truth": len(want),
                "api_found": len(got & want),
                "api_extra": len(got - want),
                "api_recall": len(got & want) / len(want) if want else 1.0,
                "api_pages": pages,
                "api_walk_s": secs,
                "peer_found": len(peer_got & want),
                "peer_extra": len(peer_got - want),
                "peer_recall": len(peer_got & want) / len(want) if want else 1.0,
            }
            r = results["recall"][q]
            log(
                f"  {q}: truth {r['truth']}, API {r['api_found']} (+{r['api_extra']}), "
                f"Datasette {r['peer_found']} (+{r['peer_extra']})"
            )
        results["recall_languages"] = {}
        for lang, spec in LANGUAGE_QUERIES.items():
            want = language_truths[lang]
            try:
                got, pages, secs = api_walk(api.url, spec["q"], budget["recall_page"])
            except Exception as exc:  # recorded, the run goes on
                results["errors"].append(f"recall {spec['q']}: {exc}")
                got, pages, secs = set(), 0, 0.0
            peer_got = peer_walk(ds.url, "peer", spec["q"])
            results["recall_languages"][lang] = {
                "q": spec["q"],
                "forms": spec["forms"],
                "call": spec["call"],
                "truth": len(want),
                "api_found": len(got & want),
                "api_extra": len(got - want),
                "api_recall": len(got & want) / len(want) if want else 1.0,
                "api_pages": pages,
                "api_walk_s": secs,
                "peer_found": len(peer_got & want),
                "peer_extra": len(peer_got - want),
                "peer_recall": len(peer_got & want) / len(want) if want else 1.0,
            }
            r = results["recall_languages"][lang]
            log(
                f"  {lang} {spec['q']}: truth {r['truth']}, API {r['api_found']} (+{r['api_extra']}), "
                f"Datasette {r['peer_found']} (+{r['peer_extra']})"
            )
        # the peer's export, for comparison
        status, nbytes, lines, secs = client.stream(
            ds.url + "/peer/claims.csv?" + urlencode({"_stream": "1", "_size": "max"})
        )
        results["export_peer_csv"] = {
            "status": status,
            "rows": lines - 1,
            "bytes": nbytes,
            "seconds": secs,
            "rows_per_s": (lines - 1) / secs if secs else 0.0,
        }

    # 6. export through the API
    phase("export")
    results["export"] = export_measure(api_env, public, subset)

    # 6b. the reviewers' dashboard (the admin home), in process as a logged-in reviewer
    phase("dashboard")
    try:
        results["dashboard"] = dashboard.run(
            database_url=database_url,
            redis_url=redis_url,
            requests=budget["dashboard_requests"],
            cold_requests=budget["dashboard_cold"],
            log=log,
        )
    except Exception as exc:  # the rest of the results still count
        traceback.print_exc()
        results["errors"].append(f"dashboard: {exc}")

    # 6c. what the search triggers cost a write (ORM inserts per language, triggers on and off)
    phase("write cost")
    try:
        results["writes"] = writes.run(
            database_url=database_url,
            redis_url=redis_url,
            scale_name=scale_name,
            per_language=budget["writes_per_language"],
            creates=budget["writes_creates"],
            log=log,
        )
    except Exception as exc:  # the rest of the results still count
        traceback.print_exc()
        results["errors"].append(f"writes: {exc}")

    # 7. link checks
    phase("link checks")
    try:
        results["links"] = links.run(
            dsn=dsn, database_url=database_url, redis_url=redis_url, n=budget["links"], log=log
        )
    except Exception as exc:  # the rest of the results still count
        traceback.print_exc()
        results["errors"].append(f"links: {exc}")

    # 7b. captures (issue 20): the farm's pages captured through the captures worker, against the fetcher alone
    phase("captures")
    try:
        results["captures"] = captures.run(
            dsn=dsn,
            database_url=database_url,
            redis_url=redis_url,
            n=budget["captures"],
            memory_sizes_mib=budget["capture_memory_mib"],
            memory_cap_mib=budget["capture_cap_mib"],
            log=log,
        )
    except Exception as exc:  # the rest of the results still count
        traceback.print_exc()
        results["errors"].append(f"captures: {exc}")

    # 8. webhooks: the outbox to a loopback receiver through real workers, and the outbox's cost to a claim's save
    phase("webhooks")
    try:
        results["webhooks"] = webhooks.run(
            dsn=dsn,
            database_url=database_url,
            redis_url=redis_url,
            events=budget["webhook_events"],
            saves=budget["outbox_saves"],
            log=log,
        )
    except Exception as exc:  # the rest of the results still count
        traceback.print_exc()
        results["errors"].append(f"webhooks: {exc}")

    phase("end")
    marks = sorted(PHASES.items(), key=lambda kv: kv[1])
    results["phases_s"] = {name: round(nxt - at, 1) for (name, at), (_, nxt) in zip(marks, marks[1:], strict=False)}
    results["total_s"] = time.perf_counter() - started
    results["summary"] = report.summarise(results)
    out_path.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str) + "\n")
    log(f"wrote {out_path.relative_to(ROOT)} in {results['total_s']:.0f}s")
    if scale_name == "full":
        (ROOT / "BENCHMARKS.md").write_text(report.markdown(results))
        log("wrote BENCHMARKS.md")
    return 1 if results["errors"] else 0


def _log_entry(entry: dict, targets: tuple[str, ...]) -> None:
    for target in targets:
        if target in entry:
            e = entry[target]
            log(
                f"  {target:12s} c1 p50 {e['c1']['p50_ms']:8.2f} p95 {e['c1']['p95_ms']:8.2f} ms | "
                f"c8 {e['c8']['rps']:7.0f} req/s, errors {e['c1']['errors'] + e['c8']['errors']}"
            )


def wait_idle(server, *, busy_below: float = 0.05, most: float = 60.0) -> float:
    """Wait until the server's process uses under ``busy_below`` of a core (work it queued has drained)."""
    started = time.perf_counter()
    ticks = os.sysconf("SC_CLK_TCK")

    def cpu_seconds() -> float:
        try:
            fields = Path(f"/proc/{server.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

    while time.perf_counter() - started < most:
        before = cpu_seconds()
        time.sleep(0.5)
        if cpu_seconds() - before < busy_below * 0.5:
            break
    return time.perf_counter() - started


def _has_data(dsn: str, scale) -> bool:
    try:
        with psycopg.connect(dsn) as conn:
            n = conn.execute("SELECT count(*) FROM claims_claim").fetchone()[0]
    except psycopg.Error:
        return False
    return n == scale.claims and (VAR / f"data-{dsn.rsplit('/', 1)[1]}.json").exists()


if __name__ == "__main__":
    sys.exit(main())
