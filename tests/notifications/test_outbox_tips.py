"""Issue 19's outbox rule for tip.received: the public tip form (/tips/, a claim to check or an error report) and the
service each write one event with the tip's row; a tip refused, a bot's, or one over the rate limit writes none; and
the reader's contact address and client address are never in it."""

import pytest
from django.urls import reverse

from public.models import Tip, TipKind
from public.ratelimit import rate_reset
from public.services import tip_client_hash, tip_submit
from public.views.tips import RATE_SCOPE
from tests.factories import PublishedClaimFactory

from .conftest import SITE, events, json_time, payload_text

pytestmark = pytest.mark.django_db

URL = reverse("public-tips")
ADDRESS = "203.0.113.77"
CONTACT = "reader.secret@example.org"


@pytest.fixture(autouse=True)
def _fresh_rate_window(settings):
    settings.TIPS_RATE = "3/hour"
    rate_reset(scope=RATE_SCOPE, ident=tip_client_hash(ADDRESS), rate=settings.TIPS_RATE)


def send(client, path: str = URL, **data):
    fields = {"text": "Drinking hot water cures the flu.", "url": "", "contact": "", "language": "en", "website": ""}
    return client.post(path, {**fields, **data}, REMOTE_ADDR=ADDRESS)


def assert_tip_event(event, tip: Tip) -> None:
    assert event.type == "tip.received"
    assert event.order_key == f"tip:{tip.pk}"
    expected_ids = {"tip": tip.pk} | ({"claim": tip.matched_claim_id} if tip.matched_claim_id else {})
    assert event.object_ids == expected_ids
    assert (event.language, event.tags, event.claimant) == (tip.language, [], "")
    assert event.payload == {
        "tip": {
            "id": tip.pk,
            "kind": tip.kind,
            "text": tip.text,
            "url": tip.url,
            "language": tip.language,
            "has_contact": bool(tip.contact),
            "matched_claim_id": tip.matched_claim_id,
            "created_at": json_time(tip.created_at),
            "admin_url": f"{SITE}/admin/public/tip/{tip.pk}/change/",
        }
    }


@pytest.mark.usefixtures("site_url")
def test_the_tip_form_writes_one_event_without_the_readers_addresses(client):
    response = send(client, url="https://Example.org/post/1?utm_source=x", contact=CONTACT, language="es")
    assert response.status_code == 200
    tip = Tip.objects.get()
    [event] = events()
    assert_tip_event(event, tip)
    assert event.payload["tip"]["url"] == "https://example.org/post/1"
    assert event.payload["tip"]["has_contact"] is True
    text = payload_text(event)
    assert CONTACT not in text
    assert ADDRESS not in text
    assert tip.client_hash not in text


@pytest.mark.usefixtures("site_url")
def test_an_error_report_names_the_claim(client):
    claim = PublishedClaimFactory()
    assert send(client, path=f"{URL}?claim={claim.pk}", text="The figure is from 2019, not 2023.").status_code == 200
    tip = Tip.objects.get()
    assert (tip.kind, tip.matched_claim_id) == (TipKind.ERROR_REPORT, claim.pk)
    [event] = events()
    assert_tip_event(event, tip)


@pytest.mark.usefixtures("site_url")
def test_the_service_writes_the_event_and_a_tip_matching_a_fact_check_names_it():
    claim = PublishedClaimFactory(text="The city council spent 40 million dollars on the new football stadium.")
    tip = tip_submit(text=claim.text, language="en", contact=CONTACT)
    assert tip.matched_claim_id == claim.pk
    [event] = events()
    assert_tip_event(event, tip)


def test_refused_bot_and_rate_limited_tips_write_no_event(client):
    assert send(client, text="   ").status_code == 200  # the form's error: nothing stored
    assert send(client, website="https://spam.example").status_code == 200  # the honeypot: thanked, not stored
    assert send(client).status_code == 200
    assert send(client).status_code == 429  # every POST counts: this is the fourth of the hour
    assert Tip.objects.count() == 1
    assert [e.type for e in events()] == ["tip.received"]
