"""A backlog: a run that claims a full round asks once for a helper run (another worker process claims beside it),
and a run goes on through an outbox whose first events match no subscription."""

import json

import pytest
import redis
from django.conf import settings

from factcheck.celery import app as celery_app
from notifications import delivery
from notifications.choices import DeliveryState, EventType
from notifications.delivery import webhooks_run
from notifications.models import Delivery, Event

from .helpers import record_event

pytestmark = pytest.mark.django_db


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


def _queued(broker) -> list[dict]:
    return [json.loads(raw) for raw in broker.lrange("webhooks", 0, -1)]


def test_full_rounds_ask_for_one_helper_run(subscribe, receiver, broker, settings):
    settings.WEBHOOK_BATCH_SIZE = 2
    subscribe(receiver.url("/hook"))
    for claim in range(1, 8):
        record_event(order_key=f"claim:{claim}")
    broker.delete("webhooks")  # the outbox's own on-commit nudges
    result = webhooks_run()
    assert (result["rounds"], result["delivered"], result["next_run_in"]) == (4, 7, None)
    (message,) = _queued(broker)  # three full rounds, one helper asked for: at once
    assert message["headers"]["task"] == "notifications.tasks.webhooks_deliver"
    assert message["headers"]["eta"] is None


def test_rounds_that_are_not_full_ask_for_no_helper(subscribe, receiver, broker, settings):
    settings.WEBHOOK_BATCH_SIZE = 10
    subscribe(receiver.url("/hook"))
    for claim in range(1, 4):
        record_event(order_key=f"claim:{claim}")
    broker.delete("webhooks")
    assert webhooks_run()["delivered"] == 3
    assert _queued(broker) == []


def test_a_run_is_not_asked_for_helpers_without_requeue(subscribe, receiver, broker, settings):
    settings.WEBHOOK_BATCH_SIZE = 1
    subscribe(receiver.url("/hook"))
    record_event(order_key="claim:1")
    record_event(order_key="claim:2")
    broker.delete("webhooks")
    assert webhooks_run(requeue=False)["delivered"] == 2
    assert _queued(broker) == []


def test_a_run_goes_on_past_dispatched_events_that_matched_nothing(subscribe, receiver, monkeypatch):
    monkeypatch.setattr(delivery, "DISPATCH_LIMIT", 2)
    subscribe(receiver.url("/hook"), events=[EventType.CLAIM_CORRECTED])
    for claim in (1, 2, 3, 4):  # published: no subscriber
        record_event(EventType.CLAIM_PUBLISHED, order_key=f"claim:{claim}")
    record_event(EventType.CLAIM_CORRECTED, order_key="claim:5")
    result = webhooks_run(requeue=False)
    assert (result["events"], result["delivered"]) == (5, 1)
    assert receiver.event_ids() == [Event.objects.get(order_key="claim:5").pk]
    assert Delivery.objects.get().state == DeliveryState.DELIVERED
    assert not Event.objects.filter(dispatched_at=None).exists()
