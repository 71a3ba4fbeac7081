"""The webhook rules, as pure functions tested over tables: which subscription gets which event, when a failed
delivery is tried again, and which failures are worth trying again."""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings

from sources.choices import Failure

from .choices import is_public_event
from .language_rule import language_matches

# A Retry-After is honoured on the answers that mean "later" (RFC 9110 §10.2.3), up to a day: a longer one is a
# misconfiguration, and waiting it out would spend the delivery's whole schedule on one attempt.
RETRY_AFTER_STATUSES = frozenset({429, 503})
MAX_RETRY_AFTER = timedelta(days=1)
RETRY_JITTER = 0.2  # ±20%: receivers that come back at once do not get every queued retry in the same second

# Answers worth waiting for: the receiver is overloaded, down or slow, not refusing this payload.
RETRYABLE_STATUSES = frozenset({408, 429})
# No answer at all, for reasons that pass (a timeout, a reset, a name that did not resolve yet): tried again. A
# blocked address or a url that cannot be used will not become usable by waiting.
PERMANENT_FAILURES = frozenset({Failure.BLOCKED, Failure.INVALID_URL, Failure.BAD_REDIRECT})


def event_matches(subscription, event, *, owner_gets_desk_events: bool) -> bool:
    """Does ``subscription`` get ``event``? Its type is one the subscription names (a desk event only when its owner
    is of the desk, notifications.services.receives_desk_events, whatever the row says), and every filter it sets
    holds. An event without the filtered attribute (a
    source event has no language, tags or claimant) does not match that filter."""
    if event.type not in subscription.events:
        return False
    if not is_public_event(event.type) and not owner_gets_desk_events:
        return False
    if subscription.language and not language_matches(subscription.language, event.language or ""):
        return False
    if subscription.tag and subscription.tag.strip() not in (event.tags or ()):
        return False
    return not (
        subscription.claimant and subscription.claimant.strip().casefold() != (event.claimant or "").strip().casefold()
    )


def retry_delay(attempt_number: int, *, retry_after: int | None = None, rng: random.Random | None = None) -> timedelta:
    """How long after failed attempt ``attempt_number`` (1 for the first) the next one goes: WEBHOOK_RETRY_BASE_SECONDS
    times 3 for each earlier attempt, ±20% jitter, at most WEBHOOK_RETRY_MAX_SECONDS; at least the receiver's
    Retry-After (seconds), itself capped at a day."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS * 3 ** max(attempt_number - 1, 0)
    jittered = base * (1 + (rng or random).uniform(-RETRY_JITTER, RETRY_JITTER))
    delay = timedelta(seconds=min(jittered, settings.WEBHOOK_RETRY_MAX_SECONDS))
    if retry_after:
        delay = max(delay, min(timedelta(seconds=retry_after), MAX_RETRY_AFTER))
    return delay


def honoured_retry_after(status: int | None, retry_after: int | None) -> int | None:
    """The Retry-After that counts: the one sent with a 429 or 503."""
    return retry_after if status in RETRY_AFTER_STATUSES else None


def is_success(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


def is_retryable(status: int | None, error_kind: str = "") -> bool:
    """Is a failed attempt worth another? An answer: 408, 429 and 5xx are; any other (4xx, and 3xx since redirects
    are never followed) is the receiver's refusal. No answer (``error_kind`` a sources.choices.Failure): yes,
    except a blocked address or an unusable url."""
    if status is not None:
        return status in RETRYABLE_STATUSES or 500 <= status < 600
    return error_kind not in PERMANENT_FAILURES
