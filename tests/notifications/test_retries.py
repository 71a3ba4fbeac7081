"""Retries and backoff against a loopback receiver that fails, then recovers; what is never retried. The clock is
moved by handing the run the time a delivery is next due (``now``), never by sleeping."""

from datetime import timedelta

import pytest

from notifications.choices import DeliveryState
from notifications.delivery import webhooks_run
from notifications.models import Delivery, DeliveryAttempt

from .helpers import later, record_event
from .receiver import Reply

pytestmark = pytest.mark.django_db


def attempts_of(delivery):
    return list(DeliveryAttempt.objects.filter(delivery=delivery).order_by("number"))


def test_fails_then_recovers_with_backoff_and_a_log(receiver, subscribe, settings):
    settings.WEBHOOK_DEADLINE = 1.0  # the receiver that never answers is cut off after a second
    subscribe(receiver.url("/flaky"))
    record_event()
    receiver.script = [Reply(500, "boom: the database is down")]

    webhooks_run(requeue=False)  # 1: a 500
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status) == (DeliveryState.PENDING, 1, 500)
    assert "HTTP 500" in delivery.last_error
    assert delivery.leased_until is None
    first_retry = later(delivery)
    assert webhooks_run(requeue=False, now=first_retry - timedelta(seconds=1))["claimed"] == 0  # not due yet

    receiver.refuse()
    try:
        webhooks_run(requeue=False, now=first_retry)  # 2: connection refused
    finally:
        receiver.listen()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == (DeliveryState.PENDING, 2, None)
    assert "refused" in delivery.last_error

    receiver.script = [Reply(hang=True)]
    webhooks_run(requeue=False, now=later(delivery))  # 3: no answer within the deadline
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 3)
    assert "time" in delivery.last_error

    third_retry = later(delivery)
    webhooks_run(requeue=False, now=third_retry)  # 4: the receiver is back
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == (DeliveryState.DELIVERED, 4, 200)
    assert delivery.last_error == ""
    assert delivery.delivered_at == third_retry

    log = attempts_of(delivery)
    assert [a.number for a in log] == [1, 2, 3, 4]
    assert [a.status for a in log] == [500, None, None, 200]
    assert log[0].response_excerpt == "boom: the database is down"
    assert log[3].response_excerpt == "ok"
    assert "refused" in log[1].error
    assert "deadline" in log[2].error or "time" in log[2].error
    assert all(a.started_at is not None for a in log)
    assert log[2].duration_ms >= 900  # it waited for the deadline, not longer than a few
    assert [a.started_at for a in log] == sorted(a.started_at for a in log)
    # three requests arrived (the refused one never did), all the same delivery, byte for byte the same body
    assert len(receiver.received) == 3
    assert {r.delivery for r in receiver.received} == {str(delivery.uuid)}
    assert len({r.body for r in receiver.received}) == 1


def test_the_backoff_grows_by_three(receiver, subscribe, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 100.0
    subscribe(receiver.url("/down"))
    record_event()
    receiver.decide = lambda request: Reply(503, "down")
    now = None
    waits = []
    for _ in range(4):
        webhooks_run(requeue=False, now=now)
        delivery = Delivery.objects.get()
        ran_at = now or delivery.attempt_log.order_by("-number").first().started_at
        now = delivery.next_attempt_at
        waits.append((now - ran_at).total_seconds())
    for number, wait in enumerate(waits, start=1):
        expected = 100 * 3 ** (number - 1)
        assert expected * 0.8 - 1 <= wait <= expected * 1.2 + 1, (number, wait)


def test_429_retry_after_is_honoured(receiver, subscribe):
    subscribe(receiver.url("/busy"))
    record_event()
    receiver.script = [Reply(429, "slow down", headers={"Retry-After": "3600"})]
    webhooks_run(requeue=False)
    delivery = Delivery.objects.get()
    started = DeliveryAttempt.objects.get().started_at
    assert delivery.state == DeliveryState.PENDING
    assert delivery.next_attempt_at - started >= timedelta(seconds=3600) - timedelta(seconds=1)
    assert delivery.last_status == 429
    assert "3600" in delivery.last_error
    # not claimed before the time the receiver asked for, even after the backoff alone would have passed
    assert webhooks_run(requeue=False, now=started + timedelta(seconds=600))["claimed"] == 0
    webhooks_run(requeue=False, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED


def test_503_retry_after_as_an_http_date(receiver, subscribe):
    from email.utils import format_datetime

    from django.utils import timezone

    subscribe(receiver.url("/maintenance"))
    record_event()
    until = timezone.now() + timedelta(hours=2)
    receiver.script = [Reply(503, "maintenance", headers={"Retry-After": format_datetime(until, usegmt=True)})]
    webhooks_run(requeue=False)
    delivery = Delivery.objects.get()
    assert delivery.next_attempt_at >= until - timedelta(seconds=2)


def test_eight_attempts_then_failed(receiver, subscribe, settings):
    assert settings.WEBHOOK_MAX_ATTEMPTS == 8
    subscribe(receiver.url("/always-500"))
    record_event()
    receiver.decide = lambda request: Reply(500, "still down")
    now = None
    for attempt in range(1, 9):
        webhooks_run(requeue=False, now=now)
        delivery = Delivery.objects.get()
        assert delivery.attempts == attempt
        now = delivery.next_attempt_at
    assert delivery.state == DeliveryState.FAILED
    assert delivery.last_status == 500
    assert len(receiver.received) == 8
    # failed is final: later runs send nothing more
    assert webhooks_run(requeue=False, now=now + timedelta(days=2))["claimed"] == 0
    assert len(receiver.received) == 8


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_a_4xx_other_than_429_fails_at_once(receiver, subscribe, status):
    subscribe(receiver.url("/refuses"))
    record_event()
    receiver.script = [Reply(status, "no thanks")]
    result = webhooks_run(requeue=False)
    delivery = Delivery.objects.get()
    assert result["failed"] == 1
    assert (delivery.state, delivery.attempts, delivery.last_status) == (DeliveryState.FAILED, 1, status)
    assert DeliveryAttempt.objects.get().response_excerpt == "no thanks"


def test_408_is_retried(receiver, subscribe):
    subscribe(receiver.url("/slow"))
    record_event()
    receiver.script = [Reply(408, "too slow")]
    webhooks_run(requeue=False)
    assert Delivery.objects.get().state == DeliveryState.PENDING


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirects_are_not_followed(receiver, subscribe, status):
    subscribe(receiver.url("/moved"))
    record_event()
    receiver.script = [Reply(status, "", headers={"Location": receiver.url("/target")})]
    webhooks_run(requeue=False)
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.last_status) == (DeliveryState.FAILED, status)
    assert "redirect" in delivery.last_error
    assert receiver.url("/target") in delivery.last_error
    assert receiver.paths() == ["/moved"]  # the Location's target got nothing


def test_the_answer_is_read_up_to_the_cap_and_its_first_kilobyte_kept(receiver, subscribe, settings):
    settings.WEBHOOK_MAX_RESPONSE_BYTES = 4096
    subscribe(receiver.url("/chatty"))
    record_event()
    receiver.script = [Reply(500, "é" * 300_000)]  # 600 KB of two-byte characters
    webhooks_run(requeue=False)
    attempt = DeliveryAttempt.objects.get()
    assert attempt.status == 500
    assert attempt.response_excerpt == "é" * 512  # the first 1 KB, decoded
    assert Delivery.objects.get().state == DeliveryState.PENDING


def test_a_half_character_at_the_cut_is_replaced_not_an_error(receiver, subscribe):
    subscribe(receiver.url("/odd"))
    record_event()
    receiver.script = [Reply(500, b"a" + "é".encode() * 600)]  # the 1,024th byte is half a character
    webhooks_run(requeue=False)
    excerpt = DeliveryAttempt.objects.get().response_excerpt
    assert excerpt.startswith("aé")
    assert excerpt.endswith("\ufffd")
