"""The webhooks API's shapes. Reads are ModelSerializers of the rows; writes are plain serializers whose values go to
notifications.services, which holds every rule (target url, events allowed to the owner, filters)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notifications.choices import DeliveryState, EventType
from notifications.models import MAX_URL_LENGTH, Delivery, WebhookSubscription

EVENTS_HELP = (
    "Event types to receive. Researchers may subscribe to the public ones (claim.published, claim.corrected, "
    "claim.retracted, claim.updated_minor); the desk's own (source.dead, source.recovered, evidence.excerpt_missing, "
    "tip.received) go to reviewers' subscriptions only."
)


@extend_schema_field(
    serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices), min_length=1, help_text=EVENTS_HELP)
)
class EventTypesField(serializers.ListField):
    """Event type names as sent; which are known and allowed is notifications.services.check_events' to say, in one
    message naming them all."""

    child = serializers.CharField(max_length=40)

    def __init__(self, **kwargs):
        super().__init__(max_length=len(EventType.values) * 4, **kwargs)


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices), help_text=EVENTS_HELP)
    secret_hint = serializers.CharField(
        read_only=True,
        help_text="The secret's last characters, to tell which one you hold; the secret itself is "
        "shown only when the subscription is made or its secret rotated.",
    )
    paused_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="Set when every delivery failed for days and sending stopped; PATCH `active: true` resumes it.",
    )

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "url",
            "events",
            "language",
            "tag",
            "claimant",
            "description",
            "active",
            "paused_at",
            "pause_reason",
            "failing_since",
            "secret_hint",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="Signs every delivery (X-Factcheck-Signature). Shown this once: keep it; it cannot be read again, "
        "only replaced (rotate-secret).",
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


def subscription_with_secret(subscription: WebhookSubscription, secret: str) -> dict:
    """The 201 of a new subscription or the 200 of a rotation: the subscription and, this once, its secret."""
    return {**WebhookSubscriptionSerializer(subscription).data, "secret": secret}


@extend_schema_field(OpenApiTypes.URI)
class TargetUrlField(serializers.CharField):
    """A url as sent: whether it may be a target is notifications.services.check_target_url's to say, with the
    reason (a plain URLField would answer "Enter a valid URL." first, and accept ftp)."""


class WebhookSubscriptionWriteSerializer(serializers.Serializer):
    """A new subscription: where to send which events, and which claims' events (all of them without filters)."""

    url = TargetUrlField(
        max_length=MAX_URL_LENGTH,
        help_text="Where to POST the events: http or https. An address outside the public internet is refused.",
    )
    events = EventTypesField()
    language = serializers.CharField(
        max_length=35,
        required=False,
        allow_blank=True,
        default="",
        help_text="Only events of claims in this language (BCP 47); `zh` also matches `zh-Hans`.",
    )
    tag = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="Only events of claims with this tag."
    )
    claimant = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text="Only events of claims by this claimant (case does not matter).",
    )
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="A note for yourself."
    )


class WebhookSubscriptionChangeSerializer(WebhookSubscriptionWriteSerializer):
    """The fields to change; those not sent stay as they are."""

    # Used with partial=True (the view): fields not sent are skipped, their defaults not applied.

    active = serializers.BooleanField(
        required=False,
        help_text="false switches it off: nothing is sent, and events that happen meanwhile are not kept for it. "
        "true switches it back on, or resumes one paused for failing, and sends what was held for it.",
    )


class DeliverySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(
        source="uuid", read_only=True, help_text="The X-Factcheck-Delivery header: the same on every attempt."
    )
    event_id = serializers.IntegerField(source="event.id", read_only=True, help_text="The payload's `id`.")
    event_type = serializers.ChoiceField(source="event.type", choices=EventType.choices, read_only=True)
    event_created_at = serializers.DateTimeField(source="event.created_at", read_only=True)
    state = serializers.ChoiceField(
        choices=DeliveryState.choices,
        read_only=True,
        help_text="pending: not sent yet, or waiting for its next attempt; delivered: answered with a 2xx; failed: "
        "out of attempts, or refused for good.",
    )
    next_attempt_at = serializers.SerializerMethodField(help_text="When it is tried next; null unless pending.")

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "event_created_at",
            "state",
            "attempts",
            "last_status",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "replayed_at",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_attempt_at(self, delivery: Delivery) -> str | None:
        if delivery.state != DeliveryState.PENDING:
            return None
        return serializers.DateTimeField().to_representation(delivery.next_attempt_at)
