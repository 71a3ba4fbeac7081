"""A real Celery worker on the webhooks queue, started as a subprocess on the local Redis: a claim published in a
committed transaction reaches the loopback receiver as a signed claim.published POST, through the outbox's on-commit
nudge, with no beat and nothing run in-process."""

import hashlib
import hmac
import time

import pytest
import redis
from django.conf import settings

from claims import services as claims
from claims.choices import ClaimStatus, Verdict
from notifications.choices import DeliveryState, EventType
from notifications.models import Delivery, Event
from tests.workers import solo_worker


def wait_for(predicate, timeout=60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def worker(transactional_db):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (make test sets REDIS_URL)")
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("webhooks")  # nothing left over from another test
    try:
        with solo_worker("webhooks", LINKCHECK_ALLOW_NETWORKS="127.0.0.1/32", WEBHOOK_DEADLINE="5") as process:
            yield process
    finally:
        broker.delete("webhooks")


@pytest.mark.slow
def test_a_published_claim_reaches_the_receiver_through_a_real_worker(worker, receiver, subscribe, one_person_desk):
    made = subscribe(receiver.url("/newsroom"), events=[EventType.CLAIM_PUBLISHED])
    reviewer = made.subscription.owner
    claim = claims.claim_create(
        user=reviewer,
        text="The bridge cost 2 billion.",
        verdict=Verdict.FALSE,
        explanation="The budget says 1.2 billion.",
    )
    claims.evidence_add(claim=claim, url="https://example.org/budget", user=reviewer)
    claims.claim_update(claim_id=claim.pk, user=reviewer, data={"status": ClaimStatus.PUBLISHED})  # commits

    assert wait_for(lambda: len(receiver.received) >= 1), "the receiver got nothing"
    (request,) = receiver.received
    assert request.headers["X-Factcheck-Event"] == "claim.published"
    assert request.json["type"] == "claim.published"
    assert request.json["data"]["claim"]["id"] == claim.pk
    assert request.json["data"]["claim"]["text"] == "The bridge cost 2 billion."
    parts = dict(part.split("=", 1) for part in request.headers["X-Factcheck-Signature"].split(","))
    expected = hmac.new(made.secret.encode(), parts["t"].encode() + b"." + request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"])
    assert wait_for(lambda: Delivery.objects.filter(state=DeliveryState.DELIVERED).exists())
    delivery = Delivery.objects.get()
    assert request.delivery == str(delivery.uuid)
    assert Event.objects.get(pk=request.json["id"]).dispatched_at is not None
