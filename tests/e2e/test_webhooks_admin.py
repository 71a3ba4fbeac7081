"""A reviewer adds a webhook subscription for a researcher in a real browser: the secret is on the page that answers
the form and on no page after; a delivery's log shows what the receiver answered as text.

These tests commit (a live server), so on-commit callbacks run. Nothing here wakes the webhook worker (adding a
subscription and rotating its secret queue nothing; no claim changes), and the guard checks it; the target is a
loopback address anyway (port 9, discard), inside the allow list this test sets.
"""

import re

import pytest

from notifications.models import WebhookSubscription
from notifications.webhook_secrets import secret_decrypt
from tests.e2e.test_reviewer_flow import log_in
from tests.factories import ResearcherFactory, ReviewerFactory
from tests.notifications.webhook_rows import attempt, delivery, event, webhook_task_runs

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SECRET = re.compile(r"whsec_[A-Za-z0-9_-]+")


def test_a_reviewer_adds_a_subscription_and_sees_its_secret_once(page_factory, screenshot, settings):
    settings.LINKCHECK_ALLOW_NETWORKS = ["127.0.0.1/32"]
    ReviewerFactory(username="rita")
    ResearcherFactory(username="rosa")
    page = page_factory(locale="en-GB", viewport={"width": 1280, "height": 900})
    with webhook_task_runs() as runs:
        log_in(page, "rita")
        page.goto("/admin/notifications/webhooksubscription/add/")
        page.fill("#id_owner", "rosa")
        page.fill("#id_url", "http://127.0.0.1:9/hooks/rosa")
        page.fill("#id_description", "Rosa's newsroom")
        page.check("input[name=events][value='claim.published']")
        page.check("input[name=events][value='claim.corrected']")
        page.fill("#id_language", "zh")
        page.click("input[name=_save]")
        page.wait_for_selector("table.fc-secrets")
        shown = SECRET.findall(page.inner_text("table.fc-secrets"))
        screenshot(page, "webhooks-secret-shown-once")

        subscription = WebhookSubscription.objects.get()
        assert shown == [secret_decrypt(subscription.secret_encrypted)]
        assert subscription.events == ["claim.published", "claim.corrected"]
        assert "The webhook subscription was added." in page.inner_text(".messagelist")

        # Back, forward, the subscription's own page: the secret is gone for good.
        page.click("text=Done: back to the subscriptions")
        page.wait_for_selector("#result_list")
        assert SECRET.search(page.content()) is None
        page.goto(f"/admin/notifications/webhooksubscription/{subscription.pk}/change/")
        page.wait_for_selector("#webhooksubscription_form")
        assert SECRET.search(page.content()) is None
        assert subscription.secret_hint in page.inner_text(".field-secret_hint")
        screenshot(page, "webhooks-subscription")

        row = delivery(subscription, event(claim_id=1), state="failed", attempts=1, last_status=502)
        attempt(row, 1, status=502, duration_ms=40, response_excerpt="<h1>Bad gateway</h1><script>x()</script>")
        page.goto(f"/admin/notifications/delivery/{row.pk}/change/")
        page.wait_for_selector("pre.fc-response")
        assert page.inner_text("pre.fc-response") == "<h1>Bad gateway</h1><script>x()</script>"  # as text
        assert page.locator("button.fc-replay").is_visible()
        screenshot(page, "webhooks-delivery-log")

        page.goto("/admin/notifications/webhooksubscription/")
        page.wait_for_selector("#result_list")
        assert "1" in page.inner_text("#result_list td.field-failed_column")
        screenshot(page, "webhooks-subscriptions")
    assert runs == []
