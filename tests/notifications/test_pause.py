"""A subscription whose every delivery fails for WEBHOOK_PAUSE_AFTER_HOURS is paused, its owner told once; resuming
sends what waited."""

import socket
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.choices import DeliveryState
from notifications.delivery import webhooks_run
from notifications.models import Delivery, WebhookSubscription
from notifications.services import webhook_resume
from tests import factories

from .helpers import hours_ago, later, record_event
from .receiver import Reply

pytestmark = pytest.mark.django_db


def test_the_failure_clock_starts_at_a_failure_and_stops_at_a_success(subscribe, receiver):
    subscription = subscribe(receiver.url("/hook")).subscription
    record_event()
    receiver.script = [Reply(500, "down")]
    webhooks_run(requeue=False)
    subscription.refresh_from_db()
    started = subscription.failing_since
    assert started is not None

    receiver.script = [Reply(500, "down")]
    webhooks_run(requeue=False, now=later(Delivery.objects.get()))
    subscription.refresh_from_db()
    assert subscription.failing_since == started  # set when empty, not moved by later failures

    webhooks_run(requeue=False, now=later(Delivery.objects.get()))
    subscription.refresh_from_db()
    assert subscription.failing_since is None
    assert subscription.paused_at is None


def test_paused_after_three_days_of_failures_and_the_owner_emailed_once(
    subscribe, receiver, django_capture_on_commit_callbacks
):
    owner = factories.ReviewerFactory(username="paula", email="paula@example.org")
    subscription = subscribe(receiver.url("/dead"), owner=owner).subscription
    since = hours_ago(73)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(failing_since=since)
    first, second = record_event(order_key="claim:1"), record_event(order_key="claim:2")
    receiver.decide = lambda request: Reply(502, "bad gateway")

    with django_capture_on_commit_callbacks(execute=True):
        result = webhooks_run(requeue=False)

    subscription.refresh_from_db()
    assert result["paused"] == 1
    assert subscription.paused_at is not None
    assert subscription.failing_since == since
    assert "72 hours" in subscription.pause_reason
    assert "HTTP 502" in subscription.pause_reason
    (email,) = mail.outbox
    assert email.to == ["paula@example.org"]
    assert receiver.url("/dead") in email.subject
    assert receiver.url("/dead") in email.body
    assert "HTTP 502" in email.body  # the last error
    assert str(since.year) in email.body  # since when
    assert f"https://factcheck.example.org/admin/notifications/webhooksubscription/{subscription.pk}/change/" in (
        email.body
    )

    # paused: its deliveries wait, nothing is sent, and no second email comes, however often the worker runs
    sent = len(receiver.received)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            webhooks_run(requeue=False, now=timezone.now() + timedelta(days=1))
    assert len(receiver.received) == sent
    assert len(mail.outbox) == 1
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.PENDING}

    # resumed: what waited goes out, oldest first; the clock starts afresh
    receiver.decide = None
    webhook_resume(subscription_id=subscription.pk)
    webhooks_run(requeue=False, now=timezone.now() + timedelta(days=1))
    assert receiver.event_ids()[sent:] == [first.pk, second.pk]
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.DELIVERED}
    subscription.refresh_from_db()
    assert (subscription.paused_at, subscription.failing_since, subscription.pause_reason) == (None, None, "")


def test_not_paused_before_its_time_nor_when_a_delivery_succeeds(subscribe, receiver):
    young = subscribe(receiver.url("/young")).subscription
    mixed = subscribe(receiver.url("/mixed")).subscription
    WebhookSubscription.objects.filter(pk=young.pk).update(failing_since=hours_ago(71))
    WebhookSubscription.objects.filter(pk=mixed.pk).update(failing_since=hours_ago(100))
    record_event(order_key="claim:1")
    record_event(order_key="claim:2")
    failures = {"/young": 2, "/mixed": 1}  # the mixed receiver answers one of its two

    def decide(request):
        if failures.get(request.path):
            failures[request.path] -= 1
            return Reply(500, "down")
        return None

    receiver.decide = decide
    result = webhooks_run(requeue=False)
    assert result["paused"] == 0
    assert list(WebhookSubscription.objects.filter(paused_at__isnull=False)) == []
    assert WebhookSubscription.objects.get(pk=mixed.pk).failing_since is None  # a success stops the clock
    assert len(mail.outbox) == 0


def test_the_email_is_in_the_owners_language_and_zone(subscribe, receiver, django_capture_on_commit_callbacks):
    from accounts.services import profile_set_preferences

    owner = factories.ResearcherFactory(username="li", email="li@example.org")
    profile_set_preferences(user=owner, language="zh-hans", time_zone="Asia/Shanghai")
    subscription = subscribe(receiver.url("/li"), owner=owner).subscription
    since = datetime(2031, 3, 14, 9, 30, tzinfo=UTC)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(failing_since=since)
    record_event()
    receiver.script = [Reply(500, "down")]
    with django_capture_on_commit_callbacks(execute=True):
        webhooks_run(requeue=False, now=datetime(2031, 3, 20, tzinfo=UTC))
    (email,) = mail.outbox
    assert "2031年3月14日 17:30" in email.body  # 09:30 UTC, in Beijing, in Chinese format
    assert "(Asia/Shanghai)" in email.body
    # a researcher cannot open the admin: they resume it through the API
    assert f"/api/v1/webhooks/{subscription.pk}/" in email.body
    assert "PATCH" in email.body
    assert '{"active": true}' in email.body


def closed_loopback_port() -> int:
    """A loopback port nothing listens on: a connection to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_email_the_mail_server_refused_is_sent_by_a_later_run_once(subscribe, receiver, settings):
    # Django's SMTP backend, aimed at a mail server that is down: the connection is refused.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_loopback_port()
    owner = factories.ReviewerFactory(username="omar", email="omar@example.org")
    subscription = subscribe(receiver.url("/gone"), owner=owner).subscription
    WebhookSubscription.objects.filter(pk=subscription.pk).update(failing_since=hours_ago(80))
    record_event()
    receiver.script = [Reply(503, "unavailable")]

    result = webhooks_run(requeue=False)
    subscription.refresh_from_db()
    assert result["paused"] == 1
    assert result["owners_told"] == 0
    assert subscription.paused_at is not None
    assert subscription.pause_notified_at is None  # not told: still to do
    assert mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the mail server takes it again
    assert webhooks_run(requeue=False)["owners_told"] == 1  # a later run, with nothing to deliver, sends it
    (email,) = mail.outbox
    assert email.to == ["omar@example.org"]
    assert "HTTP 503" in email.body  # the last error, from the attempt log
    subscription.refresh_from_db()
    assert subscription.pause_notified_at is not None
    assert webhooks_run(requeue=False)["owners_told"] == 0
    assert len(mail.outbox) == 1

    # resumed, failing again for as long: paused again, and told again
    webhook_resume(subscription_id=subscription.pk)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(failing_since=hours_ago(80))
    receiver.script = [Reply(503, "unavailable")] * 2
    record_event(order_key="claim:9")
    webhooks_run(requeue=False, now=timezone.now() + timedelta(hours=1))
    assert len(mail.outbox) == 2


def test_an_owner_without_an_address_is_not_emailed_and_not_asked_again(subscribe, receiver):
    owner = factories.ReviewerFactory(username="noemail", email="")
    subscription = subscribe(receiver.url("/quiet"), owner=owner).subscription
    WebhookSubscription.objects.filter(pk=subscription.pk).update(failing_since=hours_ago(80))
    record_event()
    receiver.script = [Reply(500, "down")]
    assert webhooks_run(requeue=False)["owners_told"] == 0
    subscription.refresh_from_db()
    assert subscription.pause_notified_at is not None  # settled: nothing to send, ever
    assert mail.outbox == []
