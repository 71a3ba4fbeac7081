"""Dispatch: the outbox's events become deliveries for the subscriptions that want them, once."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from notifications.choices import DeliveryState, EventType
from notifications.delivery import events_dispatch, webhooks_run
from notifications.models import Delivery, Event, WebhookSubscription
from notifications.services import webhook_resume
from tests import factories

from .helpers import record_event

pytestmark = pytest.mark.django_db


def deliveries():
    return sorted(Delivery.objects.values_list("subscription_id", "event_id"))


def test_dispatch_is_idempotent(subscribe, receiver):
    one = subscribe(receiver.url("/one")).subscription
    two = subscribe(receiver.url("/two")).subscription
    events = [record_event(order_key=f"claim:{n}") for n in (1, 2, 3)]

    assert events_dispatch() == 3
    made = deliveries()
    assert made == sorted((s.pk, e.pk) for s in (one, two) for e in events)
    assert Event.objects.filter(dispatched_at=None).count() == 0
    assert events_dispatch() == 0  # run again: nothing new
    assert deliveries() == made

    # an event dispatched again (its mark lost, say) adds nothing either: one delivery per subscription and event
    Event.objects.update(dispatched_at=None)
    assert events_dispatch() == 3
    assert deliveries() == made
    assert {d.order_key for d in Delivery.objects.all()} == {"claim:1", "claim:2", "claim:3"}


def test_dispatch_goes_oldest_first_in_bounded_steps(subscribe, receiver):
    subscribe(receiver.url("/hook"))
    events = [record_event(order_key=f"claim:{n}") for n in range(1, 6)]
    assert events_dispatch(limit=2) == 2
    assert sorted(Delivery.objects.values_list("event_id", flat=True)) == [events[0].pk, events[1].pk]
    assert events_dispatch(limit=10) == 3
    assert Delivery.objects.count() == 5


def test_the_filters(subscribe, receiver):
    chinese = subscribe(receiver.url("/zh"), language="zh").subscription
    health = subscribe(receiver.url("/health"), tag="health").subscription
    minister = subscribe(receiver.url("/minister"), claimant="The Minister").subscription
    corrections = subscribe(receiver.url("/corrections"), events=[EventType.CLAIM_CORRECTED]).subscription
    everything = subscribe(receiver.url("/all")).subscription

    zh = record_event(language="zh-Hans", order_key="claim:1")
    tagged = record_event(language="en", tags=["health", "budget"], order_key="claim:2")
    said = record_event(language="en", claimant="the minister ", order_key="claim:3")
    corrected = record_event(EventType.CLAIM_CORRECTED, language="fr", order_key="claim:4")
    dead = record_event(EventType.SOURCE_DEAD, language="", order_key="source:9", payload={"source": {"id": 9}})
    events_dispatch()

    got = {}
    for subscription_id, event_id in deliveries():
        got.setdefault(subscription_id, set()).add(event_id)
    assert got[chinese.pk] == {zh.pk}
    assert got[health.pk] == {tagged.pk}
    assert got[minister.pk] == {said.pk}
    assert got[corrections.pk] == {corrected.pk}
    assert got[everything.pk] == {zh.pk, tagged.pk, said.pk, corrected.pk, dead.pk}


def test_a_researchers_subscription_never_gets_a_desk_event(subscribe, receiver):
    researcher = factories.ResearcherFactory(username="rosa")
    mine = subscribe(receiver.url("/rosa"), owner=researcher, events=[EventType.CLAIM_PUBLISHED]).subscription
    # the row says desk events too (an admin edit, or an owner who was staff when subscribing)
    WebhookSubscription.objects.filter(pk=mine.pk).update(events=list(EventType.values))
    published = record_event(EventType.CLAIM_PUBLISHED, order_key="claim:1")
    for desk in (EventType.SOURCE_DEAD, EventType.TIP_RECEIVED, EventType.EVIDENCE_EXCERPT_MISSING):
        record_event(desk, language="", order_key="source:1")

    webhooks_run(requeue=False)
    assert deliveries() == [(mine.pk, published.pk)]
    assert [r.headers["X-Factcheck-Event"] for r in receiver.received] == ["claim.published"]


def test_switched_off_and_disabled_owners_get_nothing_new_a_paused_one_keeps_its_deliveries(subscribe, receiver):
    """Switched off (or its owner gone): nothing new. Paused (its receiver kept failing): the events keep coming as
    pending deliveries, held back until it is resumed, so a receiver that was down misses nothing."""
    off = subscribe(receiver.url("/off")).subscription
    paused = subscribe(receiver.url("/paused")).subscription
    gone = subscribe(receiver.url("/gone"), owner=factories.ReviewerFactory(username="left")).subscription
    on = subscribe(receiver.url("/on")).subscription
    WebhookSubscription.objects.filter(pk=off.pk).update(active=False)
    WebhookSubscription.objects.filter(pk=paused.pk).update(paused_at=timezone.now())
    gone.owner.is_active = False
    gone.owner.save()
    event = record_event()
    events_dispatch()
    assert sorted(deliveries()) == sorted([(on.pk, event.pk), (paused.pk, event.pk)])
    webhooks_run(requeue=False)
    assert receiver.paths() == ["/on"]
    assert Delivery.objects.get(subscription=paused).state == DeliveryState.PENDING
    webhook_resume(subscription_id=paused.pk)
    webhooks_run(requeue=False)
    assert Delivery.objects.get(subscription=paused).state == DeliveryState.DELIVERED
    assert receiver.paths() == ["/on", "/paused"]


def test_each_service_twice(subscribe, receiver):
    """webhooks_run again right after: nothing sent twice, nothing recorded twice."""
    subscribe(receiver.url("/hook"))
    record_event(order_key="claim:1")
    record_event(order_key="claim:2")
    first = webhooks_run(requeue=False)
    second = webhooks_run(requeue=False)
    assert (first["events"], first["delivered"]) == (2, 2)
    assert (second["events"], second["claimed"], second["delivered"]) == (0, 0, 0)
    assert len(receiver.received) == 2
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.DELIVERED}


@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_make_each_delivery_once(receiver, staff):
    from notifications.services import webhook_subscribe

    for path in ("/a", "/b"):
        webhook_subscribe(owner=staff, url=receiver.url(path), events=list(EventType.values))
    # Written directly: through the outbox, each commit's nudge would run the (eager) worker before the test's own.
    Event.objects.bulk_create(
        Event(type=EventType.CLAIM_PUBLISHED, order_key=f"claim:{n}", payload={"n": n}, language="en")
        for n in range(300)
    )
    barrier = threading.Barrier(4)
    counts, errors = [], []

    def dispatcher():
        try:
            barrier.wait(10)
            total = 0
            while (n := events_dispatch(limit=50)) or Event.objects.filter(dispatched_at=None).exists():
                total += n
            counts.append(total)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(counts) == 300  # every event dispatched by exactly one of them
    assert Delivery.objects.count() == 600
    assert Event.objects.filter(dispatched_at=None).count() == 0
