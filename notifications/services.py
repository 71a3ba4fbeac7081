"""Writes of subscriptions and deliveries that people ask for: subscribing, unsubscribing, replaying, resuming.
The worker's own writes (dispatching the outbox, recording attempts) live in notifications.delivery."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import PUBLIC_EVENT_TYPES, DeliveryState, EventType
from .dispatch import dispatch_soon
from .models import MAX_URL_LENGTH, Delivery, WebhookSubscription
from .webhook_secrets import secret_encrypt, secret_hint, secret_new


@dataclass(frozen=True)
class NewSubscription:
    subscription: WebhookSubscription
    secret: str  # the only time it is readable: give it to the owner, never store or log it


def allowed_event_types(user) -> tuple[str, ...]:
    """The events a user may subscribe to: staff all of them, anyone else the public ones."""
    return tuple(EventType.values) if getattr(user, "is_staff", False) else tuple(PUBLIC_EVENT_TYPES)


def check_events(events: Iterable[str], *, user) -> list[str]:
    """The requested event types, in a stable order; ValidationError naming any that is unknown or not the user's."""
    wanted = list(dict.fromkeys(events or ()))
    if not wanted:
        raise ValidationError({"events": [_("Name at least one event type.")]})
    unknown = [name for name in wanted if name not in EventType.values]
    if unknown:
        raise ValidationError(
            {"events": [_("Unknown event types: %(names)s.") % {"names": ", ".join(map(str, unknown))}]}
        )
    allowed = allowed_event_types(user)
    refused = [name for name in wanted if name not in allowed]
    if refused:
        raise ValidationError(
            {
                "events": [
                    _("These events go to the desk's own subscriptions only: %(names)s.")
                    % {"names": ", ".join(refused)}
                ]
            }
        )
    return [name for name in EventType.values if name in wanted]


def check_target_url(url: str) -> str:
    """An http(s) url whose host, when written as an address, is one the worker may reach. Where a host name points
    is checked at every delivery instead (the link checker's address guard), since DNS answers change."""
    from django.conf import settings
    from django.core.validators import URLValidator

    from sources.fetch import InvalidHost, address_is_allowed, parse_ip_host, parse_networks

    url = (url or "").strip()
    try:
        URLValidator(schemes=("http", "https"))(url)
    except ValidationError as exc:
        raise ValidationError({"url": [_("Enter an http or https url.")]}) from exc
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError({"url": [_("The url is longer than %(limit)s characters.") % {"limit": MAX_URL_LENGTH}]})
    parts = urlsplit(url)
    if parts.username or parts.password:
        # The sender never sends credentials written into a url (the fetcher drops them): say so now, rather than
        # let every delivery meet a 401. The signature is how a receiver knows it is us.
        raise ValidationError({"url": [_("Remove the user name and password from the url: they are not sent.")]})
    host = parts.hostname or ""
    try:
        literal = parse_ip_host(host)
    except InvalidHost as exc:
        raise ValidationError({"url": [str(exc)]}) from exc
    if literal is not None and not address_is_allowed(literal, parse_networks(settings.LINKCHECK_ALLOW_NETWORKS)):
        raise ValidationError(
            {"url": [_("%(host)s is not a public address: webhooks are not sent there.") % {"host": host}]}
        )
    return url


@transaction.atomic
def webhook_subscribe(
    *,
    owner,
    url: str,
    events: Iterable[str],
    language: str = "",
    tag: str = "",
    claimant: str = "",
    description: str = "",
) -> NewSubscription:
    """A new subscription with a new secret, which is returned once and kept only encrypted."""
    secret = secret_new()
    subscription = WebhookSubscription(
        owner=owner,
        url=check_target_url(url),
        events=check_events(events, user=owner),
        language=language.strip(),
        tag=tag.strip(),
        claimant=claimant.strip(),
        description=description.strip(),
        secret_encrypted=secret_encrypt(secret),
        secret_hint=secret_hint(secret),
    )
    subscription.full_clean()
    subscription.save()
    return NewSubscription(subscription, secret)


@transaction.atomic
def webhook_secret_rotate(*, subscription_id: int) -> NewSubscription:
    """A new secret for a subscription; the old one stops signing at once."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
    secret = secret_new()
    subscription.secret_encrypted = secret_encrypt(secret)
    subscription.secret_hint = secret_hint(secret)
    subscription.save(update_fields=["secret_encrypted", "secret_hint", "updated_at"])
    return NewSubscription(subscription, secret)


def webhook_unsubscribe(*, subscription: WebhookSubscription) -> None:
    """Remove a subscription with its deliveries and their log."""
    subscription.delete()


@transaction.atomic
def webhook_resume(*, subscription_id: int) -> WebhookSubscription:
    """Turn a paused (or switched off) subscription back on; its pending deliveries go out again, oldest first."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
    subscription.active = True
    subscription.paused_at = None
    subscription.pause_reason = ""
    subscription.failing_since = None
    subscription.save(update_fields=["active", "paused_at", "pause_reason", "failing_since", "updated_at"])
    transaction.on_commit(dispatch_soon, robust=True)
    return subscription


def _replay(deliveries) -> int:
    now = timezone.now()
    count = deliveries.update(
        state=DeliveryState.PENDING,
        attempts=0,
        next_attempt_at=now,
        leased_until=None,
        replayed_at=now,
    )
    if count:
        transaction.on_commit(dispatch_soon, robust=True)
    return count


@transaction.atomic
def deliveries_replay(*, delivery_ids: Iterable[int]) -> int:
    """Send deliveries again (delivered or failed alike), with the same delivery id and a fresh set of attempts.
    How many were queued."""
    return _replay(Delivery.objects.filter(pk__in=list(delivery_ids)))


@transaction.atomic
def subscription_replay_since(*, subscription_id: int, since: datetime) -> int:
    """Send again every delivery of a subscription whose event happened at or after ``since``."""
    if since > timezone.now():
        raise ValidationError({"since": [_("Choose a time in the past.")]})
    return _replay(Delivery.objects.filter(subscription_id=subscription_id, event__created_at__gte=since))
