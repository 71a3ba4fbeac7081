"""Exports at once, under real slow readers, through two gunicorn processes sharing one Redis (issue 14).

Each reader sends its request, reads the status line and headers, and then nothing until the test says so, with a
4 KB receive buffer: the worker thread is left blocked writing the 6 MB export, its transaction open (counted in
pg_stat_activity), which is how the test knows the first exports are still streaming when the next are refused.
"""

from __future__ import annotations

import http.client
import json
import socket

import psycopg

from tests import factories

from .conftest import AppServer, app_env, test_database_url, wait_for

EXPORT = "/api/v1/claims/export/?format=ndjson"
ROWS = 300


def streaming() -> int:
    """Sessions of the app in a transaction: an export holds one (its cursor) from its first row to its last."""
    with psycopg.connect(test_database_url().replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND xact_start IS NOT NULL"
        ).fetchone()[0]


class SlowReader:
    """One export from the loopback address `source`, read no further than its headers until `read_all`."""

    def __init__(self, server: AppServer, source: str) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(30)
        sock.bind((source, 0))
        sock.connect(("127.0.0.1", server.port))
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        self.connection.sock = sock
        self.connection.request("GET", EXPORT)
        self.response = self.connection.getresponse()
        self.status = self.response.status

    def read_all(self) -> bytes:
        body = self.response.read()
        self.connection.close()
        return body

    def hang_up(self) -> None:
        # Closed with most of the export unread (the response's file, too, or the socket stays open for it):
        # the kernel resets the connection, and the server's next write fails.
        self.response.close()
        self.connection.close()


def export(server: AppServer, source: str) -> SlowReader:
    return SlowReader(server, source)


def assert_busy(reader: SlowReader) -> None:
    assert reader.status == 429
    assert int(reader.response.getheader("Retry-After")) > 0
    assert "export" in json.loads(reader.read_all())["detail"]


def read_rows(reader: SlowReader) -> int:
    assert reader.status == 200
    return len(reader.read_all().splitlines())


def test_exports_at_once_per_client_across_processes_and_in_total_per_process(
    transactional_db, needs_postgres_and_redis, throwaway_redis, processes
):
    factories.PublishedClaimFactory.create_batch(ROWS, explanation="Checked against the filing. " * 700)
    env = app_env(
        database_url=test_database_url(),
        redis=throwaway_redis,
        API_EXPORT_CHUNK_SIZE="10",
        API_EXPORT_CONCURRENCY_PER_CLIENT="2",
        API_EXPORT_CONCURRENCY="3",
    )
    one = AppServer("export-limits-1", env, threads=8)
    processes.append(one)
    other = AppServer("export-limits-2", env, threads=8)
    processes.append(other)
    alice, bob, carol = "127.0.0.2", "127.0.0.3", "127.0.0.4"

    a1, a2 = export(one, alice), export(one, alice)
    assert (a1.status, a2.status) == (200, 200)
    assert wait_for(lambda: streaming() == 2, timeout=20)  # both stuck writing, neither finished

    # Per client, across processes: Alice's third is refused by the other web process too (the leases are in Redis).
    assert_busy(export(one, alice))
    assert_busy(export(other, alice))

    # In total per process: one more (Bob's) fills this process; then anyone is refused here, not on the other.
    b1 = export(one, bob)
    assert b1.status == 200
    assert_busy(export(one, bob))
    assert_busy(export(one, carol))
    c1 = export(other, carol)
    assert c1.status == 200
    assert wait_for(lambda: streaming() == 4, timeout=20)  # the refusals came while all four were streaming

    # A finished export gives its slot back, whichever process served it.
    assert read_rows(a1) == ROWS
    a3 = export(other, alice)
    assert a3.status == 200

    # So does one whose client hung up half-way: the server notices at its next write and closes the response.
    a2.hang_up()
    refused_first = []

    def alice_again() -> SlowReader | None:
        reader = export(one, alice)
        if reader.status == 200:
            return reader
        refused_first.append(reader.status)
        reader.read_all()
        return None

    a4 = wait_for(alice_again, timeout=30, interval=0.2)
    assert a4 is not None
    assert set(refused_first) <= {429}

    assert [read_rows(r) for r in (b1, c1, a3, a4)] == [ROWS] * 4
    assert wait_for(lambda: streaming() == 0, timeout=20)
    # Nothing leaked: a client can run its two again, on either process.
    again = [export(one, alice), export(other, alice)]
    assert [read_rows(r) for r in again] == [ROWS, ROWS]
