"""Webhooks with Redis (the broker) away: the outbox in PostgreSQL is the truth, Redis only a hint to be prompt.

- Redis down when a change commits: the web request succeeds, the change and its event commit together, the
  on-commit nudge is lost (a warning in the log); when Redis is back, the beat's sweep has the worker deliver it.
- Redis killed under a running worker, mid-run (its POSTs waiting for the receiver), with events written while it is
  down: the run records what it sent (PostgreSQL is there), and once Redis is back the sweep delivers the rest.

Redis is killed with SIGKILL and keeps nothing (no append-only file): every queued message, the running task's
included, is gone, which is the worst it can do. gunicorn, the worker and beat run as deployed, on that Redis.
"""

from __future__ import annotations

import json
import signal
import time

import pytest
import requests
from django.db import transaction

from claims.choices import Verdict
from claims.models import Correction
from notifications.choices import EventType
from notifications.models import Delivery, Event
from tests import factories
from tests.api.conftest import token_headers
from tests.notifications.helpers import record_event

from ..conftest import AppServer, Beat, Worker, broker, broker_idle, test_database_url, wait_for
from .helpers import LEASE, arrivals, assert_at_least_once, delivery_rows, staff_subscription, sweep_every, webhook_env

pytestmark = pytest.mark.slow

BROKER_DB = 1  # app_env: the cache on 0, the broker on 1
NOTE = "The ministry's final figures came out."


@pytest.fixture
def env(transactional_db, needs_postgres_and_redis, throwaway_redis, webhook_settings):
    return webhook_env(database_url=test_database_url(), redis=throwaway_redis, API_ANON_THROTTLE_RATE="1000/min")


def _all_delivered(subscription, count: int) -> bool:
    return Delivery.objects.filter(subscription=subscription, state="delivered").count() == count


def test_redis_down_when_the_change_commits_the_sweep_delivers_it(env, throwaway_redis, hook_receiver, processes):
    redis = throwaway_redis
    server = AppServer("webhooks-redis-down-web", env)
    processes.append(server)
    claim = factories.PublishedClaimFactory(text="The bridge cost 2 billion.")
    reviewer = factories.ReviewerFactory(username="rita")
    subscription = staff_subscription(hook_receiver.url("/newsroom"), events=[EventType.CLAIM_CORRECTED])
    sweep_every()
    assert not Event.objects.exists()

    redis.stop()
    response = requests.patch(
        server.url(f"/api/v1/claims/{claim.pk}/"),
        json={"verdict": Verdict.TRUE, "correction_note": NOTE},
        headers=token_headers(reviewer),
        timeout=30,
    )
    assert response.status_code == 200, response.text  # the request does not fail for want of the broker
    correction = Correction.objects.get(claim=claim)
    (event,) = Event.objects.all()  # committed with the change
    assert event.type == EventType.CLAIM_CORRECTED
    assert event.object_ids == {"claim": claim.pk, "correction": correction.pk}
    assert event.dispatched_at is None
    log = server.output()
    assert "broker (could not queue notifications.tasks.webhooks_deliver) unavailable" in log
    assert "Traceback" not in log

    redis.start()  # empty: the nudge is nowhere
    assert redis.client(BROKER_DB).llen("webhooks") == 0
    worker = Worker("webhooks-redis-down-worker", env, pool="prefork", concurrency=1)
    beat = Beat("webhooks-redis-down-beat", env)
    processes.extend([worker, beat])
    assert wait_for(lambda: _all_delivered(subscription, 1), timeout=60, interval=0.5), (
        worker.output()[-3000:] + beat.output()[-2000:]
    )
    swept = beat.output()
    beat.stop()
    assert wait_for(lambda: broker_idle(redis.client(BROKER_DB)), timeout=30), worker.output()[-3000:]

    assert "Sending due task Webhooks" in swept  # the sweep brought it, the nudge being lost
    assert_at_least_once(hook_receiver, delivery_rows(subscription.pk))
    body = hook_receiver.received[0].json
    assert (body["id"], body["type"]) == (event.pk, "claim.corrected")
    assert body["data"]["claim"]["id"] == claim.pk
    assert body["data"]["claim"]["verdict"] == "true"
    assert body["data"]["change"]["note"] == NOTE


def test_redis_killed_under_a_running_worker_every_event_is_delivered(
    env, throwaway_redis, hook_receiver, nudges, processes
):
    redis = throwaway_redis
    subscription = staff_subscription(hook_receiver.url("/hook"))
    sweep_every()
    worker = Worker("webhooks-redis-killed-worker", env, pool="prefork", concurrency=1)
    beat = Beat("webhooks-redis-killed-beat", env)
    processes.extend([worker, beat])
    worker.wait_ready()
    beat.wait_ready()
    hook_receiver.hold()
    with broker(redis.url(BROKER_DB)) as conn:
        nudges.connection = conn
        with transaction.atomic():  # one commit, one nudge: one run sends the three at once
            for claim in (1, 2, 3):
                record_event(order_key=f"claim:{claim}")
    assert wait_for(lambda: len(hook_receiver.received) == 3, timeout=30), worker.output()[-3000:]

    runs_done = worker.output().count("succeeded in")
    redis.stop(sig=signal.SIGKILL)  # mid-run: the worker's three POSTs wait for their answers
    hook_receiver.release()
    # The run records them in PostgreSQL, Redis or not, and ends.
    assert wait_for(lambda: worker.output().count("succeeded in") > runs_done, timeout=30), worker.output()[-3000:]
    assert _all_delivered(subscription, 3)
    assert {json.loads(r.body)["id"] for r in hook_receiver.received} == set(Event.objects.values_list("id", flat=True))
    # Two more changes while Redis is down: committed with their events, their nudges lost.
    with broker(redis.url(BROKER_DB)) as conn:
        nudges.connection = conn
        record_event(order_key="claim:4")
        record_event(order_key="claim:1")
    assert (nudges.sent, nudges.lost) == (1, 2)
    assert Event.objects.filter(dispatched_at=None).count() == 2

    restarted_at = time.time()
    redis.start()
    assert wait_for(lambda: _all_delivered(subscription, 5), timeout=LEASE + 60, interval=0.5), (
        worker.output()[-3000:] + beat.output()[-2000:]
    )
    beat.stop()
    assert wait_for(lambda: broker_idle(redis.client(BROKER_DB)), timeout=30), worker.output()[-3000:]

    rows = delivery_rows(subscription.pk)
    assert_at_least_once(hook_receiver, rows)
    late = [row for row in rows if row.uuid not in {r.delivery for r in hook_receiver.received[:3]}]
    assert len(late) == 2
    for row in late:  # they went once Redis was back, not before
        assert all(hook_receiver.received[i].at >= restarted_at for i in arrivals(hook_receiver, row.uuid))
    assert worker.alive()  # it reconnected by itself
    assert "Connection to broker lost" in worker.output() or "Cannot connect to redis" in worker.output()
