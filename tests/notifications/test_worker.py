"""A real Celery worker on the webhooks queue, started as a subprocess on the local Redis: a claim published in a
committed transaction reaches the loopback receiver as a signed claim.published POST, through the outbox's on-commit
nudge, with no beat and nothing run in-process."""

import hashlib
import hmac
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from claims import services as claims
from claims.choices import ClaimStatus, Verdict
from factcheck.celery import app as celery_app
from notifications.choices import DeliveryState, EventType
from notifications.models import Delivery, Event

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


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
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("webhooks")  # nothing left over from another test
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "LINKCHECK_ALLOW_NETWORKS": "127.0.0.1/32",
        "WEBHOOK_DEADLINE": "5",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "factcheck",
            "worker",
            "-P",
            "solo",
            "-Q",
            "webhooks",
            "-l",
            "info",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "-n",
            "webhooks-test@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    celery_app.conf.task_always_eager = False
    try:
        yield process
    finally:
        celery_app.conf.task_always_eager = True
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        if os.environ.get("SHOW_WORKER_LOG"):
            print(output)
        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("webhooks")
        connection.close()


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
