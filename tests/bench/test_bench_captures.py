"""The captures row of `make bench` (bench/captures.py) on its own at the small scale, so it never rots between full
runs: the farm's pages through the real captures worker, the fetcher alone, the recapture, the memory row.

It builds its own database beside the test database (``<name>_bench_captures``) and uses Redis database 9 of the
test Redis, as the small bench does (BENCH_REDIS_URL names another; it is flushed); ``check_captures`` also holds the
small bench's results to the same shape.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

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


@pytest.mark.slow
def test_bench_captures_row_alone(tmp_path):
    sys.path.insert(0, str(ROOT))
    from bench import generate, report

    db = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/factcheck"))
    redis = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"))
    server = urlunsplit(("postgresql", db.netloc, "", "", ""))
    name = f"{db.path.strip('/') or 'factcheck'}_bench_captures"
    database_url = urlunsplit(("postgres", db.netloc, f"/{name}", "", ""))
    generate.recreate_database(f"{server}/postgres", name)
    generate.migrate(database_url)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL") or urlunsplit((redis.scheme, redis.netloc, "/9", "", "")),
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "bench.captures", "run", "--urls", "200"),
            *("--sizes", "1", "7.5", "--cap", "8", "--out", str(tmp_path / "captures.json")),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    captures = json.loads((tmp_path / "captures.json").read_text())
    check_captures(captures, report.capture_targets(captures))
    # nothing of the row is left behind: the farm's sources, their captures, their files
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1)) as conn:
        assert conn.execute("SELECT count(*) FROM sources_capture").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM sources_source WHERE url LIKE 'http://127.0.0.%'").fetchone()[0] == 0
    assert not (ROOT / "var" / "bench" / "captures-media").exists()
