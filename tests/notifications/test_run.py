"""The worker's run and task: leases given back when a POST's turn comes too late, the next run queued when a
retry is near, the beat's sweep, and secrets kept out of every log."""

import json
import logging
from datetime import timedelta

import pytest
import redis
from django.conf import settings

from factcheck.celery import app as celery_app
from notifications import tasks
from notifications.choices import DeliveryState
from notifications.delivery import deliveries_claim, deliveries_record, deliveries_send, events_dispatch, webhooks_run
from notifications.models import Delivery, DeliveryAttempt
from notifications.sender import webhook_fetch_config

from .helpers import later, record_event
from .receiver import Reply

pytestmark = pytest.mark.django_db


def test_posts_whose_turn_comes_too_late_in_the_lease_are_not_sent_and_their_lease_is_given_back(subscribe, receiver):
    subscribe(receiver.url("/hook"))
    for claim in (1, 2, 3):
        record_event(order_key=f"claim:{claim}")
    events_dispatch()
    claimed = deliveries_claim(limit=10)
    # A deadline longer than the lease leaves no time to start any POST within it.
    report = deliveries_send(claimed, config=webhook_fetch_config(deadline=10_000))
    assert (len(report.sent), len(report.not_started)) == (0, 3)
    assert deliveries_record(report).released == 3
    assert receiver.received == []
    assert set(Delivery.objects.values_list("leased_until", "attempts", "state")) == {(None, 0, DeliveryState.PENDING)}
    assert DeliveryAttempt.objects.count() == 0
    assert len(deliveries_claim(limit=10)) == 3  # claimable again at once


def test_the_next_run_is_asked_for_when_a_retry_is_near(subscribe, receiver, settings):
    settings.WEBHOOK_SWEEP_SECONDS = 30
    subscribe(receiver.url("/hook"))
    record_event()
    receiver.script = [Reply(500, "down")]
    assert webhooks_run(requeue=False)["next_run_in"] is None  # the retry is ~75 s away: the sweep's
    due = later(Delivery.objects.get())
    assert webhooks_run(requeue=False, now=due - timedelta(seconds=10))["next_run_in"] == 10.0
    assert webhooks_run(requeue=False, now=due - timedelta(seconds=60))["next_run_in"] is None
    assert webhooks_run(requeue=False, now=due)["delivered"] == 1


def test_a_run_out_of_time_asks_for_the_next_at_once(subscribe, receiver, settings):
    settings.WEBHOOK_BATCH_SIZE = 2
    subscribe(receiver.url("/hook"))
    for claim in range(1, 6):
        record_event(order_key=f"claim:{claim}")
    first = webhooks_run(requeue=False, budget_seconds=0)
    assert (first["rounds"], first["delivered"], first["next_run_in"]) == (1, 2, 0.0)
    rest = webhooks_run(requeue=False)
    assert (rest["rounds"], rest["delivered"], rest["next_run_in"]) == (2, 3, None)


@pytest.fixture
def broker():
    """The broker for real (Redis), eager mode off: what a run queues can be read back from the queue's list."""
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (make test sets REDIS_URL)")
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("webhooks")
    celery_app.conf.task_always_eager = False
    try:
        yield client
    finally:
        celery_app.conf.task_always_eager = True
        client.delete("webhooks")


def test_the_next_run_is_queued_with_its_countdown(subscribe, receiver, broker):
    subscribe(receiver.url("/hook"))
    record_event()
    receiver.script = [Reply(500, "down")]
    webhooks_run(requeue=False)
    due = later(Delivery.objects.get())
    assert broker.llen("webhooks") == 0
    webhooks_run(now=due - timedelta(seconds=12))
    (message,) = [json.loads(raw) for raw in broker.lrange("webhooks", 0, -1)]
    assert message["headers"]["task"] == "notifications.tasks.webhooks_deliver"
    assert message["headers"]["eta"] is not None  # a countdown, not "now"


def test_the_task_runs_the_worker_and_queues_nothing_when_eager(subscribe, receiver):
    subscribe(receiver.url("/hook"))
    record_event()
    receiver.script = [Reply(500, "down")]
    result = tasks.webhooks_deliver.apply().get()
    assert (result["claimed"], result["retrying"]) == (1, 1)
    assert tasks.webhooks_deliver.apply().get()["claimed"] == 0  # twice: nothing due, nothing sent again
    assert len(receiver.received) == 1
    assert tasks.webhooks_deliver.acks_late
    assert tasks.webhooks_deliver.reject_on_worker_lost
    assert settings.CELERY_TASK_ROUTES["notifications.tasks.webhooks_deliver"] == {"queue": "webhooks"}


def test_the_beat_sweeps_every_thirty_seconds():
    from django_celery_beat.models import PeriodicTask

    beat = PeriodicTask.objects.get(task="notifications.tasks.webhooks_deliver")
    assert beat.enabled
    assert (beat.interval.every, beat.interval.period) == (30, "seconds")


def test_no_secret_in_any_log_or_record(subscribe, receiver, caplog):
    made = subscribe(receiver.url("/hook"))
    record_event(order_key="claim:1")
    record_event(order_key="claim:2")
    receiver.script = [Reply(500, "down")]
    with caplog.at_level(logging.DEBUG):
        webhooks_run(requeue=False)
    signatures = [r.headers["X-Factcheck-Signature"] for r in receiver.received]
    assert len(signatures) == 2
    logged = caplog.text + "".join(repr(r.args) for r in caplog.records)
    stored = json.dumps(
        [list(DeliveryAttempt.objects.values_list("error", "response_excerpt")), list(Delivery.objects.values())],
        default=str,
    )
    for text in (logged, stored):
        assert made.secret not in text
        assert all(signature.split("v1=")[1] not in text for signature in signatures)
    assert made.secret not in repr(made.subscription)


def test_each_step_twice(subscribe, receiver):
    """Dispatch, claim and record run again change nothing; only a send is a send (at least once, same id)."""
    subscribe(receiver.url("/hook"))
    record_event(order_key="claim:1")
    record_event(order_key="claim:2")
    assert (events_dispatch(), events_dispatch()) == (2, 0)
    claimed = deliveries_claim(limit=10)
    assert (len(claimed), deliveries_claim(limit=10)) == (2, [])
    report = deliveries_send(claimed)
    first, second = deliveries_record(report), deliveries_record(report)
    assert (first.delivered, first.stale) == (2, 0)
    assert (second.delivered, second.stale) == (0, 2)
    assert DeliveryAttempt.objects.count() == 2
    assert set(Delivery.objects.values_list("state", "attempts")) == {(DeliveryState.DELIVERED, 1)}


def test_a_secret_that_cannot_be_read_sends_nothing_unsigned(subscribe, receiver, settings):
    subscribe(receiver.url("/hook"))
    record_event()
    settings.WEBHOOK_SECRET_KEYS = ["a key the secret was not encrypted under"]
    result = webhooks_run(requeue=False)
    assert receiver.received == []
    delivery = Delivery.objects.get()
    assert (result["retrying"], delivery.state, delivery.attempts) == (1, DeliveryState.PENDING, 1)
    assert "secret cannot be read" in delivery.last_error
