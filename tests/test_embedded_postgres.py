"""`make run`'s database: the embedded PostgreSQL of factcheck.embedded_postgres, in a directory of the test's own.

The test goes the way `make run` goes: the module's ``run`` starts the server, and inside it the demo is migrated,
loaded and served by runserver; the search is asked over HTTP. SIGTERM to the module stops the web server and then
PostgreSQL, and a second ``run`` finds the data the first left.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from factcheck.embedded_postgres import PORT, EmbeddedPostgres

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
QUERY = "视频"  # in three of the demo's quotes (weight A) and in its article's title (weight C)


@pytest.fixture
def data_dir():
    # Right under /tmp, not in pytest's tmp_path: under root the server runs as another OS user, who must be able
    # to reach it.
    path = Path(tempfile.mkdtemp(prefix="fc-embedded-"))
    try:
        yield path
    finally:
        try:
            EmbeddedPostgres(path).stop()  # when the test failed before the module stopped it
        finally:
            shutil.rmtree(path, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _module(data_dir: Path, *command: str) -> list[str]:
    return [sys.executable, "-m", "factcheck.embedded_postgres", "--data-dir", str(data_dir), "run", "--", *command]


def _search(port: int, wrapper: subprocess.Popen, log: Path) -> list[dict]:
    """The search's results once runserver answers (migrations first: give them time on a busy machine)."""
    url = f"http://127.0.0.1:{port}/api/v1/claims/?" + urllib.parse.urlencode({"q": QUERY})
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, whatever the env says
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        assert wrapper.poll() is None, log.read_text()
        try:
            with direct.open(url, timeout=10) as response:
                return json.load(response)["results"]
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    pytest.fail(f"runserver did not answer:\n{log.read_text()}")


def test_make_run_serves_ranked_search_from_the_embedded_server_and_stops_it(data_dir, tmp_path):
    port = _free_port()
    python = sys.executable
    steps = (
        f"{python} manage.py migrate --noinput -v 0 && {python} manage.py load_demo"
        f" && exec {python} manage.py runserver --noreload 127.0.0.1:{port}"
    )
    # As `make run` on a laptop: no database of our own (the module sets it), no Redis (tasks in-process).
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")} | {"REDIS_URL": ""}
    log = tmp_path / "run.log"
    with log.open("w") as out:
        wrapper = subprocess.Popen(
            _module(data_dir, "sh", "-c", steps), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        results = _search(port, wrapper, log)
        ranks = [claim["rank"] for claim in results]
        assert len(results) >= 2, results
        assert ranks == sorted(ranks, reverse=True)
        assert ranks[0] > ranks[-1]  # a quote that says it ranks above a claim whose article title does
        assert QUERY in results[0]["quote"]

        import psycopg

        with psycopg.connect(host=str(data_dir), port=PORT, user="postgres", dbname="factcheck") as conn:
            assert conn.execute("SHOW listen_addresses").fetchone() == ("",)  # the socket only, no TCP
            assert conn.execute("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'").fetchone()

        wrapper.send_signal(signal.SIGTERM)
        assert wrapper.wait(timeout=120) == 128 + signal.SIGTERM, log.read_text()
        assert "embedded PostgreSQL: stopped" in log.read_text()
        assert not EmbeddedPostgres(data_dir).is_running()
        assert not (data_dir / f".s.PGSQL.{PORT}").exists()

        # A second run starts the server on the same data: every migration is there already.
        again = subprocess.run(
            _module(data_dir, python, "manage.py", "migrate", "--check"),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert again.returncode == 0, again.stdout + again.stderr
        assert not EmbeddedPostgres(data_dir).is_running()
    finally:
        if wrapper.poll() is None:
            wrapper.kill()
            wrapper.wait()
