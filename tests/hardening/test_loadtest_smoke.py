"""make loadtest, for a few seconds with a few clients, so the tool never rots (the real run is not in make test)."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_loadtest_runs_clean_for_a_few_seconds(tmp_path):
    # Its own database beside the suite's (the suite's name with _loadsmoke), on the same loopback server.
    base = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/factcheck"))
    database = urlunsplit(base._replace(path=f"{base.path.rstrip('/')}_loadsmoke"))
    out = tmp_path / "load.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "loadtest",
            "--clients",
            "4",
            "--duration",
            "5",
            "--claims",
            "300",
            "--database-url",
            database,
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["server_errors"] == 0
    assert report["lost_writes"] == []
    assert report["acknowledged_writes"] > 0
    assert {"list", "detail", "search_en", "search_zh"} <= set(report["kinds"])
    assert all(row["p99_ms"] >= row["p50_ms"] > 0 for row in report["kinds"].values())
