"""Order: events of one claim reach a subscription in order; other claims do not wait for them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.choices import DeliveryState, EventType
from notifications.delivery import deliveries_claim, deliveries_record, deliveries_send, events_dispatch, webhooks_run
from notifications.models import Delivery

from .helpers import later, record_event
from .receiver import Reply

pytestmark = pytest.mark.django_db


def test_a_later_event_of_a_claim_waits_for_the_earlier_while_other_claims_go(receiver, subscribe):
    subscribe(receiver.url("/hook"))
    first = record_event(EventType.CLAIM_PUBLISHED, order_key="claim:1")
    second = record_event(EventType.CLAIM_CORRECTED, order_key="claim:1")
    other = record_event(EventType.CLAIM_PUBLISHED, order_key="claim:2")
    failed_once = set()

    def fail_first_once(request):
        if request.json["id"] == first.pk and first.pk not in failed_once:
            failed_once.add(first.pk)
            return Reply(500, "not yet")
        return None

    receiver.decide = fail_first_once

    webhooks_run(requeue=False)
    # the first failed and waits for its retry; the second waits behind it; the other claim's went out meanwhile
    assert receiver.event_ids() == [first.pk, other.pk]
    states = dict(Delivery.objects.values_list("event_id", "state"))
    assert states == {first.pk: DeliveryState.PENDING, second.pk: DeliveryState.PENDING, other.pk: "delivered"}
    # the second was due all along: only the first's retry time lets it go
    assert Delivery.objects.get(event=second).next_attempt_at < Delivery.objects.get(event=first).next_attempt_at

    webhooks_run(requeue=False, now=later(Delivery.objects.get(event=first)))
    assert receiver.event_ids() == [first.pk, other.pk, first.pk, second.pk]
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.DELIVERED}
    # the second was sent after the first was answered, not beside it
    assert receiver.received[3].at >= receiver.received[2].at


def test_a_claim_takes_only_the_head_of_each_queue(subscribe, receiver):
    subscribe(receiver.url("/a"))
    subscribe(receiver.url("/b"))
    events = [record_event(order_key="claim:1") for _ in range(3)] + [record_event(order_key="claim:2")]
    events_dispatch()
    claimed = deliveries_claim(limit=100)
    # per subscription: the first event of claim 1 and the one of claim 2
    assert sorted((c.url.rsplit("/", 1)[1], c.event.id) for c in claimed) == sorted(
        (path, event.pk) for path in ("a", "b") for event in (events[0], events[3])
    )


def test_an_in_flight_delivery_blocks_its_successors_and_is_not_claimed_twice(subscribe, receiver):
    """A leased head is still pending: another worker's claim takes neither it nor what is queued behind it."""
    subscribe(receiver.url("/hook"))
    first, second = record_event(order_key="claim:1"), record_event(order_key="claim:1")
    events_dispatch()
    (head,) = deliveries_claim(limit=10)
    assert head.event.id == first.pk
    assert deliveries_claim(limit=10) == []  # the lease holds it; the second waits behind it
    # once its lease has run out (its worker died), the head is claimed again, still before the second
    expired = timezone.now() + timedelta(minutes=5)
    (again,) = deliveries_claim(limit=10, now=expired)
    assert again.id == head.id
    assert again.attempt == head.attempt == 1  # nothing was recorded: the same attempt, sent again
    # the first worker's late record is fenced out by the newer lease; the second's stands
    assert deliveries_record(deliveries_send([head])).stale == 1
    assert Delivery.objects.get(pk=head.id).leased_until == again.lease
    assert deliveries_record(deliveries_send([again]), now=expired).delivered == 1
    assert Delivery.objects.get(pk=head.id).state == DeliveryState.DELIVERED
    (follower,) = deliveries_claim(limit=10, now=expired)
    assert follower.event.id == second.pk


def test_a_failed_delivery_does_not_block_the_queue_for_good(subscribe, receiver):
    subscribe(receiver.url("/hook"))
    first, second = record_event(order_key="claim:1"), record_event(order_key="claim:1")
    receiver.script = [Reply(410, "gone")]
    webhooks_run(requeue=False)
    assert dict(Delivery.objects.values_list("event_id", "state")) == {
        first.pk: DeliveryState.FAILED,
        second.pk: DeliveryState.DELIVERED,
    }
