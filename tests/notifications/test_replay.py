"""Replay (the admin's action, notifications.services): a delivery sent again with the same delivery id and the same
bytes, a fresh set of attempts, signed anew."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.choices import DeliveryState
from notifications.delivery import webhooks_run
from notifications.models import Delivery, DeliveryAttempt, Event
from notifications.services import deliveries_replay, subscription_replay_since

from .helpers import record_event
from .receiver import Reply

pytestmark = pytest.mark.django_db


def test_replaying_a_delivered_delivery(subscribe, receiver):
    subscribe(receiver.url("/hook"))
    record_event()
    webhooks_run(requeue=False)
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.DELIVERED

    assert deliveries_replay(delivery_ids=[delivery.pk]) == 1
    webhooks_run(requeue=False)
    webhooks_run(requeue=False)  # twice: the replay is sent once

    original, replayed = receiver.received
    assert replayed.delivery == original.delivery == str(delivery.uuid)
    assert replayed.body == original.body
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.DELIVERED, 1)  # attempts count from the replay
    assert delivery.replayed_at is not None
    assert [a.number for a in DeliveryAttempt.objects.filter(delivery=delivery).order_by("id")] == [1, 1]


def test_replaying_a_failed_delivery_gives_it_a_fresh_schedule(subscribe, receiver):
    subscribe(receiver.url("/hook"))
    record_event()
    receiver.script = [Reply(404, "no such hook")]
    webhooks_run(requeue=False)
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED

    deliveries_replay(delivery_ids=[delivery.pk])
    receiver.script = [Reply(500, "still not")]
    webhooks_run(requeue=False)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 1)  # retried again, from attempt 1


def test_replaying_a_subscription_since_a_time(subscribe, receiver):
    subscription = subscribe(receiver.url("/hook")).subscription
    old = record_event(order_key="claim:1")
    recent = [record_event(order_key="claim:2"), record_event(order_key="claim:3")]
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    webhooks_run(requeue=False)
    first_ids = {r.json["id"]: r.delivery for r in receiver.received}
    assert len(first_ids) == 3

    since = timezone.now() - timedelta(days=1)
    assert subscription_replay_since(subscription_id=subscription.pk, since=since) == 2
    webhooks_run(requeue=False)
    replayed = receiver.received[3:]
    assert sorted(r.json["id"] for r in replayed) == sorted(e.pk for e in recent)
    assert all(r.delivery == first_ids[r.json["id"]] for r in replayed)  # the same delivery ids
