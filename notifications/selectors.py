"""Reads of the outbox for readers: the public events, newest first, that the changes feeds (public.changes_feed)
list. Only PUBLIC_EVENT_TYPES are ever read here; their payloads hold only what the public claim page showed when
the event was written, so a claim since unpublished or retracted keeps its past events (the feeds are a log)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from factcheck.db import InConstants

from .choices import PUBLIC_EVENT_TYPES
from .language_rule import language_condition
from .models import Event

PUBLIC_FEED_LENGTH = 50


@dataclass(frozen=True)
class EventStamp:
    """What tells one version of a feed from another: the ids of the events it lists and when they happened."""

    id: int
    created_at: datetime


def _public_events(*, language: str, tag: str) -> QuerySet[Event]:
    # Newest first by id, the order events were written (a walk down the primary key; the filters have indexes of
    # their own for when few events match: see Event.Meta). The types as constants, as the partial index's
    # predicate names them, so even a prepared statement's generic plan may use it (factcheck.db.InConstants).
    events = Event.objects.filter(InConstants("type", PUBLIC_EVENT_TYPES))
    if language:
        events = events.filter(language_condition(language))
    if tag:
        events = events.filter(tags__contains=[tag])
    return events.order_by("-id")


def public_events(*, language: str = "", tag: str = "", limit: int = PUBLIC_FEED_LENGTH) -> list[dict[str, Any]]:
    """The newest ``limit`` public events as rows (id, type, created_at, payload), filtered by the claim's language
    (notifications.language_rule) and tag; already-cleaned filters, '' for none. One statement."""
    return list(_public_events(language=language, tag=tag).values("id", "type", "created_at", "payload")[:limit])


def public_event_stamps(*, language: str = "", tag: str = "", limit: int = PUBLIC_FEED_LENGTH) -> list[EventStamp]:
    """The same events as public_events, without their payloads: what a conditional GET compares. One statement
    reading the same rows, so a poller whose feed has not changed costs this and nothing more."""
    rows = _public_events(language=language, tag=tag).values_list("id", "created_at")[:limit]
    return [EventStamp(id=event_id, created_at=created_at) for event_id, created_at in rows]
