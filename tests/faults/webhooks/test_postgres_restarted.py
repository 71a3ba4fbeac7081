"""Webhooks: PostgreSQL restarted while the worker has deliveries in flight, between their claim and their record.

The worker claimed three deliveries (their leases committed), POSTed them, and the receiver holds its answers; then
PostgreSQL stops, and the answers come: the run cannot record them, and its task retries with backoff. When
PostgreSQL is back, the leases are still there (the three were sent, for all anyone knows), so nothing is sent until
they run out; then the beat's sweep has them sent again, with the same delivery ids and bytes, and recorded. None is
lost, none stays leased, and events written after the restart are delivered by the same worker, never restarted.

The cluster is our own (tests/faults/conftest.py pg_cluster), never the shared server; the rows are written there by
a subprocess (tests/faults/webhooks/writes.py) through the service and the outbox, as the apps write them.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ..conftest import ROOT, Beat, Worker, broker_idle, wait_for
from .helpers import LEASE, SWEEP, assert_at_least_once, delivery_rows_sql, webhook_env

pytestmark = pytest.mark.slow

BROKER_DB = 1


def _write(env: dict[str, str], *args: str):
    done = subprocess.run(
        [sys.executable, "-m", "tests.faults.webhooks.writes", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _rows(cluster, subscription_id: int):
    try:
        with cluster.connect() as conn:
            return delivery_rows_sql(conn, subscription_id)
    except Exception:  # still down
        return []


def _delivered(cluster, subscription_id: int, count: int) -> bool:
    rows = _rows(cluster, subscription_id)
    return len(rows) == count and all(row.state == "delivered" for row in rows)


def test_postgres_restarted_between_claim_and_record_every_event_is_delivered(
    pg_cluster, throwaway_redis, hook_receiver, processes
):
    env = webhook_env(database_url=pg_cluster.url(), redis=throwaway_redis, DATABASE_CONNECT_TIMEOUT="2")
    subscription_id = _write(env, "subscribe", hook_receiver.url("/hook"))
    _write(env, "sweep", str(SWEEP))
    worker = Worker("webhooks-pg-worker", env, pool="prefork", concurrency=1)
    beat = Beat("webhooks-pg-beat", env)
    processes.extend([worker, beat])
    worker.wait_ready()
    beat.wait_ready()

    hook_receiver.hold()
    _write(env, "events", "claim:1", "claim:2", "claim:3")  # committed; their nudge wakes the worker
    assert wait_for(lambda: len(hook_receiver.received) == 3, timeout=30), worker.output()[-3000:]
    claimed = _rows(pg_cluster, subscription_id)
    assert len(claimed) == 3
    assert all(row.leased_until is not None and not row.log for row in claimed)  # claimed, sent, not recorded
    leases = {row.uuid: row.leased_until for row in claimed}

    pg_cluster.stop("fast")
    hook_receiver.release()  # the answers come; recording them fails, the task retries
    assert wait_for(lambda: "Retry in" in worker.output(), timeout=30), worker.output()[-3000:]
    pg_cluster.start()

    assert wait_for(lambda: _delivered(pg_cluster, subscription_id, 3), timeout=LEASE + 90, interval=0.5), (
        worker.output()[-3000:] + beat.output()[-2000:]
    )
    _write(env, "events", "claim:1", "claim:4")  # after the restart: delivered as usual
    assert wait_for(lambda: _delivered(pg_cluster, subscription_id, 5), timeout=60, interval=0.5), worker.output()[
        -3000:
    ]
    beat.stop()
    assert wait_for(lambda: broker_idle(throwaway_redis.client(BROKER_DB)), timeout=60), worker.output()[-3000:]

    rows = _rows(pg_cluster, subscription_id)
    assert_at_least_once(hook_receiver, rows)
    by_uuid = {row.uuid: row for row in rows}
    for uuid, lease in leases.items():
        row = by_uuid[uuid]
        assert sum(1 for r in hook_receiver.received if r.delivery == uuid) >= 2  # held, then sent again
        assert [number for number, _, _ in row.log] == [1]  # the attempt PostgreSQL never heard of is not logged
        assert row.log[0][2] >= lease  # sent again only once the lease had run out
    assert worker.alive()  # never restarted
    print(f"PostgreSQL restarted: {len(hook_receiver.received)} requests for {len(rows)} deliveries")
