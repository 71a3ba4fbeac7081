"""Ratios, targets and the BENCHMARKS.md table, from one run's results."""

from __future__ import annotations

from pathlib import Path

LIST_CALLS = ("list", "list_verdict", "list_dead", "list_deep", "feed", "sources")
PLAIN_PAGES = ("list", "list_verdict", "list_dead", "list_deep", "detail", "sources")
SEARCH_CALLS = ("search_en", "search_zh", "search_es", "search_fr", "search_de", "search_pt", "search_zh_hant")
# Each language's query (bench/run.py LANGUAGE_QUERIES): issue 16's target is p95 ≤ 30 ms at one client.
LANGUAGE_CALLS = ("search_en", "search_es", "search_fr", "search_de", "search_pt", "search_zh_hant")
ANALYSIS = Path(__file__).resolve().parent / "analysis.md"
# The readers' site (issue 17, bench/public_site.py): p95 at one client. The 304 row has no target of its own.
PAGE_TARGETS_MS = {"claim_warm": 15, "claim_cold": 40}
ARCHIVE_TARGET_MS = 40


def page_target_ms(name: str) -> int | None:
    """The p95 target of a row of the readers' site, None for a row measured without one."""
    return ARCHIVE_TARGET_MS if name.startswith("archive_") else PAGE_TARGETS_MS.get(name)


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or not b:
        return None
    return a / b


def _get(entry: dict, target: str, conc: str, key: str):
    return entry.get(target, {}).get(conc, {}).get(key)


def summarise(results: dict) -> dict:
    calls = results.get("calls", {})
    per_call, targets = {}, []
    for name, e in calls.items():
        s = {
            "api_p50_ms": _get(e, "api", "c1", "p50_ms"),
            "api_p95_ms": _get(e, "api", "c1", "p95_ms"),
            "api_p99_ms": _get(e, "api", "c1", "p99_ms"),
            "api_rps_c1": _get(e, "api", "c1", "rps"),
            "api_rps_c8": _get(e, "api", "c8", "rps"),
            "api_p95_ms_c8": _get(e, "api", "c8", "p95_ms"),
            "floor_http_p50_ms": _get(e, "floor_http", "c1", "p50_ms"),
            "floor_http_p95_ms": _get(e, "floor_http", "c1", "p95_ms"),
            "floor_http_rps_c8": _get(e, "floor_http", "c8", "rps"),
            "floor_inprocess_p50_ms": e.get("floor_inprocess", {}).get("p50_ms"),
            "peer_default_p50_ms": _get(e, "peer_default", "c1", "p50_ms"),
            "peer_lean_p50_ms": _get(e, "peer_lean", "c1", "p50_ms"),
        }
        s["api_over_floor_http_p50"] = _ratio(s["api_p50_ms"], s["floor_http_p50_ms"])
        s["api_over_floor_http_p95"] = _ratio(s["api_p95_ms"], s["floor_http_p95_ms"])
        s["api_over_floor_inprocess_p50"] = _ratio(s["api_p50_ms"], s["floor_inprocess_p50_ms"])
        s["api_over_peer_default_p50"] = _ratio(s["api_p50_ms"], s["peer_default_p50_ms"])
        s["api_over_peer_lean_p50"] = _ratio(s["api_p50_ms"], s["peer_lean_p50_ms"])
        s["floor_http_over_api_rps_c8"] = _ratio(s["floor_http_rps_c8"], s["api_rps_c8"])
        per_call[name] = s
        p95 = s["api_p95_ms"]
        if name in LANGUAGE_CALLS:
            targets.append(
                _target(
                    f"{name}: p95 ≤ 30 ms at 1 client",
                    p95 is not None and p95 <= 30,
                    f"{p95:.1f} ms" if p95 is not None else "n/a",
                )
            )
        elif name in SEARCH_CALLS:
            targets.append(
                _target(
                    f"{name}: p95 ≤ 50 ms at 1 client",
                    p95 is not None and p95 <= 50,
                    f"{p95:.1f} ms" if p95 is not None else "n/a",
                )
            )
        else:
            targets.append(
                _target(
                    f"{name}: p95 ≤ 25 ms at 1 client",
                    p95 is not None and p95 <= 25,
                    f"{p95:.1f} ms" if p95 is not None else "n/a",
                )
            )
        r = s["api_over_floor_http_p50"]
        targets.append(
            _target(
                f"{name}: API / HTTP floor ≤ 3× (p50)",
                r is not None and r <= 3,
                f"{r:.2f}×" if r is not None else "n/a",
            )
        )
        if s["peer_default_p50_ms"] is not None:
            r = s["api_over_peer_default_p50"]
            targets.append(_target(f"{name}: ahead of Datasette default (p50)", r < 1, f"{r:.2f}×"))
            if name in PLAIN_PAGES:
                r = s["api_over_peer_lean_p50"]
                targets.append(_target(f"{name}: within 1.5× of Datasette lean (p50)", r <= 1.5, f"{r:.2f}×"))
    for name, e in results.get("pages", {}).items():
        limit = page_target_ms(name)
        if limit is not None:
            p95 = e["c1"]["p95_ms"]
            targets.append(_target(f"{e['title']}: p95 ≤ {limit} ms at 1 client", p95 <= limit, f"{p95:.1f} ms"))
    for q, r in results.get("recall", {}).items():
        targets.append(
            _target(
                f"search {q!r}: every matching claim found",
                r["api_found"] == r["truth"],
                f"{r['api_found']}/{r['truth']} (Datasette {r['peer_found']}/{r['truth']})",
            )
        )
    for lang, r in results.get("recall_languages", {}).items():
        targets.append(
            _target(
                f"search {r['q']!r} ({lang}): every claim with one of its forms found",
                r["api_found"] == r["truth"],
                f"{r['api_found']}/{r['truth']} (Datasette {r['peer_found']}/{r['truth']})",
            )
        )
    ex = results.get("export", {})
    for fmt in ("ndjson", "csv"):
        if fmt in ex:
            e = ex[fmt]
            complete = e["rows"] == ex.get("expected_rows")
            targets.append(
                _target(
                    f"export {fmt}: ≥ 20,000 claims/s, all rows",
                    e["rows_per_s"] >= 20000 and complete,
                    f"{e['rows_per_s']:.0f} rows/s, {e['rows']}/{ex.get('expected_rows')} rows",
                )
            )
            targets.append(
                _target(
                    f"export {fmt}: server peak ≤ 200 MB",
                    e["worker_peak_rss_mb"] <= 200,
                    f"{e['worker_peak_rss_mb']:.0f} MB",
                )
            )
    if "ndjson" in ex and "ndjson_subset" in ex:
        full, sub = ex["ndjson"], ex["ndjson_subset"]
        growth = full["worker_peak_rss_mb"] - sub["worker_peak_rss_mb"]
        targets.append(
            _target(
                "export memory flat in the number of claims",
                growth <= 20,
                f"{sub['rows']} rows: {sub['worker_peak_rss_mb']:.0f} MB, {full['rows']} rows: "
                f"{full['worker_peak_rss_mb']:.0f} MB",
            )
        )
    lk = results.get("links", {})
    if "checker_interval_0" in lk:
        r = lk["checker_interval_0"]
        targets.append(
            _target(
                "link checks, no interval: ≥ 50% of the limit",
                r["ratio_to_limit"] >= 0.5,
                f"{r['checks_per_s']:.0f}/s of {r['limit_per_s']:.0f}/s = {r['ratio_to_limit']:.0%}",
            )
        )
    if "checker_default" in lk:
        r = lk["checker_default"]
        targets.append(
            _target(
                "link checks, default interval: ≥ 90% of its limit",
                r["ratio_to_limit"] >= 0.9,
                f"{r['checks_per_s']:.0f}/s of {r['limit_per_s']:.0f}/s = {r['ratio_to_limit']:.0%}",
            )
        )
    if lk.get("linkchecker"):
        lc = lk["linkchecker"]
        best = lk["checker_interval_0"]["checks_per_s"]
        dflt = lk.get("checker_default", {}).get("checks_per_s")
        targets.append(
            _target(
                "link checks faster than LinkChecker on the same list",
                best > lc["checks_per_s"] and (dflt is None or dflt > lc["checks_per_s"]),
                f"LinkChecker {lc['checks_per_s']:.0f}/s; ours {best:.0f}/s (no interval)"
                + (f", {dflt:.0f}/s (default interval)" if dflt else ""),
            )
        )
    db = results.get("dashboard")
    if db:
        for kind in ("warm", "cold"):
            p95 = db[f"page_{kind}"]["p95_ms"]
            targets.append(
                _target(f"reviewer dashboard (admin home), {kind} cache: p95 < 300 ms", p95 < 300, f"{p95:.0f} ms")
            )
        if "page_cold_newest_check" in db:  # the windows full of rows: "now" at the data's newest check
            p95 = db["page_cold_newest_check"]["p95_ms"]
            targets.append(
                _target(
                    "reviewer dashboard, cold cache, windows ending at the newest check: p95 < 300 ms",
                    p95 < 300,
                    f"{p95:.0f} ms",
                )
            )
    targets += capture_targets(results.get("captures"))
    targets += webhook_targets(results.get("webhooks"))
    return {"calls": per_call, "targets": targets, "met": sum(t["met"] for t in targets), "total": len(targets)}


def capture_targets(cap: dict | None) -> list[dict]:
    """Issue 20: captures/s through the worker ≥ 50% of the fetcher alone at the same politeness; a recapture of
    unchanged pages stores 0 new bytes; the worker's peak memory flat in the body's size up to the cap (the rule:
    bench/captures.py MEMORY_RATIO_LIMIT). The bytes stored per capture are a figure without a target."""
    if not cap:
        return []
    out = []
    c, ceiling = cap.get("capture"), cap.get("fetcher_only")
    if c and ceiling:
        ratio = cap.get("ratio_to_fetcher") or 0.0
        out.append(
            _target(
                "captures: ≥ 50% of the fetcher-only rate at the same politeness, end to end through the worker",
                c["complete"] and ratio >= 0.5,
                f"{c['captures_per_s']:.0f}/s of {ceiling['fetches_per_s']:.0f}/s = {ratio:.0%} "
                f"({c['ok']:,}/{c['captures']:,} in {c['wall_s']:.1f} s)",
            )
        )
    d = cap.get("dedupe")
    if d:
        out.append(
            _target(
                "captures: a recapture of unchanged pages stores 0 new bytes",
                d["new_bytes"] == 0 and d["duplicate_rows"] == d["captures"] > 0,
                f"{d['new_bytes']:,} new bytes, {d['duplicate_rows']:,}/{d['captures']:,} rows pointing to the first",
            )
        )
    m = cap.get("memory")
    if m:
        peaks = ", ".join(f"{mib} MiB: {e['peak_rss_mb']:.0f} MB" for mib, e in m["sizes"].items())
        out.append(
            _target(
                "captures: worker peak memory flat in body size up to the cap "
                f"(largest / smallest ≤ {m['ratio_limit']:g})",
                m["flat"],
                f"{peaks}; {m['ratio_largest_to_smallest']:.2f}×, growth {m['growth_mb']:.1f} MB",
            )
        )
    return out


def webhook_targets(wh: dict | None) -> list[dict]:
    """Issue 19: ≥ 1,000 deliveries/s to the fast receiver; the outbox's write on the claim save path under 1 ms; and
    at least once (every event delivered, each delivery id once on a run without faults)."""
    if not wh:
        return []
    out = []
    fast = wh.get("fast")
    if fast:
        out.append(
            _target(
                "webhooks: ≥ 1,000 deliveries/s to a receiver answering at once",
                fast["complete"] and fast["deliveries_per_s"] >= 1000,
                f"{fast['deliveries_per_s']:,.0f}/s ({fast['delivered']:,}/{fast['events']:,} in "
                f"{fast['wall_s']:.1f} s)",
            )
        )
    runs = [wh[name] for name in ("fast", "slow") if name in wh]
    if runs:
        out.append(
            _target(
                "webhooks: every event delivered, each delivery id once",
                all(r["complete"] and r["receiver"]["deliveries"] == r["events"] for r in runs),
                "; ".join(
                    f"{name}: {r['receiver']['deliveries']:,}/{r['events']:,} ids, {r['receiver']['duplicates']} "
                    "duplicates"
                    for name, r in zip(("fast", "slow"), runs, strict=False)
                ),
            )
        )
    cost = wh.get("outbox_cost")
    if cost:
        e = cost["event_record_ms"]
        out.append(
            _target(
                "outbox write on the claim save path (the event, in the save's transaction): median < 1 ms",
                e["p50"] < 1,
                f"{e['p50']:.2f} ms median, {e['p95']:.2f} ms p95",
            )
        )
    return out


def _target(what: str, met: bool, figure: str) -> dict:
    return {"target": what, "met": bool(met), "figure": figure}


def _ms(v) -> str:
    return "–" if v is None else (f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}")


def _lat(e: dict | None) -> str:
    if not e:
        return "–"
    return f"{_ms(e['p50_ms'])} / {_ms(e['p95_ms'])} / {_ms(e['p99_ms'])}"


def _x(v) -> str:
    return "–" if v is None else f"{v:.2f}×"


def markdown(results: dict) -> str:
    m = results["machine"]
    cores, mem, date = str(m["cores"]), f"{m['memory_gib']} GiB", results["date"][:10]
    sizes = results["sizes"]
    data = results["data"]
    size = f"{sizes['claims']:,} claims"
    s = results["summary"]
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {results['date']} ({m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, "
        f"PostgreSQL {m.get('postgresql', '?')}, Python {m['python']}). Machine-readable: `bench/results.json`. "
        "`BENCH_SCALE=small make bench` runs the same measurements on 20,000 claims in under two minutes "
        "(`bench/results-small.json`).",
        "",
        f"**Targets met: {s['met']} of {s['total']}.** The list is under *Targets*; why the missed ones miss, "
        "and what would fix them, under *Analysis*.",
        "",
        "## Data",
        "",
        f"A separate database (`{results['database']}`), migrated, then filled with COPY from worker processes: "
        f"{sizes['claims']:,} claims (half Chinese, a fifth of it in Traditional characters; half in Latin script: "
        "60% English, 10% each Spanish, French, German, Portuguese; verdict mix as in bench/generate.py), "
        f"{sizes['articles']:,} articles, {sizes['sources']:,} sources, "
        f"{data['rows'].get('claims_evidence', 0):,} evidence rows, {data['rows'].get('sources_linkcheck', 0):,} "
        f"link checks, {data['rows'].get('claims_claim_tags', 0):,} claim tags. The stored search vector is "
        "computed by PostgreSQL's triggers as COPY writes each claim (claims.search.schema): the claims' COPY took "
        f"{data['timings'].get('copy_claims_s', 0):.0f} s, "
        f"{data['search'].get('claims_copy_rows_per_s', 0):,} claims/s from "
        f"{data['search'].get('copy_processes', 0)} COPY streams. "
        f"Generation: {data['timings']['total_s']:.0f} s in all ({data['rows_per_s']:,.0f} rows/s; COPY "
        f"{data['timings']['copy_s']:.0f} s, indexes {data['timings']['indexes_s']:.0f} s, foreign keys "
        f"{data['timings']['foreign_keys_s']:.0f} s, VACUUM ANALYZE {data['timings']['vacuum_analyze_s']:.0f} s); "
        f"database {data['database_bytes'] / 2**30:.1f} GiB.",
        "",
        "## API calls",
        "",
        "Latency at 1 client, p50 / p95 / p99 in ms; throughput at 8 concurrent clients. Every server runs on "
        "loopback under the deployed shape (gunicorn, 3 sync workers, DEBUG off); the client is "
        "`bench/client.py` (threads, one connection each) on the same 2 cores. *Ratio*: API time / that row's "
        "time at p50 (above 1 means the API is slower).",
        "",
        "| what | size | p50 / p95 / p99 ms | throughput (8 clients) | ratio | cores | memory | date |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, e in results["calls"].items():
        c = s["calls"][name]
        lines.append(
            f"| **{e['title']}: API** | {size} | {_lat(e.get('api', {}).get('c1'))} | "
            f"{e['api']['c8']['rps']:.0f} req/s | – | {cores} | {mem} | {date} |"
        )
        lines.append(
            f"| {e['title']}: HTTP floor | {size} | {_lat(e.get('floor_http', {}).get('c1'))} | "
            f"{e['floor_http']['c8']['rps']:.0f} req/s | {_x(c['api_over_floor_http_p50'])} | {cores} | "
            f"{mem} | {date} |"
        )
        if "django_lean" in e:
            lean_ratio = _ratio(c["api_p50_ms"], e["django_lean"]["c1"]["p50_ms"])
            lines.append(
                f"| {e['title']}: same Django, values() + orjson (experiment, bench/lean.py) | {size} | "
                f"{_lat(e['django_lean']['c1'])} | {e['django_lean']['c8']['rps']:.0f} req/s | "
                f"{_x(lean_ratio)} | {cores} | {mem} | {date} |"
            )
        fi = e.get("floor_inprocess", {})
        lines.append(
            f"| {e['title']}: in-process floor | {size} | {_lat(fi)} | "
            f"{fi.get('rps', 0):.0f} calls/s (1 thread) | {_x(c['api_over_floor_inprocess_p50'])} | "
            f"{cores} | {mem} | {date} |"
        )
        if "peer_default" in e:
            lines.append(
                f"| {e['title']}: Datasette default | {results['peer_copy']['rows']['claims']:,} public "
                f"claims | {_lat(e['peer_default']['c1'])} | {e['peer_default']['c8']['rps']:.1f} req/s | "
                f"{_x(c['api_over_peer_default_p50'])} | {cores} | {mem} | {date} |"
            )
            lines.append(
                f"| {e['title']}: Datasette lean | {results['peer_copy']['rows']['claims']:,} public "
                f"claims | {_lat(e['peer_lean']['c1'])} | {e['peer_lean']['c8']['rps']:.0f} req/s | "
                f"{_x(c['api_over_peer_lean_p50'])} | {cores} | {mem} | {date} |"
            )
    lines += [
        "",
        "Same rows: for every call the API's first page was compared with the HTTP floor's (same ids in "
        "the same order) and, for the plain pages, with Datasette's:",
        "",
    ]
    for e in results["calls"].values():
        peer_match = e.get("rows_match_peer")
        lines.append(
            f"- {e['title']}: floor {'same rows' if e.get('rows_match_floor') else 'DIFFERENT rows'}"
            + ("" if peer_match is None else f"; Datasette {'same rows' if peer_match else 'different rows'}")
        )
    lines += pages_section(results.get("pages"), size, cores, mem, date)
    lines += [
        "",
        "## Search recall",
        "",
        "Truth: public claims containing the query text (every whitespace-separated piece, case-insensitive) "
        "in quote, text, claimant or article title, found by a scan. The API is walked through every page "
        "(`page_size=200`); Datasette through `_search` (FTS5, default tokenizer) with `_size=max`.",
        "",
        "| query | claims containing it | API found (extra) | API pages walked | Datasette found (extra) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for q, r in results.get("recall", {}).items():
        lines.append(
            f"| {q} | {r['truth']:,} | {r['api_found']:,} ({r['api_extra']}) = "
            f"{r['api_recall']:.0%} | "
            f"{r['api_pages']} in {r['api_walk_s']:.1f} s | {r['peer_found']:,} ({r['peer_extra']}) = "
            f"{r['peer_recall']:.1%} |"
        )
    lines += recall_languages_section(results.get("recall_languages"))
    lines += writes_section(results.get("writes"), data, date)
    ex = results.get("export", {})
    lines += [
        "",
        "## Export",
        "",
        "All public claims through `GET /api/v1/claims/export/`, read to the end by one client; the serving "
        "worker's resident memory sampled every 50 ms from /proc (and its VmHWM).",
        "",
        "| what | rows | time | rows/s | worker RSS before → peak | date |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for fmt in ("ndjson", "csv", "ndjson_subset"):
        if fmt in ex:
            e = ex[fmt]
            label = {"ndjson": "NDJSON, all", "csv": "CSV, all", "ndjson_subset": "NDJSON, verdict=true only"}[fmt]
            lines.append(
                f"| API export {label} | {e['rows']:,} | {e['seconds']:.1f} s | {e['rows_per_s']:,.0f} | "
                f"{e['worker_rss_before_mb']:.0f} → {e['worker_peak_rss_mb']:.0f} MB | {date} |"
            )
    fe = results.get("export_floor_inprocess")
    if fe:
        lines.append(
            f"| floor: SQL + orjson NDJSON in process | {fe['rows']:,} | {fe['seconds']:.1f} s | "
            f"{fe['rows_per_s']:,.0f} | – | {date} |"
        )
    pe = results.get("export_peer_csv")
    if pe and pe["rows"] < results.get("peer_copy", {}).get("rows", {}).get("claims", 0):
        pe = {
            **pe,
            "note": f" (stopped at {pe['rows']:,} of {results['peer_copy']['rows']['claims']:,}: "
            "Datasette's max_csv_mb=100 default)",
        }
    if pe:
        lines.append(
            f"| Datasette CSV `_stream=1`{pe.get('note', '')} | {pe['rows']:,} | {pe['seconds']:.1f} s | "
            f"{pe['rows_per_s']:,.0f} | – | {date} |"
        )
    lk = results.get("links")
    lines += ["", "## Link checks", ""]
    if lk:
        f = lk["farm"]
        lines += [
            f"{f['urls']:,} sources on a loopback farm of {f['hosts']} hosts (127.0.0.2 … 127.0.0.51), every "
            f"answer after {f['delay_s'] * 1000:.0f} ms; mix: {f['mix']}. Checked end to end: the beat task "
            "`check_due_sources` is sent through Redis and real Celery workers (prefork, concurrency 4, as in "
            "docker-compose.yml) claim, check and record them; the clock stops when the last LinkCheck row "
            "is in PostgreSQL. LinkChecker 10 (defaults: 10 threads) checks the same url list "
            "(`--stdin -r 0 --check-extern`).",
            "",
            "| what | urls | time | checks/s | limit | ratio | farm: max in flight per host, min gap | date |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for key, label in (
            ("checker_interval_0", "Celery checker, LINKCHECK_HOST_INTERVAL=0"),
            ("checker_default", "Celery checker, default settings (interval 0.5 s)"),
        ):
            if key in lk:
                r = lk[key]
                gap = r["farm"]["min_start_gap_per_host_s"]
                lines.append(
                    f"| {label} | {r['checked']:,}/{r['sources']:,} | {r['wall_s']:.1f} s | "
                    f"{r['checks_per_s']:.0f} | {r['limit_per_s']:.0f}/s | {r['ratio_to_limit']:.0%} | "
                    f"{r['farm']['max_in_flight_per_host']}, {gap * 1000:.0f} ms | {date} |"
                )
        lc = lk.get("linkchecker")
        if lc:
            gap = lc["farm"]["min_start_gap_per_host_s"]
            lines.append(
                f"| LinkChecker 10, same urls | {lc['checked']:,}/{lc['urls']:,} | {lc['wall_s']:.1f} s | "
                f"{lc['checks_per_s']:.0f} | – | ours / LinkChecker = "
                f"{lk['checker_vs_linkchecker']:.1f}× | {lc['farm']['max_in_flight_per_host']}, "
                f"{gap * 1000:.0f} ms | {date} |"
            )
    else:
        lines.append("Not measured in this run (see errors below).")
    lines += captures_section(results.get("captures"), date)
    lines += dashboard_section(results.get("dashboard"), date)
    lines += webhooks_section(results.get("webhooks"), date)
    lines += ["", "## Targets", "", "| target | met | figure |", "| --- | --- | --- |"]
    for t in s["targets"]:
        lines.append(f"| {t['target']} | {'yes' if t['met'] else '**no**'} | {t['figure']} |")
    if results.get("errors"):
        lines += ["", "## Errors in this run", ""] + [f"- {e}" for e in results["errors"]]
    lines += ["", "## Analysis", ""]
    if ANALYSIS.exists():
        lines.append(ANALYSIS.read_text().strip())
    lines.append("")
    return "\n".join(lines)


def pages_section(pages: dict | None, size: str, cores: str, mem: str, date: str) -> list[str]:
    """The readers' site (bench/public_site.py): claim pages warm, cold and 304, and the archive searched."""
    lines = ["", "## The public site", ""]
    if not pages:
        return [*lines, "Not measured in this run (see errors below)."]
    warm, cold = pages.get("claim_warm"), pages.get("claim_cold")
    lines += [
        "The readers' pages over HTTP as the API calls above: the same gunicorn (3 sync workers, DEBUG off, the page "
        "cache in Redis as deployed), the same client asking for HTML, English (no Accept-Language), p50 / p95 / p99 "
        "in ms at 1 client, throughput and p95 at 8. Each claim is asked at its canonical `/claims/<id>/<slug>/` "
        "(`/claims/<id>/` redirects there, checked). *Warm*: the "
        f"{warm['pages'] if warm else 0} public claims of the API's detail call, each asked once first "
        f"({warm['cache_entries'] if warm else 0} pages in the cache). *Cold*: the cache (the bench's Redis "
        "database) emptied before each pass, and each request a claim asked for once "
        + (f"({cold['c1']['pages']} distinct claims at 1 client, {cold['c8']['pages']} others at 8)" if cold else "")
        + "; PostgreSQL's buffers are as the run left them. *304*: the warm pages with their own ETag in "
        "If-None-Match. *Archive*: `/claims/?q=…`, the first page (20 fact-checks) of the bench's search queries.",
        "",
        "| what | size | pages | p50 / p95 / p99 ms | p95 at 8 clients | throughput (8 clients) | target p95 | cores "
        "| memory | date |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, e in pages.items():
        if name == "claim_cold":
            count = f"{e['c1']['pages']} + {e['c8']['pages']} distinct, each once"
        elif name.startswith("archive_"):
            count = f"{e['items_on_page']} listed"
        else:
            count = f"{e['pages']} cycled"
        limit = page_target_ms(name)
        lines.append(
            f"| {e['title']} | {size} | {count} | {_lat(e['c1'])} | {_ms(e['c8']['p95_ms'])} | "
            f"{e['c8']['rps']:.0f} req/s | {'–' if limit is None else f'≤ {limit} ms'} | {cores} | {mem} | {date} |"
        )
    return lines


def recall_languages_section(recall: dict | None) -> list[str]:
    if not recall:
        return []
    lines = [
        "",
        "### Each language's query",
        "",
        "Truth: public claims containing any of the query's forms listed (bench/run.py `LANGUAGE_QUERIES`) as a whole "
        "word, case-insensitive, in quote, text, claimant or article title, found by a regular-expression scan. The "
        "query is sent without `language=` (read in every language of SEARCH_LANGUAGES). Latency: the search rows "
        "above.",
        "",
        "| language | query | forms | claims with a form | API found (extra) | Datasette found (extra) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for lang, r in recall.items():
        lines.append(
            f"| {lang} | {r['q']} | {', '.join(r['forms'])} | {r['truth']:,} | {r['api_found']:,} ({r['api_extra']}) "
            f"= {r['api_recall']:.0%} | {r['peer_found']:,} ({r['peer_extra']}) = {r['peer_recall']:.1%} |"
        )
    return lines


def writes_section(writes: dict | None, data: dict, date: str) -> list[str]:
    """The write cost of the search vector the triggers keep: COPY (the load) and ORM inserts (bench/writes.py)."""
    lines = ["", "## Write cost of the search vector", ""]
    search = data.get("search", {})
    lines += [
        "The claims' COPY of the load runs the trigger on every row: "
        f"{search.get('claims_copy_rows_per_s', 0):,} claims/s from {search.get('copy_processes', 0)} COPY streams "
        f"({data['timings'].get('copy_claims_s', 0):.0f} s for {data['rows'].get('claims_claim', 0):,} claims).",
        "",
    ]
    if not writes:
        return [*lines, "ORM inserts not measured in this run (see errors below)."]
    lines += [
        f"ORM inserts (bench/writes.py): {writes['claims_per_language']:,} generated claims of one language through "
        "`bulk_create`, with the two search triggers on and off (`DISABLE TRIGGER` inside the transaction), fastest "
        f"of {writes['rounds']}; each insert rolled back, so the times leave out the commit. Trigger = on − off.",
        "",
        "| language | bulk_create claims/s | ms per claim, triggers on | off | trigger ms per claim | date |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for lang, r in writes["per_language"].items():
        lines.append(
            f"| {lang} | {r['bulk_create_on_claims_per_s']:,.0f} | {r['bulk_create_on_ms_per_claim']:.2f} | "
            f"{r['bulk_create_off_ms_per_claim']:.2f} | {r['trigger_ms_per_claim']:.2f} | {date} |"
        )
    c = writes["create_one_by_one"]
    lines += [
        "",
        f"`Claim.objects.create` one by one ({c['claims']:,} claims, {c['languages']}): {c['on_claims_per_s']:,.0f} "
        f"claims/s ({c['on_ms_per_claim']:.2f} ms each) with the triggers, {c['off_claims_per_s']:,.0f} claims/s "
        f"({c['off_ms_per_claim']:.2f} ms) without.",
    ]
    return lines


def captures_section(cap: dict | None, date: str) -> list[str]:
    """Issue 20 (bench/captures.py): captures through the worker against the fetcher alone, storage, dedupe, memory."""
    lines = ["", "## Captures", ""]
    if not cap:
        return [*lines, "Not measured in this run (see errors below)."]
    f, st = cap["farm"], cap["settings"]
    lines += [
        f"{f['urls']:,} articles of about {f['body_bytes_mean'] / 1024:.0f} KB on the link-check farm ({f['hosts']} "
        f"loopback hosts, every answer after {f['delay_s'] * 1000:.0f} ms), each the same on every request. Sent as "
        "the monthly beat job sends the captures it claims (`sources.services.captures_enqueue`, batches of "
        f"{st['CAPTURE_BATCH_SIZE']}) to the captures worker as deployed ({cap['worker']}; CAPTURE_CONCURRENCY "
        f"{st['CAPTURE_CONCURRENCY']} a task; politeness LINKCHECK_HOST_CONCURRENCY "
        f"{st['LINKCHECK_HOST_CONCURRENCY']}, "
        f"LINKCHECK_HOST_INTERVAL {st['LINKCHECK_HOST_INTERVAL']:g} s through Redis); WARCs to the filesystem "
        "storage. The clock runs from the first send to the last Capture row. *Fetcher only*: the same urls in the "
        "same batches in two processes, through the same SafeClient, places and per-host runners, bodies thrown "
        "away. *Recapture*: the same pages again through the same path.",
        "",
        "| what | captures | time | per second | ratio to the fetcher | worker CPU per capture | machine busy | stored "
        "| farm: max in flight per host, min gap | date |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    fo = cap["fetcher_only"]
    lines.append(
        f"| fetcher only | {fo['ok']:,}/{fo['urls']:,} | {fo['wall_s']:.1f} s | {fo['fetches_per_s']:.0f} | – | – "
        "| – | – | "
        f"{fo['farm']['max_in_flight_per_host']}, {(fo['farm']['min_start_gap_per_host_s'] or 0) * 1000:.0f} ms "
        f"| {date} |"
    )
    for key, label in (("capture", "capture, through the worker"), ("recapture", "recapture, unchanged pages")):
        r = cap[key]
        ratio = r["captures_per_s"] / fo["fetches_per_s"] if fo["fetches_per_s"] else None
        busy = r.get("machine_cpu_busy")
        lines.append(
            f"| {label} | {r['ok']:,}/{r['captures']:,} | {r['wall_s']:.1f} s | {r['captures_per_s']:.0f} | "
            f"{'–' if ratio is None else f'{ratio:.0%}'} | {_ms(r['worker_cpu_ms_per_capture'])} ms | "
            f"{'–' if busy is None else f'{busy:.0%}'} | "
            f"{r['new_files']:,} files, {r['new_bytes']:,} B ({r['duplicate_rows']:,} rows sharing a file) | "
            f"{r['farm']['max_in_flight_per_host']}, {(r['farm']['min_start_gap_per_host_s'] or 0) * 1000:.0f} ms "
            f"| {date} |"
        )
    s = cap["storage"]
    lines += [
        "",
        f"Storage: {s['bytes_per_capture'] or 0:,.0f} bytes of WARC (gzip per record) a capture, for "
        f"{s['body_bytes_per_capture']:,.0f} bytes of body ({s['stored_over_body'] or 0:.0%}).",
    ]
    m = cap.get("memory")
    if m:
        lines += [
            "",
            f"The worker's peak memory (VmHWM of its processes, reset after a warm-up), a fresh worker for each size, "
            f"CAPTURE_MAX_BODY_BYTES raised to {m['cap_bytes'] / 2**20:.0f} MiB; each size a task capturing "
            f"{next(iter(m['sizes'].values()))['urls']} urls of it at once (text read from the first "
            f"{st['LINKCHECK_MAX_BODY_BYTES'] / 2**20:.0f} MiB, as the drift check reads it).",
            "",
            "| body | captured | RSS before | peak RSS | date |",
            "| ---: | ---: | ---: | ---: | --- |",
        ]
        for mib, e in m["sizes"].items():
            lines.append(
                f"| {mib} MiB | {e['ok']}/{e['urls']} | {e['rss_before_mb']:.0f} MB | {e['peak_rss_mb']:.0f} MB "
                f"| {date} |"
            )
    return lines


def dashboard_section(db: dict | None, date: str) -> list[str]:
    """The admin home with the reviewers' dashboard (bench/dashboard.py): the page, then each panel's query."""
    lines = ["", "## Reviewer dashboard", ""]
    if not db:
        return [*lines, "Not measured in this run (see errors below)."]
    lines += [
        "The admin home (`/admin/`) as a logged-in reviewer, in process with Django's test client and the deployed "
        "settings; cold = the dashboard's cache entries deleted before each request. With the windows ending now, "
        "and with `django.utils.timezone.now` at the newest link check (the generated data ends some time ago; "
        "there every window is full of rows). Target: under 300 ms cold.",
        "",
        "| page | requests | p50 ms | p95 ms | max ms | date |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for suffix, windows in (("", "now"), ("_newest_check", "at the newest check")):
        for kind in ("cold", "warm"):
            e = db.get(f"page_{kind}{suffix}")
            if e is None:
                continue
            lines.append(
                f"| admin home, {kind} cache, windows ending {windows} | {e['requests']} | {_ms(e['p50_ms'])} | "
                f"{_ms(e['p95_ms'])} | {_ms(e['max_ms'])} | {date} |"
            )
    labels = [label for label in ("now", "newest_check") if f"panels_ms_{label}" in db]
    header = " | ".join(
        f"windows ending {db[f'window_end_{label}'][:10]} ({label.replace('_', ' ')})" for label in labels
    )
    lines += ["", f"| panel query, ms (median of 3) | {header} |", "| --- |" + " ---: |" * len(labels)]
    for name in db[f"panels_ms_{labels[0]}"]:
        lines.append(f"| {name} | " + " | ".join(_ms(db[f"panels_ms_{label}"][name]) for label in labels) + " |")
    lines.append("| all panels | " + " | ".join(_ms(db[f"panels_total_ms_{label}"]) for label in labels) + " |")
    if "rollup_rebuild_s" in db:
        lines += [
            "",
            f"Before measuring, the rollups the link checker's service keeps were rebuilt from the whole check history "
            f"({db['rollup_rebuild_s']:.1f} s) and the evidence tally the triggers keep from the evidence "
            f"({db.get('tally_rebuild_s', 0):.1f} s): the generated data is loaded by COPY, past both.",
        ]
    return lines


def webhooks_section(wh: dict | None, date: str) -> list[str]:
    """Issue 19 (bench/webhooks.py): deliveries per second through real workers, and the outbox's cost to a save."""
    lines = ["", "## Webhooks", ""]
    if not wh:
        return [*lines, "Not measured in this run (see errors below)."]
    settings = wh.get("settings", {})
    lines += [
        "Events of distinct claims (no one waits for another's order) written straight into the outbox, one "
        "subscription to them, and the webhook worker as deployed (`celery -A factcheck worker -Q webhooks`, "
        f"{wh['worker'].split('(', 1)[-1].rstrip(')')}; WEBHOOK_BATCH_SIZE {settings.get('WEBHOOK_BATCH_SIZE')}, "
        f"WEBHOOK_CONCURRENCY {settings.get('WEBHOOK_CONCURRENCY')}, WEBHOOK_HOST_CONCURRENCY "
        f"{settings.get('WEBHOOK_HOST_CONCURRENCY')}) woken by one task as the beat's sweep or an on-commit nudge "
        "wakes it; the clock runs from that send to the last delivery recorded `delivered` in PostgreSQL. Each POST "
        "is signed and goes through the link checker's address guard, as in production. The receiver is an aiohttp "
        "server in its own process on 127.0.0.2, answering 200 at once or after 100 ms; it counts every request "
        "and delivery id. A receiver answering after 100 ms is limited by politeness: WEBHOOK_HOST_CONCURRENCY "
        "POSTs in flight per host and worker process.",
        "",
        "| receiver | events | delivered | time | deliveries/s | limit | requests (duplicates) | max in flight | "
        "body | workers' CPU per delivery | machine busy | date |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, label in (("fast", "answers at once"), ("slow", "answers after 100 ms")):
        r = wh.get(name)
        if not r:
            continue
        limit = f"{r['limit_per_s']:,.0f}/s ({r['ratio_to_limit']:.0%})" if r.get("limit_per_s") else "–"
        busy = "–" if r.get("machine_cpu_busy") is None else f"{r['machine_cpu_busy']:.0%}"
        lines.append(
            f"| {label} | {r['events']:,} | {r['delivered']:,} | {r['wall_s']:.1f} s | {r['deliveries_per_s']:,.0f} | "
            f"{limit} | {r['receiver']['requests']:,} ({r['receiver']['duplicates']}) | "
            f"{r['receiver']['max_in_flight']} | {r['body_bytes_median']:,.0f} B | "
            f"{_ms(r.get('worker_cpu_ms_per_delivery'))} ms | {busy} | {date} |"
        )
    cost = wh.get("outbox_cost")
    if cost:
        lines += [
            "",
            f"The outbox's cost to a claim's save: {cost['saves']:,} corrections of published claims through the "
            "service (`claims.services.claim_update`, a new verdict with a public note), each in a transaction rolled "
            "back, so the times leave out the commit. The event (`claims.events.claim_change_event_record`: the "
            "claim's public row read as the public page reads it, and the INSERT) is timed on its own; the whole "
            "save with it and with it replaced by nothing, alternately per claim. The nudge is the one task sent to "
            "the broker after each commit that wrote events.",
            "",
            "| what | median ms | p95 ms | max ms | date |",
            "| --- | ---: | ---: | ---: | --- |",
        ]
        for key, label in (
            ("event_record_ms", "the event, in the save's transaction"),
            ("event_record_cpu_ms", "… of which the writing process's own CPU"),
            ("save_with_event_ms", "the whole save, with the event"),
            ("save_without_event_ms", "the whole save, without it"),
            ("nudge_ms", "the on-commit nudge (after the commit)"),
        ):
            e = cost.get(key)
            if e:
                lines.append(f"| {label} | {_ms(e['p50'])} | {_ms(e['p95'])} | {_ms(e['max'])} | {date} |")
    return lines


def main() -> None:
    """Re-render BENCHMARKS.md from bench/results.json (after editing bench/analysis.md)."""
    import json

    root = Path(__file__).resolve().parent.parent
    results = json.loads((root / "bench" / "results.json").read_text())
    results["summary"] = summarise(results)
    (root / "BENCHMARKS.md").write_text(markdown(results))


if __name__ == "__main__":
    main()
