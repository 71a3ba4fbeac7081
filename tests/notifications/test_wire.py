"""The wire format (DESIGN-19): the body's bytes, the headers, and the signature, checked by the receiver as a
subscriber would check it, with the hmac module over the exact bytes that arrived."""

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from notifications.choices import DeliveryState, EventType
from notifications.delivery import delivery_headers, event_body, webhooks_run
from notifications.models import Delivery, DeliveryAttempt, Event

from .helpers import record_event

pytestmark = pytest.mark.django_db


def verify(secret: str, body: bytes, header: str) -> int:
    """A receiver's check, written from the README's description rather than our code: the header's parts, HMAC-SHA256
    of "<t>.<body>" under the secret, compared in constant time. The signed time when it holds."""
    parts = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"]), "signature does not verify"
    return int(parts["t"])


def test_the_body_is_compact_sorted_utf8_json():
    event = Event(
        id=42,
        type=EventType.CLAIM_CORRECTED,
        created_at=datetime(2031, 3, 14, 9, 30, 5, 123456, tzinfo=UTC),
        payload={"claim": {"text": "桥梁造价二十亿", "id": 7}, "change": {"note": "Fixed “the” figure"}},
    )
    body = event_body(event)
    assert (
        body
        == (
            '{"created_at":"2031-03-14T09:30:05.123Z","data":{"change":{"note":"Fixed “the” figure"},'
            '"claim":{"id":7,"text":"桥梁造价二十亿"}},"id":42,"type":"claim.corrected"}'
        ).encode()
    )
    assert json.loads(body)["data"] == event.payload


def test_the_body_is_the_same_bytes_read_back(db):
    event = record_event(payload={"b": 1, "a": [1, 2], "when": datetime(2031, 1, 1, tzinfo=UTC)})
    assert event_body(Event.objects.get(pk=event.pk)) == event_body(event)


def test_headers_and_signature(receiver, subscribe):
    made = subscribe(receiver.url("/hook"))
    event = record_event(EventType.CLAIM_PUBLISHED, order_key="claim:7")

    result = webhooks_run(requeue=False)

    assert result["delivered"] == 1
    (request,) = receiver.received
    delivery = Delivery.objects.get()
    attempt = DeliveryAttempt.objects.get()
    assert request.method == "POST"
    assert request.path == "/hook"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "factcheck-webhooks/1.0 (+https://factcheck.example.org)"
    assert request.headers["X-Factcheck-Event"] == "claim.published"
    assert request.headers["X-Factcheck-Delivery"] == str(delivery.uuid)
    assert request.body == event_body(event)
    signed_at = verify(made.secret, request.body, request.headers["X-Factcheck-Signature"])
    # signed as the attempt went out: within the attempt's own time (the header carries whole seconds)
    attempt_ended = attempt.started_at.timestamp() + attempt.duration_ms / 1000
    assert int(attempt.started_at.timestamp()) <= signed_at <= attempt_ended
    assert signed_at <= request.at
    # another secret does not verify
    with pytest.raises(AssertionError, match="does not verify"):
        verify(made.secret + "x", request.body, request.headers["X-Factcheck-Signature"])
    # nor another body
    with pytest.raises(AssertionError, match="does not verify"):
        verify(made.secret, request.body + b" ", request.headers["X-Factcheck-Signature"])
    assert delivery.state == DeliveryState.DELIVERED
    assert delivery.attempts == 1
    assert delivery.last_status == 200
    assert attempt.response_excerpt == "ok"


def test_delivery_headers_sign_the_time_given():
    event = Event(id=1, type=EventType.TIP_RECEIVED, created_at=datetime(2031, 1, 1, tzinfo=UTC), payload={})
    delivery = Delivery(event=event)
    when = datetime(2031, 1, 1, 0, 0, 9, tzinfo=UTC)
    headers = delivery_headers(delivery, event, "whsec_test", now=when)
    assert verify("whsec_test", event_body(event), headers["X-Factcheck-Signature"]) == int(when.timestamp())
    assert headers["X-Factcheck-Delivery"] == str(delivery.uuid)
    assert headers["X-Factcheck-Event"] == "tip.received"
