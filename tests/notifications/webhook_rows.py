"""Rows and a guard shared by the webhook API and admin tests.

Nothing is ever sent by these tests, and nothing_is_sent proves it for each of them. Delivery is reached only
through notifications.dispatch.dispatch_soon, which every write path calls from transaction.on_commit; each test runs
inside a transaction that pytest-django rolls back, so those callbacks are dropped, never run. The guard records
every run of the webhook task (Celery's task_prerun fires for eager runs too) and fails the test if there was one,
and checks that the test's transaction is still open at its end. A test that needs to see the callback registered
captures it without running it (django_capture_on_commit_callbacks(execute=False)). The targets are names under
example.org (reserved, RFC 2606): were anything to run, the worker's address guard would have to resolve them first.
"""

from __future__ import annotations

from contextlib import contextmanager

from celery.signals import task_prerun
from django.db import connection
from django.utils import timezone

from notifications.choices import DeliveryState, EventType
from notifications.dispatch import DELIVER_TASK
from notifications.models import Delivery, DeliveryAttempt, Event
from notifications.services import webhook_subscribe


@contextmanager
def webhook_task_runs():
    """The ids of the webhook task's runs inside the block (eager runs included: Celery sends task_prerun for them)."""
    runs: list[str] = []

    def record(sender=None, task_id=None, **kwargs):
        if getattr(sender, "name", None) == DELIVER_TASK:
            runs.append(task_id)

    task_prerun.connect(record, weak=False)
    try:
        yield runs
    finally:
        task_prerun.disconnect(record)


@contextmanager
def nothing_is_sent():
    """Fails when the webhook task ran inside the block, or the test's transaction is no longer open at its end (its
    on-commit callbacks could have run). Each webhook test module wraps its tests in it (an autouse fixture)."""
    with webhook_task_runs() as runs:
        yield
    assert connection.in_atomic_block, "the test's transaction ended: on-commit callbacks may have run"
    assert runs == [], "the webhook task ran during the test"


def subscribe(owner, url: str = "https://hooks.example.org/in", events=("claim.published",), **filters):
    return webhook_subscribe(owner=owner, url=url, events=list(events), **filters)


def event(type: str = EventType.CLAIM_PUBLISHED, *, claim_id: int = 1, **fields) -> Event:
    return Event.objects.create(
        type=type,
        order_key=f"claim:{claim_id}",
        object_ids={"claim": claim_id},
        payload={"claim": {"id": claim_id, "text": "A statement."}},
        **fields,
    )


def delivery(subscription, event_row: Event | None = None, **fields) -> Delivery:
    event_row = event_row or event()
    fields.setdefault("state", DeliveryState.PENDING)
    return Delivery.objects.create(subscription=subscription, event=event_row, order_key=event_row.order_key, **fields)


def attempt(delivery_row: Delivery, number: int, **fields) -> DeliveryAttempt:
    fields.setdefault("started_at", timezone.now())
    return DeliveryAttempt.objects.create(delivery=delivery_row, number=number, **fields)
