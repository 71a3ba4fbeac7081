"""`BENCH_SCALE=small make bench` end to end, so the benchmark never rots: every measurement is in the results.

It builds its own database beside the test database (``<name>_bench_small``) and uses Redis database 9 of the
test Redis; the one-time install of the peer's virtualenv (Datasette, LinkChecker) is not counted in the
two-minute budget.
"""

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from .captures_checks import check_captures, check_captures_left_nothing

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results-small.json"
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
LANGUAGES = ["es", "fr", "de", "pt", "zh_hant"]
NO_PEER = {"feed"}  # Datasette has no ClaimReview feed
# The readers' site (bench/public_site.py): the claim page warm, cold and answered 304, the archive per search query.
PAGES = ["claim_warm", "claim_304", "claim_cold", "archive_en", "archive_zh", *(f"archive_{c}" for c in LANGUAGES)]
PAGE_TARGETS = [
    "claim page, warm cache: p95 ≤ 15 ms at 1 client",
    "claim page, cold cache: p95 ≤ 40 ms at 1 client",
    "archive q=render: p95 ≤ 40 ms at 1 client",
    "archive q=渲染: p95 ≤ 40 ms at 1 client",
]
# Issue 19 (bench/webhooks.py).
WEBHOOK_TARGETS = [
    "webhooks: ≥ 1,000 deliveries/s to a receiver answering at once",
    "webhooks: every event delivered, each delivery id once",
    "outbox write on the claim save path (the event, in the save's transaction): median < 1 ms",
]


def _bench_env() -> dict[str, str]:
    db = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/factcheck"))
    redis = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"))
    return {
        **os.environ,
        "BENCH_SCALE": "small",
        "BENCH_PG": urlunsplit(("postgresql", db.netloc, "", "", "")),
        "BENCH_DB": f"{db.path.strip('/') or 'factcheck'}_bench_small",
        "BENCH_REDIS_URL": urlunsplit((redis.scheme, redis.netloc, "/9", "", "")),
    }


def _has_latency(entry: dict) -> bool:
    return all(
        entry[c]["requests"] > 0
        and entry[c]["p50_ms"] > 0
        and entry[c]["p99_ms"] >= entry[c]["p50_ms"]
        and entry[c]["rps"] > 0
        for c in ("c1", "c8")
    )


@pytest.mark.slow
def test_bench_small_writes_every_measurement():
    RESULTS.unlink(missing_ok=True)
    proc = subprocess.run(
        ["make", "bench"], cwd=ROOT, env=_bench_env(), capture_output=True, text=True, timeout=900, check=False
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    check_results(json.loads(RESULTS.read_text()))
    env = _bench_env()
    check_captures_left_nothing(f"{env['BENCH_PG']}/{env['BENCH_DB']}")


def check_results(results: dict) -> None:
    """Every measurement of a small run is in its results (callable on a results-small.json made by hand)."""
    assert results["scale"] == "small"
    assert results["errors"] == []
    # How long it took is reported (total_s), not asserted: a timed test on a busy machine measures the machine.
    assert results["total_s"] > results["setup_s"] >= 0
    assert results["data"]["rows"]["claims_claim"] == results["sizes"]["claims"]
    assert results["data"]["search"]["column"] == "search_vector"
    for name in CALLS:
        entry = results["calls"][name]
        assert _has_latency(entry["api"]), name
        assert _has_latency(entry["floor_http"]), name
        assert entry["floor_inprocess"]["p50_ms"] > 0, name
        assert entry["rows_match_floor"], f"{name}: the floor's SQL must return the API's rows"
        if name not in NO_PEER:
            assert _has_latency(entry["peer_default"]), name
            assert _has_latency(entry["peer_lean"]), name
        assert entry["api"]["c1"]["errors"] == 0, name
        assert entry["api"]["c8"]["errors"] == 0, name
    for query, recall in results["recall"].items():
        assert recall["api_found"] == recall["truth"], query
    assert results["recall"]["渲染"]["truth"] > 0
    for language, recall in results["recall_languages"].items():
        assert recall["truth"] > 0, language
        assert recall["api_found"] == recall["truth"], language
    writes = results["writes"]
    for language in ("en", "es", "fr", "de", "pt", "zh-Hans", "zh-Hant"):
        assert writes["per_language"][language]["bulk_create_on_claims_per_s"] > 0, language
    assert writes["create_one_by_one"]["on_claims_per_s"] > 0
    assert results["data"]["search"]["claims_copy_rows_per_s"] > 0
    export = results["export"]
    for fmt in ("ndjson", "csv"):
        assert export[fmt]["status"] == 200, fmt
        assert export[fmt]["rows"] == export["expected_rows"], fmt
        assert export[fmt]["rows_per_s"] > 0, fmt
        assert export[fmt]["worker_peak_rss_mb"] > 0, fmt
    assert export["ndjson_subset"]["rows"] == export["subset_expected_rows"]
    links = results["links"]
    for key in ("checker_interval_0", "checker_default"):
        assert links[key]["complete"], key
        assert links[key]["ratio_to_limit"] > 0, key
        # the checker kept to the politeness limits the farm saw
        assert links[key]["farm"]["max_in_flight_per_host"] <= 2, key
    assert links["linkchecker"]["checked"] == links["linkchecker"]["urls"]
    pages = results["pages"]
    assert list(pages) == PAGES
    for name in PAGES:
        assert _has_latency(pages[name]), name
        assert pages[name]["c1"]["errors"] == 0, name
        assert pages[name]["c8"]["errors"] == 0, name
    assert pages["claim_warm"]["cache_entries"] == pages["claim_warm"]["pages"] > 0
    assert set(pages["claim_304"]["c1"]["statuses"]) == {"304"}
    for conc in ("c1", "c8"):
        cold = pages["claim_cold"][conc]
        # each page of a cold pass asked once, rendered and stored once: none was in the emptied cache
        assert cold["requests"] == cold["pages"] == cold["cache_entries_after"] > 0, conc
    for name in ("archive_en", "archive_zh"):
        assert pages[name]["items_on_page"] > 0, name
    webhooks = results["webhooks"]
    for name in ("fast", "slow"):
        run = webhooks[name]
        assert run["complete"], name
        assert run["states"] == {"delivered": run["events"]}, name
        assert run["receiver"]["deliveries"] == run["events"], name  # every event reached the receiver
        assert run["attempts"] >= run["events"], name  # and its log has the attempt
        assert run["deliveries_per_s"] > 0, name
    # politeness: at most WEBHOOK_HOST_CONCURRENCY in flight per worker process, whatever the receiver's delay
    per_process = webhooks["settings"]["WEBHOOK_HOST_CONCURRENCY"]
    assert webhooks["slow"]["receiver"]["max_in_flight"] <= per_process * webhooks["slow"]["worker_concurrency"]
    cost = webhooks["outbox_cost"]
    for key in ("event_record_ms", "save_with_event_ms", "save_without_event_ms", "nudge_ms"):
        assert 0 < cost[key]["p50"] <= cost[key]["p95"], key
    assert cost["event_record_ms"]["n"] == cost["saves"] > 0
    targets = results["summary"]["targets"]
    assert targets
    check_captures(results["captures"], targets)
    assert set(PAGE_TARGETS) <= {t["target"] for t in targets}
    assert set(WEBHOOK_TARGETS) <= {t["target"] for t in targets}
    assert all({"target", "met", "figure"} <= set(t) for t in targets)
