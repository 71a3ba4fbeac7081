"""The event types (their values are a contract: subscriptions, headers and feeds name them) and delivery states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    CLAIM_PUBLISHED = "claim.published", _("Claim published")
    CLAIM_CORRECTED = "claim.corrected", _("Claim corrected")
    CLAIM_RETRACTED = "claim.retracted", _("Claim retracted")
    CLAIM_UPDATED_MINOR = "claim.updated_minor", _("Claim updated (minor edit)")
    SOURCE_DEAD = "source.dead", _("Source dead")
    SOURCE_RECOVERED = "source.recovered", _("Source recovered")
    EVIDENCE_EXCERPT_MISSING = "evidence.excerpt_missing", _("Excerpt missing from its page")
    EVIDENCE_CAPTURED = "evidence.captured", _("Cited page captured")
    EVIDENCE_CAPTURE_FAILED = "evidence.capture_failed", _("Capture of a cited page failed")
    TIP_RECEIVED = "tip.received", _("Tip received")


# What readers may know: these carry only what the public claim page shows, and are the only ones a researcher's
# subscription or the public feeds get. The others are the desk's own.
PUBLIC_EVENT_TYPES = (
    EventType.CLAIM_PUBLISHED,
    EventType.CLAIM_CORRECTED,
    EventType.CLAIM_RETRACTED,
    EventType.CLAIM_UPDATED_MINOR,
)
DESK_EVENT_TYPES = tuple(kind for kind in EventType if kind not in PUBLIC_EVENT_TYPES)


def is_public_event(event_type: str) -> bool:
    return event_type in PUBLIC_EVENT_TYPES


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")  # not sent yet, or waiting for its next attempt
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")  # out of attempts, or refused for good (a 4xx, a blocked address)
