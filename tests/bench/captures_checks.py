"""The captures row of `make bench` (bench/captures.py), as the small bench's test holds it (tests/bench/
test_bench_small.py runs the row inside `BENCH_SCALE=small make bench`, once: a second run of it alone would cost the
suite as much again): the farm's pages through the real captures worker, the fetcher alone, the recapture, the
memory row, and nothing of it left behind.
"""

from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
CAPTURE_TARGETS = [
    "captures: ≥ 50% of the fetcher-only rate at the same politeness, end to end through the worker",
    "captures: a recapture of unchanged pages stores 0 new bytes",
]


def check_captures(captures: dict, targets: list[dict]) -> None:
    """Every figure of the captures row is there and sane; its targets are in the summary."""
    n = captures["farm"]["urls"]
    assert 40_000 < captures["farm"]["body_bytes_mean"] < 60_000  # the farm's ~50 KB articles
    fetcher = captures["fetcher_only"]
    assert fetcher["ok"] == fetcher["urls"] == n
    assert fetcher["fetches_per_s"] > 0
    first, again = captures["capture"], captures["recapture"]
    for run in (first, again):
        assert run["complete"]
        assert run["ok"] == run["recorded"] == n
        assert run["captures_per_s"] > 0
        assert run["worker_cpu_ms_per_capture"] > 0
        # politeness held through the worker: never more in flight on a host than LINKCHECK_HOST_CONCURRENCY
        assert run["farm"]["max_in_flight_per_host"] <= captures["settings"]["LINKCHECK_HOST_CONCURRENCY"]
    assert captures["ratio_to_fetcher"] == pytest.approx(first["captures_per_s"] / fetcher["fetches_per_s"])
    # the first capture stores one file a page, compressed; the recapture stores nothing and points to it
    assert first["new_files"] == n
    assert first["duplicate_rows"] == 0
    assert first["new_bytes"] == first["rows_size_bytes"] > 0
    storage = captures["storage"]
    assert 0 < storage["bytes_per_capture"] < storage["body_bytes_per_capture"]
    assert captures["dedupe"] == {"captures": n, "duplicate_rows": n, "new_bytes": 0}
    assert again["new_files"] == 0
    memory = captures["memory"]
    assert len(memory["sizes"]) >= 2
    for size in memory["sizes"].values():
        assert size["ok"] == size["urls"] > 0
        assert size["peak_rss_mb"] >= size["rss_before_mb"] > 0
    assert max(float(mib) for mib in memory["sizes"]) * 2**20 <= memory["cap_bytes"]
    names = {t["target"] for t in targets}
    assert set(CAPTURE_TARGETS) <= names
    assert any(name.startswith("captures: worker peak memory flat") for name in names)


def check_captures_left_nothing(database_url: str) -> None:
    """The row took its sources, captures and files out again."""
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM sources_capture").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM sources_source WHERE url LIKE 'http://127.0.0.%'").fetchone()[0] == 0
    assert not (ROOT / "var" / "bench" / "captures-media").exists()
