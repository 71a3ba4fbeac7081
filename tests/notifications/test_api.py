"""/api/v1/webhooks/: a user manages their own subscriptions with their token; the secret is shown once.

Nothing is sent by these tests (tests/notifications/webhook_rows.py says why, and its guard checks it in each).
"""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from notifications.choices import DESK_EVENT_TYPES, PUBLIC_EVENT_TYPES, DeliveryState, EventType
from notifications.models import Delivery, DeliveryAttempt, WebhookSubscription
from notifications.webhook_secrets import secret_decrypt
from tests import factories
from tests.api.conftest import token_headers

from .webhook_rows import attempt, delivery, event, nothing_is_sent, subscribe


@pytest.fixture(autouse=True)
def _nothing_is_sent(db):
    with nothing_is_sent():
        yield


URL = "/api/v1/webhooks/"
TARGET = "https://hooks.example.org/rosa"


def detail(pk) -> str:
    return f"{URL}{pk}/"


@pytest.fixture
def rosa(researcher):
    return token_headers(researcher)


@pytest.fixture
def ruth(db):
    """A researcher given the admin (staff), who may still not review: staff alone does not make the desk."""
    return factories.ResearcherFactory(username="ruth", is_staff=True)


def post(client, headers, **body):
    return client.post(URL, {"url": TARGET, "events": ["claim.published"], **body}, headers=headers, format="json")


@pytest.fixture
def client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_ANON_THROTTLE_RATE = None
    settings.API_USER_THROTTLE_RATE = None


# --- subscribing --------------------------------------------------------------------------------------------------


def test_subscribing_answers_201_with_the_secret_once(client, rosa, researcher):
    response = post(
        client,
        rosa,
        events=["claim.corrected", "claim.published"],
        language="zh",
        tag=" health ",
        claimant="Ministry",
        description="Our newsroom",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    subscription = WebhookSubscription.objects.get()
    assert body["id"] == subscription.pk
    assert body["url"] == TARGET
    assert body["events"] == ["claim.published", "claim.corrected"]  # the stable order of the event types
    assert (body["language"], body["tag"], body["claimant"], body["description"]) == (
        "zh",
        "health",
        "Ministry",
        "Our newsroom",
    )
    assert body["active"] is True
    assert body["paused_at"] is None
    assert body["created_at"]
    secret = body["secret"]
    assert secret.startswith("whsec_")
    assert len(secret) > 40
    assert body["secret_hint"] == "…" + secret[-4:]
    # Kept encrypted, and it is the secret the worker will sign with.
    assert secret not in subscription.secret_encrypted
    assert secret_decrypt(subscription.secret_encrypted) == secret
    assert subscription.owner == researcher
    assert response["Location"].endswith(detail(subscription.pk))
    assert "no-store" in response["Cache-Control"]


def test_the_secret_is_in_the_201_and_nowhere_after(client, rosa, caplog):
    # Everything at DEBUG, the SQL with its parameters too (django.db.backends logs it while CaptureQueriesContext
    # forces the debug cursor).
    with (
        caplog.at_level(logging.DEBUG),
        caplog.at_level(logging.DEBUG, logger="django"),
        CaptureQueriesContext(connection) as queries,
    ):
        created = post(client, rosa)
        pk = created.json()["id"]
        delivery(WebhookSubscription.objects.get(pk=pk))
        later = [
            client.get(URL, headers=rosa),
            client.get(detail(pk), headers=rosa),
            client.get(f"{detail(pk)}deliveries/", headers=rosa),
            client.patch(detail(pk), {"description": "changed"}, headers=rosa, format="json"),
            client.options(detail(pk), headers=rosa),
        ]
    secret = created.json()["secret"]
    assert [r.status_code for r in later] == [200, 200, 200, 200, 200]
    for response in later:
        assert secret.encode() not in response.content
    assert "secret" not in later[0].json()["results"][0]
    assert "secret" not in later[1].json()
    assert any("notifications_webhooksubscription" in q["sql"] for q in queries.captured_queries)
    assert "notifications_webhooksubscription" in caplog.text  # the SQL was logged, so the check below means it
    assert secret not in caplog.text
    assert secret not in repr(WebhookSubscription.objects.get(pk=pk))
    stored = WebhookSubscription.objects.filter(pk=pk).values().get()
    assert all(secret not in str(value) for value in stored.values())


def test_a_researcher_may_not_ask_for_desk_events(client, rosa):
    response = post(client, rosa, events=["claim.published", "tip.received", "source.dead"])
    assert response.status_code == 400
    message = response.json()["events"][0]
    assert "tip.received" in message
    assert "source.dead" in message
    assert "claim.published" not in message
    assert not WebhookSubscription.objects.exists()


def test_every_refused_field_is_named_at_once(client, rosa):
    response = post(client, rosa, url="http://10.0.0.1/in", events=["tip.received"], language="not a tag")
    assert response.status_code == 400
    assert set(response.json()) == {"url", "events", "language"}


def test_staff_who_may_not_review_get_public_events_only(client, ruth):
    response = post(client, token_headers(ruth), events=["evidence.excerpt_missing"])
    assert response.status_code == 400
    assert "evidence.excerpt_missing" in response.json()["events"][0]


def test_a_reviewer_may_subscribe_to_every_event(client, reviewer):
    response = post(client, token_headers(reviewer), events=list(EventType.values))
    assert response.status_code == 201, response.content
    assert set(response.json()["events"]) == set(PUBLIC_EVENT_TYPES) | set(DESK_EVENT_TYPES)


@pytest.mark.parametrize(
    ("events", "named"),
    [
        (["claim.published", "claim.deleted"], "claim.deleted"),
        (["CLAIM.PUBLISHED"], "CLAIM.PUBLISHED"),
        ([], None),
        ("claim.published", None),  # not a list
    ],
)
def test_unknown_or_missing_events_are_refused(client, rosa, events, named):
    response = post(client, rosa, events=events)
    assert response.status_code == 400
    assert "events" in response.json()
    if named:
        assert named in response.json()["events"][0]
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://hooks.example.org/in", "http or https"),
        ("hooks.example.org/in", "http or https"),
        ("javascript:alert(1)", "http or https"),
        ("http://127.0.0.2/hook", "not a public address"),
        ("http://10.0.0.1/hook", "not a public address"),
        ("https://192.168.1.20:8443/hook", "not a public address"),
        ("http://[::1]:8000/hook", "not a public address"),
        ("http://[fd00::1]/hook", "not a public address"),
        ("http://127.0.0.1:9/hook", "not a public address"),  # outside the allow list this test sets
    ],
)
def test_targets_outside_the_public_internet_are_refused(client, rosa, settings, url, reason):
    settings.LINKCHECK_ALLOW_NETWORKS = ["127.0.0.3/32"]
    response = post(client, rosa, url=url)
    assert response.status_code == 400, url
    assert reason in response.json()["url"][0]
    assert not WebhookSubscription.objects.exists()


def test_an_address_in_the_allow_list_is_accepted(client, rosa, settings):
    settings.LINKCHECK_ALLOW_NETWORKS = ["127.0.0.1/32"]
    assert post(client, rosa, url="http://127.0.0.1:9/hook").status_code == 201
    assert post(client, rosa, url="http://127.0.0.2:9/hook").status_code == 400


def test_a_language_filter_must_be_a_language_tag(client, rosa):
    response = post(client, rosa, language="Chinese (simplified)")
    assert response.status_code == 400
    assert "language" in response.json()
    assert post(client, rosa, language="zh-Hans").status_code == 201


def test_an_owner_has_a_limited_number_of_subscriptions(client, rosa, settings):
    settings.WEBHOOK_SUBSCRIPTIONS_PER_OWNER = 2
    assert [post(client, rosa).status_code for _ in range(2)] == [201, 201]
    refused = post(client, rosa)
    assert refused.status_code == 400
    assert "2 webhook subscriptions" in refused.json()["detail"][0]
    assert WebhookSubscription.objects.count() == 2


# --- reading and removing one's own -------------------------------------------------------------------------------


def test_each_user_lists_only_their_own(client, rosa, researcher, reviewer):
    mine = [subscribe(researcher, f"https://hooks.example.org/{n}").subscription for n in range(3)]
    theirs = subscribe(reviewer, "https://desk.example.org/in").subscription
    body = client.get(URL, headers=rosa).json()
    assert [row["id"] for row in body["results"]] == [s.pk for s in reversed(mine)]  # newest first
    assert body["results"][0]["secret_hint"] == mine[-1].secret_hint
    desk = client.get(URL, headers=token_headers(reviewer)).json()
    assert [row["id"] for row in desk["results"]] == [theirs.pk]  # staff too: their own only, here


def test_the_list_is_paginated_like_the_rest_of_the_api(client, rosa, researcher):
    made = [subscribe(researcher, f"https://hooks.example.org/{n}").subscription for n in range(3)]
    first = client.get(f"{URL}?page_size=2", headers=rosa).json()
    assert [row["id"] for row in first["results"]] == [made[2].pk, made[1].pk]
    second = client.get(first["next"], headers=rosa).json()
    assert [row["id"] for row in second["results"]] == [made[0].pk]
    assert second["next"] is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ""),
        ("patch", ""),
        ("delete", ""),
        ("get", "deliveries/"),
        ("post", "rotate-secret/"),
    ],
)
def test_someone_elses_subscription_is_not_found(client, rosa, reviewer, method, path):
    theirs = subscribe(reviewer, "https://desk.example.org/in", events=["tip.received"]).subscription
    delivery(theirs)
    before = WebhookSubscription.objects.filter(pk=theirs.pk).values().get()
    response = getattr(client, method)(
        f"{detail(theirs.pk)}{path}", {"active": False} if method == "patch" else None, headers=rosa, format="json"
    )
    assert response.status_code == 404
    assert b"desk.example.org" not in response.content
    assert WebhookSubscription.objects.filter(pk=theirs.pk).values().get() == before  # untouched, secret too
    assert Delivery.objects.filter(subscription=theirs).count() == 1
    # The same answer as an id that was never used: nothing tells the two apart.
    missing = getattr(client, method)(f"{detail(theirs.pk + 1000)}{path}", headers=rosa, format="json")
    assert missing.status_code == 404
    assert missing.json() == response.json()


def test_delete_removes_the_subscription_its_deliveries_and_their_log(client, rosa, researcher):
    mine = subscribe(researcher).subscription
    kept = subscribe(researcher, "https://hooks.example.org/kept").subscription
    shared_event = event()
    gone = delivery(mine, shared_event, state=DeliveryState.FAILED, attempts=2)
    attempt(gone, 1, status=500)
    attempt(gone, 2, status=503)
    stays = delivery(kept, shared_event)
    response = client.delete(detail(mine.pk), headers=rosa)
    assert response.status_code == 204
    assert not WebhookSubscription.objects.filter(pk=mine.pk).exists()
    assert not Delivery.objects.filter(pk=gone.pk).exists()
    assert not DeliveryAttempt.objects.filter(delivery_id=gone.pk).exists()
    assert Delivery.objects.filter(pk=stays.pk).exists()  # another subscription's, of the same event
    assert client.get(detail(mine.pk), headers=rosa).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", URL),
        ("post", URL),
        ("get", detail(1)),
        ("patch", detail(1)),
        ("delete", detail(1)),
        ("get", f"{detail(1)}deliveries/"),
        ("post", f"{detail(1)}rotate-secret/"),
    ],
)
def test_anonymous_is_401(client, researcher, method, path):
    subscribe(researcher)
    response = getattr(client, method)(path, {"url": TARGET, "events": ["claim.published"]}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert WebhookSubscription.objects.count() == 1


def test_a_bad_token_is_401(client, researcher):
    subscribe(researcher)
    response = client.get(URL, headers={"Authorization": "Token not-a-token"})
    assert response.status_code == 401


def test_put_is_not_allowed(client, rosa, researcher):
    mine = subscribe(researcher).subscription
    response = client.put(detail(mine.pk), {"url": TARGET, "events": ["claim.published"]}, headers=rosa)
    assert response.status_code == 405


# --- changing -----------------------------------------------------------------------------------------------------


def test_patch_changes_events_and_filters_with_the_same_checks(client, rosa, researcher):
    mine = subscribe(researcher, language="en").subscription
    changed = client.patch(
        detail(mine.pk), {"events": ["claim.retracted"], "tag": "vaccines"}, headers=rosa, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["events"] == ["claim.retracted"]
    assert (changed.json()["tag"], changed.json()["language"]) == ("vaccines", "en")  # not sent: kept
    refused = [
        client.patch(detail(mine.pk), {"events": ["tip.received"]}, headers=rosa, format="json"),
        client.patch(detail(mine.pk), {"url": "http://10.1.2.3/"}, headers=rosa, format="json"),
        client.patch(detail(mine.pk), {"events": []}, headers=rosa, format="json"),
    ]
    assert [r.status_code for r in refused] == [400, 400, 400]
    assert "tip.received" in refused[0].json()["events"][0]
    assert "not a public address" in refused[1].json()["url"][0]
    mine.refresh_from_db()
    assert (mine.events, mine.url) == (["claim.retracted"], "https://hooks.example.org/in")


def test_patch_switches_off_and_on_and_on_resumes_a_paused_one(
    client, rosa, researcher, django_capture_on_commit_callbacks
):
    mine = subscribe(researcher).subscription
    off = client.patch(detail(mine.pk), {"active": False}, headers=rosa, format="json")
    assert off.json()["active"] is False
    WebhookSubscription.objects.filter(pk=mine.pk).update(
        paused_at=timezone.now(), pause_reason="Every delivery failed for 3 days.", failing_since=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        on = client.patch(detail(mine.pk), {"active": True}, headers=rosa, format="json")
    assert on.status_code == 200
    assert (on.json()["active"], on.json()["paused_at"], on.json()["pause_reason"]) == (True, None, "")
    assert on.json()["failing_since"] is None
    # Its queued deliveries are due: the worker is woken after commit (not run here).
    assert [c.__name__ for c in callbacks] == ["dispatch_soon"]


def test_rotate_secret_shows_a_new_secret_once(client, rosa, researcher):
    made = subscribe(researcher)
    response = client.post(f"{detail(made.subscription.pk)}rotate-secret/", headers=rosa)
    assert response.status_code == 200
    new = response.json()["secret"]
    assert new != made.secret
    assert new.startswith("whsec_")
    assert "no-store" in response["Cache-Control"]
    made.subscription.refresh_from_db()
    assert secret_decrypt(made.subscription.secret_encrypted) == new
    assert response.json()["secret_hint"] == made.subscription.secret_hint == "…" + new[-4:]
    assert new.encode() not in client.get(detail(made.subscription.pk), headers=rosa).content


# --- deliveries ---------------------------------------------------------------------------------------------------


def test_deliveries_are_the_subscriptions_own_newest_first(client, rosa, researcher, reviewer):
    mine = subscribe(researcher).subscription
    other = subscribe(researcher, "https://hooks.example.org/other").subscription
    now = timezone.now()
    old = delivery(
        mine,
        event(EventType.CLAIM_PUBLISHED, claim_id=1),
        state=DeliveryState.DELIVERED,
        attempts=1,
        last_status=204,
        delivered_at=now - timezone.timedelta(minutes=9),
        created_at=now - timezone.timedelta(minutes=10),
    )
    new = delivery(
        mine,
        event(EventType.CLAIM_CORRECTED, claim_id=1),
        attempts=3,
        last_status=503,
        last_error="Service Unavailable",
        next_attempt_at=now + timezone.timedelta(minutes=5),
        created_at=now,
    )
    delivery(other)
    body = client.get(f"{detail(mine.pk)}deliveries/", headers=rosa).json()
    assert [row["id"] for row in body["results"]] == [str(new.uuid), str(old.uuid)]
    latest, earlier = body["results"]
    assert latest["event_type"] == "claim.corrected"
    assert latest["event_id"] == new.event_id
    assert (latest["state"], latest["attempts"], latest["last_status"]) == ("pending", 3, 503)
    assert latest["last_error"] == "Service Unavailable"
    assert latest["next_attempt_at"] is not None
    assert latest["delivered_at"] is None
    assert (earlier["state"], earlier["next_attempt_at"]) == ("delivered", None)  # nothing more to try
    assert earlier["delivered_at"] is not None
    only_delivered = client.get(f"{detail(mine.pk)}deliveries/?state=delivered", headers=rosa).json()
    assert [row["id"] for row in only_delivered["results"]] == [str(old.uuid)]
    assert client.get(f"{detail(mine.pk)}deliveries/?state=lost", headers=rosa).status_code == 400
    paged = client.get(f"{detail(mine.pk)}deliveries/?page_size=1", headers=rosa).json()
    assert [row["id"] for row in paged["results"]] == [str(new.uuid)]
    assert [row["id"] for row in client.get(paged["next"], headers=rosa).json()["results"]] == [str(old.uuid)]


# --- queries, the schema ------------------------------------------------------------------------------------------


def test_query_counts_do_not_grow_with_rows(client, rosa, researcher, django_assert_num_queries):
    mine = [subscribe(researcher, f"https://hooks.example.org/{n}").subscription for n in range(2)]
    for n in range(2):
        delivery(mine[0], event(claim_id=n))
    cases = [(URL, 2), (f"{detail(mine[0].pk)}deliveries/", 3)]  # the token and user, then one per read
    for path, queries in cases:
        with django_assert_num_queries(queries):
            assert client.get(path, headers=rosa).status_code == 200
    for n in range(4):
        subscribe(researcher, f"https://hooks.example.org/more{n}")
        delivery(mine[0], event(claim_id=10 + n))
    for path, queries in cases:
        with django_assert_num_queries(queries):
            response = client.get(path, headers=rosa)
        assert len(response.json()["results"]) == 6


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        generated = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(generated)
    return generated


def test_the_schema_has_the_endpoints_and_declares_the_secret_only_where_it_is_shown(schema):
    paths = schema["paths"]
    assert set(paths["/api/v1/webhooks/"]) >= {"get", "post"}
    assert set(paths["/api/v1/webhooks/{id}/"]) >= {"get", "patch", "delete"}
    assert "get" in paths["/api/v1/webhooks/{id}/deliveries/"]
    assert "post" in paths["/api/v1/webhooks/{id}/rotate-secret/"]
    components = schema["components"]["schemas"]
    assert "secret" in components["WebhookSubscriptionCreated"]["properties"]
    assert "secret" not in components["WebhookSubscription"]["properties"]
    created = paths["/api/v1/webhooks/"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert created["$ref"].endswith("/WebhookSubscriptionCreated")
    assert components["EventTypeEnum"]["enum"] == list(EventType.values)


def test_the_answers_hold_to_the_schema(client, rosa, researcher, schema):
    """Every field an answer carries is declared, and every declared field is there."""
    components = schema["components"]["schemas"]
    created = post(client, rosa).json()
    pk = created["id"]
    delivery(WebhookSubscription.objects.get(pk=pk))
    assert set(created) == set(components["WebhookSubscriptionCreated"]["properties"])
    assert set(client.get(detail(pk), headers=rosa).json()) == set(components["WebhookSubscription"]["properties"])
    row = client.get(f"{detail(pk)}deliveries/", headers=rosa).json()["results"][0]
    assert set(row) == set(components["Delivery"]["properties"])
