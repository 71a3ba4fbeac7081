"""Reads of the outbox and of webhooks.

- For readers: the public events, newest first, that the changes feeds (public.changes_feed) list. Only
  PUBLIC_EVENT_TYPES are ever read here; their payloads hold only what the public claim page showed when the event
  was written, so a claim since unpublished or retracted keeps its past events (the feeds are a log).
- For a user, their own subscriptions and deliveries (the API). Ownership is the only rule there: a subscription
  that is not the user's does not exist for them (404, never 403), staff included.
- For the desk, every subscription with its delivery counts, deliveries and events (the admin).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from factcheck.db import InConstants

from .choices import PUBLIC_EVENT_TYPES, DeliveryState
from .language_rule import language_condition
from .models import Delivery, Event, WebhookSubscription

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


# --- webhooks: a user's own (the API), everyone's (the admin) ---------------------------------------------------

# What a delivery row of the API and of the admin list reads of its event: never the payload, which can be large.
DELIVERY_EVENT_FIELDS = ("event__id", "event__type", "event__created_at")


def subscriptions_owned(*, user) -> QuerySet[WebhookSubscription]:
    """The user's own subscriptions, newest first."""
    if not (user and user.is_authenticated):
        return WebhookSubscription.objects.none()
    return WebhookSubscription.objects.filter(owner_id=user.pk).order_by("-id")


def subscription_owned(*, user, subscription_id: int) -> WebhookSubscription:
    """One of the user's own subscriptions; WebhookSubscription.DoesNotExist for anyone else's."""
    return subscriptions_owned(user=user).get(pk=subscription_id)


def subscription_deliveries(*, user, subscription_id: int, state: str | None = None) -> QuerySet[Delivery]:
    """The deliveries of one of the user's own subscriptions, newest first (WebhookSubscription.DoesNotExist for
    anyone else's), with their event's id, type and time."""
    subscription = subscription_owned(user=user, subscription_id=subscription_id)
    deliveries = (
        Delivery.objects.filter(subscription_id=subscription.pk)
        .select_related("event")
        .only(
            "uuid",
            "state",
            "attempts",
            "last_status",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "replayed_at",
            "created_at",
            "subscription_id",
            *DELIVERY_EVENT_FIELDS,
        )
        .order_by("-created_at", "-id")
    )
    return deliveries.filter(state=state) if state else deliveries


def _deliveries_counted(state: str) -> Coalesce:
    per_subscription = (
        Delivery.objects.filter(subscription_id=OuterRef("pk"), state=state)
        .order_by()
        .values("subscription_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(per_subscription, output_field=IntegerField()), 0)


def with_delivery_counts(subscriptions: QuerySet[WebhookSubscription]) -> QuerySet[WebhookSubscription]:
    """``pending_count`` and ``failed_count`` on each subscription: one correlated count each, served by the partial
    indexes on pending and on failed deliveries, so a page of subscriptions costs one query however many rows."""
    return subscriptions.annotate(
        pending_count=_deliveries_counted(DeliveryState.PENDING),
        failed_count=_deliveries_counted(DeliveryState.FAILED),
    )


def deliveries_for_desk(deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
    """Deliveries with what the admin's list shows of their subscription and event, without the event's payload."""
    return deliveries.select_related("subscription", "event").defer("event__payload", "subscription__secret_encrypted")


def subscription_off(prefix: str = "") -> Q:
    """Switched off by someone, or paused for failing: nothing is sent to it until it is resumed."""
    return Q(**{f"{prefix}active": False}) | Q(**{f"{prefix}paused_at__isnull": False})


def deliveries_waiting_for_subscription(*, delivery_ids) -> int:
    """How many of these deliveries belong to a subscription that is off: a replay of them waits until it is
    resumed."""
    return Delivery.objects.filter(subscription_off("subscription__"), pk__in=list(delivery_ids)).count()


def subscriptions_off(*, subscription_ids) -> int:
    return WebhookSubscription.objects.filter(subscription_off(), pk__in=list(subscription_ids)).count()


def events_for_desk(events: QuerySet[Event]) -> QuerySet[Event]:
    """Events as the admin's list shows them: without their payload."""
    return events.defer("payload")
