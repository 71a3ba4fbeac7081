"""The webhook rules over tables (notifications.rules): no database, no network."""

import random
from datetime import timedelta
from types import SimpleNamespace

import pytest

from notifications import rules
from notifications.choices import DESK_EVENT_TYPES, PUBLIC_EVENT_TYPES, EventType
from sources.choices import Failure

ALL = tuple(EventType.values)


def subscription(*, events=ALL, staff=True, language="", tag="", claimant=""):
    return SimpleNamespace(events=list(events), desk=staff, language=language, tag=tag, claimant=claimant)


def gets(subscription, event) -> bool:
    return rules.event_matches(subscription, event, owner_gets_desk_events=subscription.desk)


def event(type=EventType.CLAIM_PUBLISHED, *, language="en", tags=(), claimant=""):
    return SimpleNamespace(type=type, language=language, tags=list(tags), claimant=claimant)


@pytest.mark.parametrize(
    ("filters", "attributes", "matches"),
    [
        ({}, {}, True),
        # language: exact, or a prefix subtag, either case
        ({"language": "en"}, {"language": "en"}, True),
        ({"language": "zh"}, {"language": "zh-Hans"}, True),
        ({"language": "ZH"}, {"language": "zh-hans"}, True),
        ({"language": "zh-Hans"}, {"language": "zh-hans"}, True),
        ({"language": "zh-Hans"}, {"language": "zh"}, False),  # the event is less precise than asked
        ({"language": "zh"}, {"language": "zho"}, False),  # a prefix of letters is not a subtag
        ({"language": "en"}, {"language": "fr"}, False),
        ({"language": "en"}, {"language": ""}, False),  # no language: does not match a language filter
        # tag: one of the event's tags
        ({"tag": "health"}, {"tags": ["economy", "health"]}, True),
        ({"tag": "health"}, {"tags": ["economy"]}, False),
        ({"tag": "health"}, {"tags": []}, False),
        # claimant: equal, case-insensitive, after strip
        ({"claimant": "Minister of Finance"}, {"claimant": "  minister of finance "}, True),
        ({"claimant": "Minister"}, {"claimant": "Minister of Finance"}, False),
        ({"claimant": "Minister"}, {"claimant": ""}, False),
        # every filter must hold
        ({"language": "en", "tag": "health"}, {"language": "en", "tags": ["health"]}, True),
        ({"language": "en", "tag": "health"}, {"language": "fr", "tags": ["health"]}, False),
    ],
)
def test_filters(filters, attributes, matches):
    assert gets(subscription(**filters), event(**attributes)) is matches


def test_only_the_event_types_named():
    only_published = subscription(events=[EventType.CLAIM_PUBLISHED])
    assert gets(only_published, event(EventType.CLAIM_PUBLISHED))
    assert not gets(only_published, event(EventType.CLAIM_CORRECTED))


@pytest.mark.parametrize("kind", DESK_EVENT_TYPES)
def test_desk_events_reach_staff_only_whatever_the_row_says(kind):
    assert gets(subscription(staff=True), event(kind, language=""))
    assert not gets(subscription(staff=False), event(kind, language=""))


@pytest.mark.parametrize("kind", PUBLIC_EVENT_TYPES)
def test_public_events_reach_researchers(kind):
    assert gets(subscription(staff=False), event(kind))


def test_a_source_event_has_no_language_so_a_language_filter_drops_it():
    dead = event(EventType.SOURCE_DEAD, language="", tags=(), claimant="")
    assert gets(subscription(), dead)
    assert not gets(subscription(language="en"), dead)
    assert not gets(subscription(tag="health"), dead)
    assert not gets(subscription(claimant="Someone"), dead)


class Fixed(random.Random):
    """An rng whose uniform() returns one end of the range (or its middle)."""

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where

    def uniform(self, a, b):
        return {"low": a, "mid": (a + b) / 2, "high": b}[self.where]


@pytest.mark.parametrize(
    ("attempt", "seconds"),
    [(1, 75), (2, 225), (3, 675), (4, 2025), (5, 6075), (6, 18225), (7, 43200), (8, 43200), (20, 43200)],
)
def test_backoff_triples_from_the_base_up_to_the_cap(settings, attempt, seconds):
    settings.WEBHOOK_RETRY_BASE_SECONDS, settings.WEBHOOK_RETRY_MAX_SECONDS = 75.0, 12 * 3600.0
    assert rules.retry_delay(attempt, rng=Fixed("mid")) == timedelta(seconds=seconds)


@pytest.mark.parametrize(("where", "factor"), [("low", 0.8), ("high", 1.2)])
def test_jitter_is_twenty_per_cent_either_way(settings, where, factor):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 75.0
    assert rules.retry_delay(3, rng=Fixed(where)) == timedelta(seconds=675 * factor)


def test_jitter_never_passes_the_cap(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS, settings.WEBHOOK_RETRY_MAX_SECONDS = 75.0, 12 * 3600.0
    assert rules.retry_delay(7, rng=Fixed("high")) == timedelta(hours=12)


def test_jitter_spreads_retries(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 75.0
    rng = random.Random(7)
    delays = {rules.retry_delay(1, rng=rng) for _ in range(50)}
    assert len(delays) > 40
    assert all(timedelta(seconds=60) <= delay <= timedelta(seconds=90) for delay in delays)


def test_eight_attempts_span_about_a_day(settings):
    """The defaults: 7 waits between 8 attempts, 75 s x 3^n capped at 12 h: 70,500 s (19.6 h) at the middle of the
    jitter, from 18.1 h to 21.1 h at its ends (the cap bounds the last wait either way)."""
    settings.WEBHOOK_RETRY_BASE_SECONDS, settings.WEBHOOK_RETRY_MAX_SECONDS = 75.0, 12 * 3600.0
    settings.WEBHOOK_MAX_ATTEMPTS = 8

    def span(where):
        return sum((rules.retry_delay(n, rng=Fixed(where)) for n in range(1, 8)), timedelta())

    assert span("mid") == timedelta(seconds=70_500)
    assert timedelta(hours=16) < span("low") < span("mid") < span("high") < timedelta(hours=24)


@pytest.mark.parametrize(
    ("retry_after", "seconds"),
    [
        (None, 75),
        (10, 75),  # shorter than the backoff: the backoff stands
        (600, 600),  # longer: waited out
        (3 * 86400, 86400),  # capped at a day
    ],
)
def test_retry_after_is_a_floor_capped_at_a_day(settings, retry_after, seconds):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 75.0
    assert rules.retry_delay(1, retry_after=retry_after, rng=Fixed("mid")) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("status", "retry_after", "honoured"),
    [(429, 120, 120), (503, 120, 120), (500, 120, None), (200, 120, None), (None, 120, None), (429, None, None)],
)
def test_retry_after_counts_on_429_and_503(status, retry_after, honoured):
    assert rules.honoured_retry_after(status, retry_after) == honoured


@pytest.mark.parametrize(
    ("status", "kind", "retryable"),
    [
        (500, "", True),
        (502, "", True),
        (503, "", True),
        (599, "", True),
        (429, "", True),
        (408, "", True),
        (400, "", False),
        (401, "", False),
        (403, "", False),
        (404, "", False),
        (410, "", False),
        (422, "", False),
        (301, "", False),  # redirects are never followed
        (302, "", False),
        (307, "", False),
        (None, Failure.CONNECT_TIMEOUT, True),
        (None, Failure.READ_TIMEOUT, True),
        (None, Failure.DEADLINE, True),
        (None, Failure.REFUSED, True),
        (None, Failure.RESET, True),
        (None, Failure.UNREACHABLE, True),
        (None, Failure.CONNECTION, True),
        (None, Failure.DNS, True),
        (None, Failure.DNS_UNAVAILABLE, True),
        (None, Failure.TLS, True),
        (None, Failure.CERTIFICATE, True),
        (None, Failure.BAD_RESPONSE, True),
        (None, Failure.BLOCKED, False),
        (None, Failure.INVALID_URL, False),
        (None, Failure.BAD_REDIRECT, False),
    ],
)
def test_what_is_worth_another_attempt(status, kind, retryable):
    assert rules.is_retryable(status, kind) is retryable


@pytest.mark.parametrize(("status", "success"), [(200, True), (204, True), (299, True), (300, False), (None, False)])
def test_success_is_2xx(status, success):
    assert rules.is_success(status) is success
