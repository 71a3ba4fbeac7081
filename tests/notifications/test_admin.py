"""The desk's webhooks admin: subscriptions (the secret shown once), deliveries with their log (replay), events.

Nothing is sent by these tests (tests/notifications/webhook_rows.py says why, and its guard checks it in each).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from accounts.services import profile_set_preferences
from notifications.choices import DeliveryState, EventType
from notifications.models import Delivery, WebhookSubscription
from notifications.webhook_secrets import secret_decrypt
from tests import factories

from .webhook_rows import attempt, delivery, event, nothing_is_sent, subscribe

SUBSCRIPTIONS = "/admin/notifications/webhooksubscription/"
DELIVERIES = "/admin/notifications/delivery/"
EVENTS = "/admin/notifications/event/"
ZH = {"accept-language": "zh-Hans"}


@pytest.fixture(autouse=True)
def _nothing_is_sent(db):
    with nothing_is_sent():
        yield


@pytest.fixture
def rclient(client, reviewer):
    """A reviewer: the desk, with the Reviewer group's permissions (claims.groups), not a superuser."""
    client.force_login(reviewer)
    return client


def change_url(obj) -> str:
    return f"/admin/notifications/{obj._meta.model_name}/{obj.pk}/change/"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def secrets_on(page: bytes) -> list[str]:
    return re.findall(r"whsec_[A-Za-z0-9_-]+", page.decode())


# --- who may look ------------------------------------------------------------------------------------------------


def test_reviewers_have_the_webhooks_admin_and_researchers_do_not(rclient, client, researcher):
    for url in (SUBSCRIPTIONS, DELIVERIES, EVENTS, f"{SUBSCRIPTIONS}add/"):
        assert rclient.get(url).status_code == 200, url
    client.force_login(factories.ResearcherFactory(username="ruth", is_staff=True))
    for url in (SUBSCRIPTIONS, DELIVERIES, EVENTS):
        assert client.get(url).status_code == 403, url


# --- subscriptions: the list -------------------------------------------------------------------------------------


def test_the_list_shows_owner_events_status_and_delivery_counts(rclient, researcher):
    healthy = subscribe(researcher, "https://hooks.example.org/ok", events=["claim.published", "claim.corrected"])
    failing = subscribe(researcher, "https://hooks.example.org/failing").subscription
    since = timezone.now() - timedelta(hours=30)
    WebhookSubscription.objects.filter(pk=failing.pk).update(failing_since=since)
    for n in range(2):
        delivery(failing, event(claim_id=n))
    delivery(failing, event(claim_id=9), state=DeliveryState.FAILED)
    delivery(healthy.subscription, event(claim_id=3), state=DeliveryState.DELIVERED)
    response = rclient.get(SUBSCRIPTIONS)
    rows = {s.pk: s for s in response.context["cl"].result_list}
    assert (rows[failing.pk].pending_count, rows[failing.pk].failed_count) == (2, 1)
    assert (rows[healthy.subscription.pk].pending_count, rows[healthy.subscription.pk].failed_count) == (0, 0)
    page = response.content.decode()
    assert "rosa" in page
    assert "Claim published, Claim corrected" in page
    assert f'?subscription={failing.pk}&amp;state__exact=pending">2</a>' in page
    assert f'?subscription={failing.pk}&amp;state__exact=failed">1</a>' in page
    assert "⚠" in page  # failing since
    failing_only = rclient.get(f"{SUBSCRIPTIONS}?status=failing")
    assert [s.pk for s in failing_only.context["cl"].result_list] == [failing.pk]
    assert healthy.secret not in page


def _subscriptions_with_deliveries(owner, n: int, start: int) -> None:
    for i in range(start, start + n):
        subscription = subscribe(owner, f"https://hooks.example.org/{i}").subscription
        delivery(subscription, event(claim_id=i))
        delivery(subscription, event(claim_id=1000 + i), state=DeliveryState.FAILED)


# The session, the user, their profile (language and zone), their own and their groups' permissions, the count,
# the page: the page's rows carry their counts, subscription and event, with no query per row.
CHANGELIST_QUERIES = 7


@pytest.mark.parametrize(
    "url",
    [SUBSCRIPTIONS, f"{SUBSCRIPTIONS}?status=active", DELIVERIES, f"{DELIVERIES}?state__exact=failed", EVENTS],
)
def test_changelist_query_counts_do_not_grow_with_rows(rclient, researcher, django_assert_num_queries, url):
    _subscriptions_with_deliveries(researcher, 3, 0)
    rclient.get(url)  # warm up the content-type cache
    for more in (0, 9):
        _subscriptions_with_deliveries(researcher, more, 3)
        with django_assert_num_queries(CHANGELIST_QUERIES):
            response = rclient.get(url)
        assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 12


# --- subscriptions: adding one, and its secret -------------------------------------------------------------------


def add_form(owner="rosa", **fields) -> dict:
    return {
        "owner": owner,
        "url": "https://hooks.example.org/added",
        "description": "Partner newsroom",
        "events": ["claim.published", "claim.retracted"],
        "language": "zh",
        "tag": "",
        "claimant": "",
        **fields,
    }


def test_adding_shows_the_secret_once_and_never_again(rclient, researcher, caplog):
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="django"):
        response = rclient.post(f"{SUBSCRIPTIONS}add/", add_form())
        assert response.status_code == 200, response.content[:2000]
        shown = secrets_on(response.content)
        subscription = WebhookSubscription.objects.get()
        later = [
            rclient.get(change_url(subscription)),
            rclient.get(SUBSCRIPTIONS),
            rclient.get(f"/admin/notifications/webhooksubscription/{subscription.pk}/history/"),
            rclient.get("/admin/"),
        ]
    assert len(shown) == 1
    secret = shown[0]
    assert secret_decrypt(subscription.secret_encrypted) == secret
    assert "no-store" in response["Cache-Control"]
    assert "The webhook subscription was added." in messages_of(response)
    assert subscription.owner == researcher
    assert subscription.events == ["claim.published", "claim.retracted"]
    assert (subscription.language, subscription.description) == ("zh", "Partner newsroom")
    assert subscription.secret_hint in later[0].content.decode()  # the hint tells it, the secret never again
    for page in later:
        assert page.status_code == 200
        assert secret.encode() not in page.content
        assert secrets_on(page.content) == []
    logged = LogEntry.objects.get(object_id=str(subscription.pk))
    assert secret not in logged.change_message
    assert secret not in caplog.text
    # The session holds no copy waiting to be shown (the message framework's store, among others).
    assert secret not in str(dict(rclient.session.items()))
    assert secret not in str(rclient.cookies)


def test_adding_for_a_researcher_refuses_desk_events_and_private_addresses(rclient, researcher):
    response = rclient.post(
        f"{SUBSCRIPTIONS}add/", add_form(events=["claim.published", "tip.received"], url="http://10.0.0.1/in")
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "tip.received" in errors["events"][0]
    assert "not a public address" in errors["url"][0]
    assert secrets_on(response.content) == []
    assert not WebhookSubscription.objects.exists()


def test_adding_for_a_reviewer_may_have_desk_events(rclient, other_reviewer):
    response = rclient.post(f"{SUBSCRIPTIONS}add/", add_form(owner="omar", events=["tip.received", "source.dead"]))
    assert response.status_code == 200
    assert len(secrets_on(response.content)) == 1
    assert WebhookSubscription.objects.get().events == ["source.dead", "tip.received"]


def test_an_unknown_owner_is_a_form_error(rclient):
    response = rclient.post(f"{SUBSCRIPTIONS}add/", add_form(owner="nobody"))
    assert "There is no user with this user name." in response.context["adminform"].form.errors["owner"][0]


def test_changing_keeps_the_owner_and_checks_the_events_against_them(rclient, researcher):
    subscription = subscribe(researcher).subscription
    page = rclient.get(change_url(subscription))
    assert page.status_code == 200
    assert b"whsec_" not in page.content
    assert b'name="owner"' not in page.content  # read only
    refused = rclient.post(change_url(subscription), add_form(events=["tip.received"]))
    assert "tip.received" in refused.context["adminform"].form.errors["events"][0]
    saved = rclient.post(change_url(subscription), add_form(events=["claim.corrected"], tag="health"))
    assert saved.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.events, subscription.tag, subscription.owner) == (["claim.corrected"], "health", researcher)


def test_deleting_removes_its_deliveries(rclient, researcher):
    subscription = subscribe(researcher).subscription
    gone = delivery(subscription)
    attempt(gone, 1, status=500)
    asked = rclient.get(f"{SUBSCRIPTIONS}{subscription.pk}/delete/")
    assert asked.status_code == 200
    assert asked.context["perms_lacking"] == set()  # the deliveries go with it: no permission of their own
    assert dict(asked.context["model_count"]) == {"webhook subscriptions": 1, "deliveries": 1, "delivery attempts": 1}
    response = rclient.post(f"{SUBSCRIPTIONS}{subscription.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not WebhookSubscription.objects.exists()
    assert not Delivery.objects.exists()


# --- subscriptions: actions --------------------------------------------------------------------------------------


def act(client, action: str, objects, url: str = SUBSCRIPTIONS, **extra):
    data = {"action": action, "_selected_action": [o.pk for o in objects], **extra}
    return client.post(url, data, follow="apply" in extra or action in ("resume", "switch_off", "replay"))


def test_resume_turns_a_paused_subscription_on_and_wakes_the_worker(
    rclient, researcher, django_capture_on_commit_callbacks
):
    paused = subscribe(researcher).subscription
    WebhookSubscription.objects.filter(pk=paused.pk).update(
        active=False,
        paused_at=timezone.now(),
        pause_reason="Every delivery failed for 3 days.",
        failing_since=timezone.now() - timedelta(days=3),
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = act(rclient, "resume", [paused])
    paused.refresh_from_db()
    assert (paused.active, paused.paused_at, paused.pause_reason, paused.failing_since) == (True, None, "", None)
    assert "dispatch_soon" in [c.__name__ for c in callbacks]
    assert messages_of(response) == ["1 subscription resumed: the deliveries that waited for it are being sent now."]
    assert LogEntry.objects.get(object_id=str(paused.pk)).change_message == "Resumed."


def test_switch_off_and_its_page_on_the_subscription(rclient, researcher):
    subscription = subscribe(researcher).subscription
    tools = rclient.get(change_url(subscription)).content.decode()
    assert "Switch off…" in tools
    assert "Resume…" not in tools  # on: only switching it off applies
    page = rclient.get(f"{SUBSCRIPTIONS}{subscription.pk}/switch-off/")
    assert page.status_code == 200
    assert b"Nothing is sent to it until it is resumed" in page.content
    subscription.refresh_from_db()
    assert subscription.active  # asking changed nothing
    done = rclient.post(f"{SUBSCRIPTIONS}{subscription.pk}/switch-off/", {"apply": "Switch off"}, follow=True)
    assert done.redirect_chain == [(change_url(subscription), 302)]
    assert messages_of(done)[0].startswith("1 subscription switched off")
    subscription.refresh_from_db()
    assert not subscription.active
    again = act(rclient, "switch_off", [subscription])
    assert messages_of(again) == ["These subscriptions were off already: nothing changed."]
    assert "Resume…" in rclient.get(change_url(subscription)).content.decode()


def test_rotating_asks_first_then_shows_the_new_secret_once(rclient, researcher, caplog):
    made = subscribe(researcher)
    subscription = made.subscription
    url = f"{SUBSCRIPTIONS}{subscription.pk}/rotate-secret/"
    asked = rclient.get(url)
    assert b"stops signing at once" in asked.content
    subscription.refresh_from_db()
    assert secret_decrypt(subscription.secret_encrypted) == made.secret  # asking rotated nothing
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="django"):
        rotated = rclient.post(url, {"apply": "Rotate"})
    assert rotated.status_code == 200
    [new] = secrets_on(rotated.content)
    assert new != made.secret
    assert "no-store" in rotated["Cache-Control"]
    subscription.refresh_from_db()
    assert secret_decrypt(subscription.secret_encrypted) == new
    assert new not in rclient.get(change_url(subscription)).content.decode()
    history = rclient.get(f"{SUBSCRIPTIONS}{subscription.pk}/history/").content.decode()
    assert "Rotated the secret." in history
    assert new not in history
    assert new not in caplog.text


def test_rotating_several_from_the_list(rclient, researcher):
    made = [subscribe(researcher, f"https://hooks.example.org/{n}") for n in range(2)]
    asked = act(rclient, "rotate_secrets", [m.subscription for m in made])
    assert asked.status_code == 200
    assert secrets_on(asked.content) == []
    assert b'name="action" value="rotate_secrets"' in asked.content
    shown = act(rclient, "rotate_secrets", [m.subscription for m in made], apply="Rotate")
    secrets = secrets_on(shown.content)
    assert len(secrets) == 2
    stored = {secret_decrypt(s.secret_encrypted) for s in WebhookSubscription.objects.all()}
    assert stored == set(secrets)
    assert not stored & {m.secret for m in made}


def test_replay_since_sends_again_the_deliveries_of_events_since_then(rclient, researcher, settings):
    subscription = subscribe(researcher).subscription
    other = subscribe(researcher, "https://hooks.example.org/other").subscription
    now = timezone.now()
    before = delivery(
        subscription, event(claim_id=1, created_at=now - timedelta(days=2)), state=DeliveryState.DELIVERED
    )
    after = [
        delivery(subscription, event(claim_id=2, created_at=now - timedelta(hours=3)), state=DeliveryState.DELIVERED),
        delivery(subscription, event(claim_id=3, created_at=now - timedelta(hours=2)), state=DeliveryState.FAILED),
    ]
    elsewhere = delivery(other, event(claim_id=4, created_at=now - timedelta(hours=1)), state=DeliveryState.FAILED)
    Delivery.objects.filter(pk__in=[d.pk for d in after]).update(attempts=8, last_status=500)
    url = f"{SUBSCRIPTIONS}{subscription.pk}/replay/"
    assert rclient.get(url).status_code == 200
    # In the reader's zone: the desk's here (the reviewer has no zone of their own).
    since = timezone.localtime(now - timedelta(days=1), timezone.get_default_timezone()).strftime("%Y-%m-%dT%H:%M")
    future = timezone.localtime(now + timedelta(days=1), timezone.get_default_timezone()).strftime("%Y-%m-%dT%H:%M")
    refused = rclient.post(url, {"since": future, "apply": "Replay"})
    assert refused.status_code == 200
    assert "Choose a time in the past." in refused.context["form"].errors["since"]
    response = rclient.post(url, {"since": since, "apply": "Replay"}, follow=True)
    assert response.redirect_chain[-1][0] == change_url(subscription)
    assert any(m.startswith("2 deliveries of events since") for m in messages_of(response))
    for replayed in after:
        row = Delivery.objects.get(pk=replayed.pk)
        assert (row.state, row.attempts, row.uuid) == (DeliveryState.PENDING, 0, replayed.uuid)
        assert row.replayed_at is not None
    assert Delivery.objects.get(pk=before.pk).state == DeliveryState.DELIVERED
    assert Delivery.objects.get(pk=elsewhere.pk).state == DeliveryState.FAILED


def test_the_replay_form_reads_the_time_in_the_readers_zone(rclient, reviewer, researcher):
    profile_set_preferences(user=reviewer, language="", time_zone="Asia/Shanghai")
    subscription = subscribe(researcher).subscription
    moment = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=5)
    inside = delivery(subscription, event(claim_id=1, created_at=moment + timedelta(minutes=1)))
    outside = delivery(subscription, event(claim_id=2, created_at=moment - timedelta(minutes=1)))
    Delivery.objects.update(state=DeliveryState.DELIVERED)
    shanghai = timezone.localtime(moment, timezone.get_fixed_timezone(8 * 60)).strftime("%Y-%m-%dT%H:%M")
    form_page = rclient.get(f"{SUBSCRIPTIONS}{subscription.pk}/replay/")
    assert b"Asia/Shanghai" in form_page.content
    rclient.post(f"{SUBSCRIPTIONS}{subscription.pk}/replay/", {"since": shanghai, "apply": "Replay"})
    assert Delivery.objects.get(pk=inside.pk).state == DeliveryState.PENDING
    assert Delivery.objects.get(pk=outside.pk).state == DeliveryState.DELIVERED


# --- deliveries ----------------------------------------------------------------------------------------------------


def test_replay_selected_deliveries_keeps_their_ids(rclient, researcher, django_capture_on_commit_callbacks):
    subscription = subscribe(researcher).subscription
    done = delivery(subscription, event(claim_id=1), state=DeliveryState.DELIVERED, attempts=1, last_status=200)
    failed = delivery(subscription, event(claim_id=2), state=DeliveryState.FAILED, attempts=8, last_status=500)
    untouched = delivery(subscription, event(claim_id=3), state=DeliveryState.FAILED, attempts=8)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = act(rclient, "replay", [done, failed], url=DELIVERIES)
    assert messages_of(response)[0] == (
        "2 deliveries queued for replay. They are sent again soon, each with its original delivery id, so "
        "receivers can recognise them."
    )
    for row, before in ((Delivery.objects.get(pk=done.pk), done), (Delivery.objects.get(pk=failed.pk), failed)):
        assert (row.state, row.attempts, row.uuid) == (DeliveryState.PENDING, 0, before.uuid)
    assert Delivery.objects.get(pk=untouched.pk).state == DeliveryState.FAILED
    assert "dispatch_soon" in [c.__name__ for c in callbacks]


def test_replaying_for_a_switched_off_subscription_says_it_waits(rclient, researcher):
    subscription = subscribe(researcher).subscription
    failed = delivery(subscription, state=DeliveryState.FAILED)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(active=False)
    response = act(rclient, "replay", [failed], url=DELIVERIES)
    assert "1 of them belongs to a subscription that is switched off or paused" in messages_of(response)[1]


def test_the_delivery_page_is_read_only_with_its_log_escaped_and_a_replay_button(rclient, researcher):
    subscription = subscribe(researcher).subscription
    row = delivery(subscription, state=DeliveryState.FAILED, attempts=2, last_status=500)
    attempt(row, 1, status=502, duration_ms=31, response_excerpt="<html><script>alert(1)</script>Bad gateway")
    attempt(row, 2, status=None, duration_ms=10_000, error="Timed out after 10 s")
    page = rclient.get(change_url(row))
    assert page.status_code == 200
    html = page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Bad gateway" in html
    assert "<script>alert(1)" not in html
    assert "Timed out after 10 s" in html
    assert html.index("502") < html.index("Timed out")  # attempt 1, then 2
    assert f'action="/admin/notifications/delivery/{row.pk}/replay/"' in html
    assert 'name="_save"' not in html  # nothing to save
    assert rclient.post(change_url(row), {"state": "delivered"}).status_code == 403
    replayed = rclient.post(f"{DELIVERIES}{row.pk}/replay/")
    assert replayed["Location"] == change_url(row)
    assert Delivery.objects.get(pk=row.pk).state == DeliveryState.PENDING
    assert rclient.get(f"{DELIVERIES}{row.pk}/replay/").status_code == 403  # a POST only


def test_deliveries_filter_by_state_event_type_and_subscription_and_search_by_id(rclient, researcher):
    mine = subscribe(researcher).subscription
    other = subscribe(researcher, "https://hooks.example.org/other").subscription
    published = delivery(mine, event(EventType.CLAIM_PUBLISHED, claim_id=1))
    corrected = delivery(mine, event(EventType.CLAIM_CORRECTED, claim_id=1), state=DeliveryState.FAILED)
    elsewhere = delivery(other, event(claim_id=2))

    def listed(query: str) -> set[int]:
        response = rclient.get(f"{DELIVERIES}?{query}")
        assert response.status_code == 200, query
        return {d.pk for d in response.context["cl"].result_list}

    assert listed("state__exact=failed") == {corrected.pk}
    assert listed("event__type__exact=claim.published") == {published.pk, elsewhere.pk}
    assert listed(f"subscription={mine.pk}") == {published.pk, corrected.pk}
    assert listed(f"q={corrected.uuid}") == {corrected.pk}
    assert listed("q=not-a-uuid") == set()
    assert listed(f"event={published.event_id}") == {published.pk}
    assert listed(f"subscription={2**70}") == set()  # beyond any id: nothing, not an error
    assert listed("subscription=x") == set()


# --- events --------------------------------------------------------------------------------------------------------


def test_events_are_read_only_with_the_payload_pretty_printed(rclient):
    row = event(EventType.CLAIM_CORRECTED, claim_id=7)
    row.payload = {"claim": {"id": 7, "text": "说法 <b>bold</b>"}, "change": {"kind": "corrected"}}
    row.save()
    event(EventType.SOURCE_DEAD, claim_id=8)
    page = rclient.get(change_url(row)).content.decode()
    assert "&quot;text&quot;: &quot;说法 &lt;b&gt;bold&lt;/b&gt;&quot;" in page  # escaped, indented, keys sorted
    assert "{\n  &quot;change&quot;: {\n    &quot;kind&quot;: &quot;corrected&quot;" in page
    assert 'name="_save"' not in page
    listed = rclient.get(f"{EVENTS}?type__exact=claim.corrected")
    assert [e.pk for e in listed.context["cl"].result_list] == [row.pk]
    assert rclient.get(f"{EVENTS}add/").status_code == 403
    assert rclient.post(f"{EVENTS}{row.pk}/delete/", {"post": "yes"}).status_code == 403


# --- Chinese -------------------------------------------------------------------------------------------------------


def test_every_page_renders_in_simplified_chinese(rclient, researcher):
    subscription = subscribe(researcher).subscription
    row = delivery(subscription, state=DeliveryState.FAILED)
    attempt(row, 1, status=500, response_excerpt="oops")
    pages = [
        SUBSCRIPTIONS,
        f"{SUBSCRIPTIONS}add/",
        change_url(subscription),
        f"{SUBSCRIPTIONS}{subscription.pk}/replay/",
        f"{SUBSCRIPTIONS}{subscription.pk}/rotate-secret/",
        f"{SUBSCRIPTIONS}{subscription.pk}/resume/",
        DELIVERIES,
        change_url(row),
        EVENTS,
        change_url(row.event),
    ]
    for url in pages:
        english = rclient.get(url)
        chinese = rclient.get(url, headers=ZH)
        assert (english.status_code, chinese.status_code) == (200, 200), url
        assert 'lang="zh-hans"' in chinese.content.decode(), url
        assert "首页" in chinese.content.decode(), url  # Django's own "Home", in the breadcrumbs
        assert english.content != chinese.content
