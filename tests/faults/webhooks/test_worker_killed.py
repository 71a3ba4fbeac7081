"""Webhooks: a worker killed with SIGKILL in the middle of its deliveries loses none. What it had claimed stays
leased until the lease runs out (nothing was recorded: the attempts it made are not in any log); then the beat's
sweep has another worker, or the same worker's next pool child, send them again with the same X-Factcheck-Delivery
and the same bytes, and record them delivered. At least once, never zero times.

Two ways a worker dies, as in test_worker_killed.py: the whole worker (parent and child: its container goes), and
the pool child alone (the OOM killer's pick; the parent puts the task back and a new child runs it at once, but the
run finds the deliveries leased, so again the sweep after the lease brings them). The receiver holds its answers
(HoldingReceiver), so the worker is killed while its POSTs wait for them.

The real beat runs (the database scheduler, the sweep's row every SWEEP seconds) and the real Celery workers, on a
throwaway Redis, against the test database; the events are written by the outbox as the apps write them, and their
on-commit nudge goes to that Redis.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.db import transaction

from notifications.models import Delivery, DeliveryAttempt
from tests.notifications.helpers import record_event

from ..conftest import Beat, Worker, broker, broker_idle, test_database_url, wait_for
from .helpers import LEASE, arrivals, assert_at_least_once, delivery_rows, staff_subscription, sweep_every, webhook_env

pytestmark = pytest.mark.slow

VISIBILITY = 4  # seconds: the killed worker's unacknowledged task is handed out again after this (test_worker_killed)
BROKER_DB = 1  # app_env: the cache on 0, the broker on 1
ORDER_KEYS = ("claim:1", "claim:1", "claim:2", "claim:3")  # claim 1's second event waits for its first


@pytest.fixture
def env(transactional_db, needs_postgres_and_redis, throwaway_redis, webhook_settings):
    return webhook_env(
        database_url=test_database_url(), redis=throwaway_redis, CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY)
    )


def _events_in_flight(hook_receiver, nudges, redis_url: str) -> None:
    """Three POSTs held at the receiver (claim 1's first event, claims 2 and 3), claim 1's second event behind."""
    hook_receiver.hold()
    with broker(redis_url) as conn:
        nudges.connection = conn
        with transaction.atomic():  # one commit, one nudge: one run sends the three at once
            for key in ORDER_KEYS:
                record_event(order_key=key)


def _assert_sent_again_after_the_lease(hook_receiver, rows, leases) -> None:
    """The held three were sent twice (held, then again) and logged once: the killed attempt never was. Their second
    attempt started only after the lease the dead worker held had run out. Claim 1's second event came after its
    first was delivered."""
    first, second, *others = rows
    for row in (first, *others):
        assert len(arrivals(hook_receiver, row.uuid)) >= 2, row
        assert [number for number, _, _ in row.log] == [1], row  # the one recorded attempt
        assert row.log[0][2] >= leases[row.uuid], (row, leases[row.uuid])
    assert len(arrivals(hook_receiver, second.uuid)) >= 1
    assert min(arrivals(hook_receiver, second.uuid)) > max(arrivals(hook_receiver, first.uuid))


def _killed_mid_delivery(subscription) -> dict[str, object]:
    """The deliveries the dead worker held: leased, nothing recorded."""
    leased = dict(
        Delivery.objects.filter(subscription=subscription, leased_until__isnull=False).values_list(
            "uuid", "leased_until"
        )
    )
    assert len(leased) == 3, leased
    assert not DeliveryAttempt.objects.exists()  # killed before recording: no attempt logged, none delivered
    return {str(uuid): until for uuid, until in leased.items()}


def test_whole_worker_killed_mid_delivery_every_event_is_delivered(
    env, throwaway_redis, hook_receiver, nudges, processes
):
    subscription = staff_subscription(hook_receiver.url("/hook"))
    sweep_every()
    first = Worker("webhooks-killed", env, pool="prefork", concurrency=1)
    beat = Beat("webhooks-beat", env)
    processes.extend([first, beat])
    first.wait_ready()
    beat.wait_ready()
    _events_in_flight(hook_receiver, nudges, throwaway_redis.url(BROKER_DB))
    assert wait_for(lambda: len(hook_receiver.received) == 3, timeout=30), first.output()[-3000:]
    sent_at = time.monotonic()

    leases = _killed_mid_delivery(subscription)
    first.kill_group(signal.SIGKILL)  # parent and child, their POSTs waiting: no one left to record or requeue
    hook_receiver.release()  # from now on the receiver answers at once
    assert not DeliveryAttempt.objects.exists()
    assert throwaway_redis.client(BROKER_DB).zcard("unacked_index") == 1  # the run's task, held for redelivery

    # A new worker restores the messages whose visibility timeout has passed as it starts (test_worker_killed.py):
    # started after it, it runs the killed run's task again too, which finds the deliveries leased and ends.
    time.sleep(max(0.0, VISIBILITY - (time.monotonic() - sent_at)))
    second = Worker("webhooks-second", env, pool="prefork", concurrency=1)
    processes.append(second)
    delivered = wait_for(
        lambda: Delivery.objects.filter(subscription=subscription, state="delivered").count() == 4,
        timeout=LEASE + 60,
        interval=0.5,
    )
    assert delivered, second.output()[-3000:] + beat.output()[-2000:]
    beat.stop()  # no more sweeps: once the broker is idle, nothing more can arrive
    assert wait_for(lambda: broker_idle(throwaway_redis.client(BROKER_DB)), timeout=30), second.output()[-3000:]

    rows = delivery_rows(subscription.pk)
    assert_at_least_once(hook_receiver, rows)
    _assert_sent_again_after_the_lease(hook_receiver, rows, leases)
    print(f"whole worker killed: {len(hook_receiver.received)} requests for {len(rows)} deliveries")


def test_pool_child_killed_mid_delivery_every_event_is_delivered(
    env, throwaway_redis, hook_receiver, nudges, processes
):
    subscription = staff_subscription(hook_receiver.url("/hook"))
    sweep_every()
    worker = Worker("webhooks-child-killed", env, pool="prefork", concurrency=1)
    beat = Beat("webhooks-child-beat", env)
    processes.extend([worker, beat])
    worker.wait_ready()
    beat.wait_ready()
    _events_in_flight(hook_receiver, nudges, throwaway_redis.url(BROKER_DB))
    assert wait_for(lambda: len(hook_receiver.received) == 3, timeout=30), worker.output()[-3000:]

    leases = _killed_mid_delivery(subscription)
    (child,) = worker.children()
    os.kill(child, signal.SIGKILL)
    hook_receiver.release()

    delivered = wait_for(
        lambda: Delivery.objects.filter(subscription=subscription, state="delivered").count() == 4,
        timeout=LEASE + 60,
        interval=0.5,
    )
    assert delivered, worker.output()[-3000:] + beat.output()[-2000:]
    beat.stop()
    assert wait_for(lambda: broker_idle(throwaway_redis.client(BROKER_DB)), timeout=30), worker.output()[-3000:]

    rows = delivery_rows(subscription.pk)
    assert_at_least_once(hook_receiver, rows)
    _assert_sent_again_after_the_lease(hook_receiver, rows, leases)
    assert worker.alive()  # the same worker carried on with a new child
    assert "WorkerLostError" in worker.output()
