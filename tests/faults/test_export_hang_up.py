"""A client that hangs up in the middle of a streamed export, through a real gunicorn.

The export reads ahead: a helper thread fetches the next chunk from the server-side cursor while the worker
encodes this one. When the client goes away the response is closed, which must stop that thread, close the
cursor and end the transaction, leaving the worker free for the next request (sync worker: one at a time).
"""

from __future__ import annotations

import socket

import psycopg
import requests

from tests import factories

from .conftest import AppServer, app_env, test_database_url, wait_for


def _open_export_sessions() -> int:
    """Sessions of the app that still hold a transaction (an export's cursor lives in one)."""
    with psycopg.connect(test_database_url().replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND state LIKE 'idle in transaction%%'"
        ).fetchone()[0]


def test_hanging_up_mid_export_frees_the_worker_and_the_database(
    transactional_db, needs_postgres_and_redis, throwaway_redis, processes
):
    # About 6 MB of NDJSON: more than loopback's socket buffers hold, so the worker is still streaming when the
    # client stops reading (checked below), not already done.
    factories.PublishedClaimFactory.create_batch(300, explanation="Checked against the filing. " * 700)
    env = app_env(database_url=test_database_url(), redis=throwaway_redis, API_EXPORT_CHUNK_SIZE="10")
    server = AppServer("export-hang-up", env, threads=1)
    processes.append(server)

    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(10)
        sock.connect(("127.0.0.1", server.port))
        sock.sendall(b"GET /api/v1/claims/export/?format=ndjson HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        # the worker is stuck writing, its transaction (and cursor) open
        assert wait_for(lambda: _open_export_sessions() == 1, timeout=20)
    # hung up
    assert wait_for(lambda: _open_export_sessions() == 0, timeout=20)

    whole = requests.get(server.url("/api/v1/claims/export/?format=ndjson"), timeout=30)
    assert whole.status_code == 200
    assert len(whole.text.splitlines()) == 300
    assert _open_export_sessions() == 0
