"""The outbox (Event) and the webhooks fed from it (WebhookSubscription, Delivery, DeliveryAttempt).

Events name the objects they are about by id, not by foreign key: an event is a record of what was said at the time,
kept when the claim, source or tip is later deleted, and this app sits below claims, sources and public.
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import PUBLIC_EVENT_TYPES, DeliveryState, EventType

MAX_URL_LENGTH = 2048
RESPONSE_EXCERPT_BYTES = 1024  # what a delivery's log keeps of each answer


class Event(models.Model):
    """One change, written in the transaction that made it (notifications.outbox.event_record)."""

    type = models.CharField(_("type"), max_length=40, choices=EventType.choices)
    # What the event is about, by id ({"claim": 12, "correction": 40}); order_key groups the events that must reach
    # a subscriber in order ("claim:12").
    object_ids = models.JSONField(_("object ids"), default=dict)
    order_key = models.CharField(_("order key"), max_length=64)
    # Copied from the claim at the time, for the subscriptions' and the feeds' filters.
    language = models.CharField(_("language"), max_length=35, blank=True)
    tags = ArrayField(models.CharField(max_length=100), default=list, blank=True, verbose_name=_("tags"))
    claimant = models.CharField(_("claimant"), max_length=255, blank=True)
    payload = models.JSONField(_("payload"), help_text=_("The event's data, as it is sent."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Set when the event's deliveries have been made; the outbox's backlog is the rows where it is still empty.
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ("-id",)
        indexes = [
            models.Index(fields=("id",), name="notif_event_undispatched", condition=models.Q(dispatched_at=None)),
            models.Index(fields=("type", "-id"), name="notif_event_type_id"),
            # The feeds' filters (notifications.selectors): newest first is a walk down the primary key, which
            # stops after `limit` rows when matches are common, but reads the whole table for a language or tag
            # that few or no events have (a poller asking for one every minute). With these the planner reads the
            # few matches instead. The language index is on the expression the rule's SQL twin compares
            # (notifications.language_rule), text_pattern_ops for its prefix LIKE under any collation, and not
            # partial: PostgreSQL keeps no statistics for a partial index's expression, and without them it
            # guesses that an absent language is common and walks the table.
            models.Index(OpClass(Upper("language"), name="text_pattern_ops"), name="notif_event_language"),
            GinIndex(fields=("tags",), name="notif_event_public_tags", condition=models.Q(type__in=PUBLIC_EVENT_TYPES)),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class WebhookSubscription(models.Model):
    """Where to POST which events. The secret is kept encrypted (notifications.secrets): it must be read back to
    sign, so it cannot be hashed; it is shown once, when made."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        verbose_name=_("owner"),
    )
    url = models.URLField(_("target url"), max_length=MAX_URL_LENGTH)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret_encrypted = models.TextField(_("secret (encrypted)"), editable=False)
    secret_hint = models.CharField(
        _("secret ends with"), max_length=8, editable=False, help_text=_("The secret's last characters, to tell it.")
    )
    events = ArrayField(
        models.CharField(max_length=40, choices=EventType.choices), verbose_name=_("events"), default=list
    )
    language = models.CharField(
        _("language"), max_length=35, blank=True, help_text=_("Only events of claims in this language (BCP 47).")
    )
    tag = models.CharField(_("tag"), max_length=100, blank=True, help_text=_("Only events of claims with this tag."))
    claimant = models.CharField(
        _("claimant"), max_length=255, blank=True, help_text=_("Only events of claims by this claimant.")
    )
    active = models.BooleanField(_("active"), default=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    pause_reason = models.CharField(_("why paused"), max_length=300, blank=True)
    # When the owner was emailed about the pause; empty while the email is still to send (the webhook worker's runs
    # send it, and try again while the mail server refuses).
    pause_notified_at = models.DateTimeField(_("owner told at"), null=True, blank=True, editable=False)
    # The first failed attempt since the last success: every delivery failing for WEBHOOK_PAUSE_AFTER pauses it.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ("-id",)

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:  # never the secret, even encrypted
        return f"<WebhookSubscription {self.pk} {self.url}>"


class Delivery(models.Model):
    """One event to one subscription: its state and when it is next tried. ``uuid`` is X-Factcheck-Delivery, the
    same on every attempt and replay, so a receiver can drop what it already has."""

    uuid = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("subscription")
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event"))
    order_key = models.CharField(_("order key"), max_length=64)  # the event's: a delivery waits for earlier ones
    state = models.CharField(_("state"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, help_text=_("Since it was last replayed."))
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    leased_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    replayed_at = models.DateTimeField(_("replayed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ("-id",)
        constraints = [
            models.UniqueConstraint(fields=("subscription", "event"), name="notif_delivery_once_per_subscription")
        ]
        indexes = [
            models.Index(
                fields=("next_attempt_at",), name="notif_delivery_due", condition=models.Q(state=DeliveryState.PENDING)
            ),
            # "Is an earlier event of this claim still pending for this subscription?": one probe of this index.
            models.Index(
                fields=("subscription", "order_key", "event"),
                name="notif_delivery_queue",
                condition=models.Q(state=DeliveryState.PENDING),
            ),
            models.Index(fields=("subscription", "-created_at"), name="notif_delivery_sub_created"),
            # The admin's count of each subscription's failed deliveries: one probe, however many it delivered.
            models.Index(
                fields=("subscription",), name="notif_delivery_failed", condition=models.Q(state=DeliveryState.FAILED)
            ),
        ]

    def __str__(self) -> str:
        return str(self.uuid)


class DeliveryAttempt(models.Model):
    """One POST of a delivery and what came back: the delivery's log."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    response_excerpt = models.TextField(_("response (first 1 KB)"), blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ("delivery", "number")
        indexes = [models.Index(fields=("delivery", "number"), name="notif_attempt_delivery")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"
