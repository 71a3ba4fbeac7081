"""The outbox's one writer. Every path that makes a change worth telling calls event_record inside the transaction
of that change, so the event commits with it or not at all; delivery happens later, from the table.

This module is the seam the apps below (claims, sources) and above (public) call: it imports none of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from .choices import EventType
from .models import Event


def as_json(payload: Mapping[str, Any]) -> dict:
    """The payload as JSON will carry it (datetimes as ISO 8601, decimals and UUIDs as strings): what is stored is
    what is sent, byte for byte on every attempt."""
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False))


def event_record(
    *,
    type: EventType | str,
    order_key: str,
    payload: Mapping[str, Any],
    object_ids: Mapping[str, int] | None = None,
    language: str = "",
    tags: Iterable[str] = (),
    claimant: str = "",
) -> Event:
    """Write one event in the caller's transaction (refused outside one: an event must not outlive a rolled-back
    change, nor a change commit without its event)."""
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("event_record belongs inside the change's transaction.")
    event = Event.objects.create(
        type=EventType(type),
        order_key=order_key[:64],
        object_ids=dict(object_ids or {}),
        language=language or "",
        tags=sorted(set(tags)),
        claimant=(claimant or "")[:255],
        payload=as_json(payload),
    )
    _nudge_on_commit()
    return event


def events_record(events: Iterable[Event]) -> list[Event]:
    """Many events of one change (a link-check batch) in one INSERT; same rule as event_record."""
    rows = list(events)
    if not rows:
        return []
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("events_record belongs inside the change's transaction.")
    for event in rows:
        event.payload = as_json(event.payload)
        event.tags = sorted(set(event.tags))
    created = Event.objects.bulk_create(rows)
    _nudge_on_commit()
    return created


def _nudge_on_commit() -> None:
    """One nudge per transaction, however many events it wrote (a bulk publish writes hundreds)."""
    if not any(func is _nudge_dispatch for _, func, _ in connection.run_on_commit):
        transaction.on_commit(_nudge_dispatch, robust=True)


def _nudge_dispatch() -> None:
    """After commit, ask the webhook worker to look at the outbox now rather than at its next sweep. Losing this
    (no broker) loses nothing: the sweep finds the events in the table."""
    from .dispatch import dispatch_soon  # the worker side is above this module

    dispatch_soon()
