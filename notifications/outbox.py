"""The outbox's one writer. Every path that makes a change worth telling calls event_record inside the transaction
of that change, so the event commits with it or not at all; delivery happens later, from the table.

This module is the seam the apps below (claims, sources) and above (public) call: it imports none of them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from .choices import EventType
from .models import Event


def json_text(value: Mapping[str, Any]) -> str:
    """A payload's JSON text, as it is stored and sent."""
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def as_json(payload: Mapping[str, Any]) -> dict:
    """The payload as JSON will carry it (datetimes as ISO 8601, decimals and UUIDs as strings): what is stored is
    what is sent, byte for byte on every attempt."""
    return json.loads(json_text(payload))


def json_datetime_sql(moment: str) -> str:
    """In SQL, the JSON text DjangoJSONEncoder makes of the timestamptz ``moment`` (in UTC, milliseconds truncated
    and only when there are microseconds, "Z" for +00:00; NULL stays NULL): the payloads PostgreSQL builds
    (event_record_select) carry the same times, to the byte, as those Python builds. Tests hold the two equal."""
    whole_second = f"mod(extract(microseconds FROM ({moment}))::bigint, 1000000) = 0"
    return (
        f"to_char(({moment}) AT TIME ZONE 'UTC', CASE WHEN {whole_second}"
        """ THEN 'YYYY-MM-DD"T"HH24:MI:SS"Z"' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"' END)"""
    )


# The columns an event is written with (dispatched_at keeps its default, empty); those holding JSON.
_INSERT_FIELDS = ("type", "object_ids", "order_key", "language", "tags", "claimant", "payload", "created_at")
_JSON_FIELDS = frozenset({"object_ids", "payload"})
_INSERT_CHUNK = 500


@functools.cache
def _insert_sql(rows: int) -> str:
    """INSERT of ``rows`` events, each value cast to its column's type (JSON is sent as text)."""
    fields = [Event._meta.get_field(name) for name in _INSERT_FIELDS]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    values = "(" + ", ".join(f"%s::{field.db_type(connection)}" for field in fields) + ")"
    table = connection.ops.quote_name(Event._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES {', '.join([values] * rows)} RETURNING id"


def _values(event: Event) -> list:
    """The event's values in _INSERT_FIELDS' order, its JSON serialised once; the payload is set back on the event
    as it will be read (what is stored is what is sent)."""
    event.tags = sorted(set(event.tags))
    texts = {name: json_text(getattr(event, name)) for name in _JSON_FIELDS}
    event.payload = json.loads(texts["payload"])
    return [texts[name] if name in texts else getattr(event, name) for name in _INSERT_FIELDS]


def _insert(events: list[Event]) -> list[Event]:
    """INSERT the events, their ids set from RETURNING: one statement per chunk, not the ORM's save, whose Python
    cost more than the statement on the claim save path (the outbox's budget there is under a millisecond)."""
    for start in range(0, len(events), _INSERT_CHUNK):
        chunk = events[start : start + _INSERT_CHUNK]
        params = [value for event in chunk for value in _values(event)]
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(len(chunk)), params)
            for event, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                event.pk = pk
                event._state.adding = False
    return events


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
    event = Event(
        type=EventType(type),
        order_key=order_key[:64],
        object_ids=dict(object_ids or {}),
        language=language or "",
        tags=list(tags),
        claimant=(claimant or "")[:255],
        payload=payload,
    )
    _insert([event])
    _nudge_on_commit()
    return event


# What event_record_select's SELECT gives, in this order: the event's columns, JSON ones as jsonb.
EVENT_SELECT_COLUMNS = _INSERT_FIELDS


@functools.cache
def _insert_select_sql(select_sql: str) -> str:
    fields = [Event._meta.get_field(name) for name in _INSERT_FIELDS]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(Event._meta.db_table)
    return f"INSERT INTO {table} ({columns})\n{select_sql}\nRETURNING id"


def event_record_select(select_sql: str, params: Sequence[Any]) -> int | None:
    """Write one event whose values a SELECT makes in the database (EVENT_SELECT_COLUMNS, in order; the payload
    built there, times by json_datetime_sql): for a change on a hot path, one statement instead of a read and an
    INSERT, and no JSON through Python. The id, or None when the SELECT found no row (nothing written). Same
    transaction rule as event_record."""
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("event_record_select belongs inside the change's transaction.")
    with connection.cursor() as cursor:
        cursor.execute(_insert_select_sql(select_sql), params)
        found = cursor.fetchone()
    if found is None:
        return None
    _nudge_on_commit()
    return found[0]


def events_record(events: Iterable[Event]) -> list[Event]:
    """Many events of one change (a link-check batch) in one INSERT; same rule as event_record."""
    rows = list(events)
    if not rows:
        return []
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("events_record belongs inside the change's transaction.")
    created = _insert(rows)
    _nudge_on_commit()
    return created


def _nudge_on_commit() -> None:
    """One nudge per transaction, however many events it wrote (a bulk publish writes hundreds)."""
    if not any(func is _nudge_dispatch for _, func, _ in connection.run_on_commit):
        transaction.on_commit(_nudge_dispatch, robust=True)


def _nudge_dispatch() -> None:
    """After commit, ask the webhook worker to look at the outbox now rather than at its next sweep. Losing this
    (no broker) loses nothing: the sweep finds the events in the table."""
    from .dispatch import nudge_after_commit  # the worker side is above this module

    nudge_after_commit()
