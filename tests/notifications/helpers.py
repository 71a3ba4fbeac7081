"""What the webhook tests share beyond fixtures: writing events as the apps do, and moving the clock."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from notifications.choices import EventType
from notifications.models import Delivery, Event
from notifications.outbox import event_record


def record_event(
    type=EventType.CLAIM_PUBLISHED, *, order_key="claim:1", payload=None, language="en", tags=(), claimant=""
) -> Event:
    """One event written as the apps write them: by the outbox, in a transaction."""
    with transaction.atomic():
        return event_record(
            type=type,
            order_key=order_key,
            payload=payload if payload is not None else {"claim": {"id": int(order_key.split(":")[1])}},
            object_ids={order_key.split(":")[0]: int(order_key.split(":")[1])},
            language=language,
            tags=tags,
            claimant=claimant,
        )


def later(delivery: Delivery, seconds: float = 0.0):
    """The clock a test moves to: when ``delivery`` is next due (plus ``seconds``)."""
    delivery.refresh_from_db()
    return delivery.next_attempt_at + timedelta(seconds=seconds)


def hours_ago(hours: float):
    return timezone.now() - timedelta(hours=hours)
