"""PostgreSQL restarted under a running gunicorn and Celery worker: requests during the outage are a clean 503
(JSON under /api/, a plain page elsewhere, Retry-After), and both processes recover without being restarted.

The cluster is our own (tests/faults/conftest.py: initdb and pg_ctl as the postgres user, a free port), never the
shared server. gunicorn runs with production settings (DEBUG off) and persistent connections (CONN_MAX_AGE 60),
so the recovery rests on CONN_HEALTH_CHECKS noticing the connections the restart broke.
"""

from __future__ import annotations

import time
import uuid

import pytest
import requests
from django.conf import settings

from sources.tasks import check_source

from .conftest import AppServer, Worker, app_env, broker, send, wait_for

pytestmark = pytest.mark.slow


def test_connection_health_checks_are_on():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def _insert_source(cluster, url: str) -> int:
    with cluster.connect() as conn:
        row = conn.execute(
            "INSERT INTO sources_source (url, domain, title, publisher, health, last_outcome, final_url, "
            "consecutive_failures, archive_url, next_check_at, created_at, updated_at) "
            "VALUES (%s, '127.0.0.1', '', '', 'unknown', '', '', 0, '', now() + interval '7 days', now(), now()) "
            "RETURNING id",
            [url],
        ).fetchone()
    return row[0]


def _checks(cluster, source_id: int) -> int:
    try:
        with cluster.connect() as conn:
            row = conn.execute("SELECT count(*) FROM sources_linkcheck WHERE source_id = %s", [source_id]).fetchone()
        return row[0]
    except Exception:  # still down
        return 0


def test_postgres_restart_gives_503s_then_recovers_without_restarts(pg_cluster, throwaway_redis, site, processes):
    env = app_env(
        database_url=pg_cluster.url(),
        redis=throwaway_redis,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=f"faults-{uuid.uuid4().hex}-{uuid.uuid4().hex}",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_CONNECT_TIMEOUT="2",
        DATABASE_CONN_MAX_AGE="60",
    )
    server = AppServer("pg-restart-web", env, threads=2)
    worker = Worker("pg-restart-worker", env)
    processes.extend([server, worker])
    worker.wait_ready()
    before = [_insert_source(pg_cluster, site.url(f"/pg/{name}")) for name in ("before", "during", "after")]

    # Warm up: both processes hold open connections to the database.
    for _ in range(4):
        assert requests.get(server.url("/api/v1/claims/"), timeout=10).status_code == 200
    with broker(throwaway_redis.url(1)) as conn:
        send(conn, check_source, before[0])
    assert wait_for(lambda: _checks(pg_cluster, before[0]) == 1, timeout=30), worker.output()[-3000:]

    pg_cluster.stop("fast")  # what a restart does first: every connection is closed
    stopped_at = time.monotonic()
    api = requests.get(server.url("/api/v1/claims/"), timeout=15)
    assert api.status_code == 503
    assert api.headers["Content-Type"].startswith("application/json")
    assert api.headers["Retry-After"] == "5"
    assert "database is temporarily unavailable" in api.json()["detail"]
    # A page outside the API (the admin with a session cookie: the session is read from the database).
    page = requests.get(server.url("/admin/"), cookies={"sessionid": "x" * 32}, timeout=15, allow_redirects=False)
    assert page.status_code == 503
    assert page.headers["Content-Type"].startswith("text/html")
    assert "Temporarily unavailable" in page.text
    assert "Traceback" not in page.text
    assert "Traceback" not in api.text
    health = requests.get(server.url("/healthz"), timeout=15)
    assert health.status_code == 503
    assert health.json()["status"] == "down"
    # A check sent while the database is down: the task fails on the database and retries with backoff. The
    # database comes back only once the worker says so, however long a busy machine takes to get there.
    with broker(throwaway_redis.url(1)) as conn:
        send(conn, check_source, before[1])
    assert wait_for(lambda: "retry: Retry in" in worker.output(), timeout=30), worker.output()[-3000:]
    outage = time.monotonic() - stopped_at

    pg_cluster.start()
    started_at = time.monotonic()
    assert wait_for(lambda: requests.get(server.url("/api/v1/claims/"), timeout=10).status_code == 200, timeout=30)
    api_back = time.monotonic() - started_at
    assert requests.get(server.url("/healthz"), timeout=10).json()["database"]["default"]["ok"] is True
    assert wait_for(lambda: _checks(pg_cluster, before[1]) == 1, timeout=60), worker.output()[-3000:]
    retried_back = time.monotonic() - started_at
    with broker(throwaway_redis.url(1)) as conn:
        send(conn, check_source, before[2])
    assert wait_for(lambda: _checks(pg_cluster, before[2]) == 1, timeout=30), worker.output()[-3000:]
    worker_back = time.monotonic() - started_at

    # Neither process was restarted: the same pids, alive; every request got an answer.
    assert server.alive()
    assert worker.alive()
    for _ in range(4):  # both gunicorn threads' connections work again
        assert requests.get(server.url("/api/v1/claims/"), timeout=10).status_code == 200
    print(
        f"PostgreSQL down {outage:.1f} s; after it was back: API 200 in {api_back:.2f} s, the task sent during "
        f"the outage done in {retried_back:.1f} s (retry with backoff), a new task in {worker_back:.1f} s"
    )
