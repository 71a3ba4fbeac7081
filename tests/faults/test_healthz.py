"""GET /healthz: database, Redis, queue depth per Celery queue, beat's heartbeat; 200 unless the database is down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from .conftest import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def beat_ran():
    PeriodicTask.objects.filter(task="sources.tasks.check_due_sources").update(last_run_at=timezone.now())


def test_healthy(client, beat_ran, needs_postgres_and_redis):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["status"] == "ok", body
    assert body["database"]["default"]["ok"] is True
    assert body["redis"]["cache"]["ok"] is True
    assert body["redis"]["broker"]["ok"] is True
    assert {"celery", "linkcheck", "imports", "maintenance", "unacked"} <= set(body["queues"])
    assert body["beat"]["ok"] is True
    assert body["beat"]["allowed_seconds"] == 2 * 60 + 300  # the due-check job runs every 60 s


def test_queue_depth_is_the_length_of_each_redis_list(client, beat_ran, settings, throwaway_redis):
    settings.CELERY_BROKER_URL = throwaway_redis.url(1)
    broker = throwaway_redis.client(1)
    broker.rpush("linkcheck", "a", "b", "c")
    broker.rpush("imports", "x")
    broker.rpush("linkcheck\x06\x169", "high")  # a priority step of the same queue
    queues = client.get("/healthz").json()["queues"]
    assert queues["linkcheck"] == 4
    assert queues["imports"] == 1
    assert queues["maintenance"] == 0


def test_redis_down_is_degraded_but_still_200(client, beat_ran, settings):
    dead = f"redis://127.0.0.1:{free_port()}"
    settings.REDIS_URL, settings.CELERY_BROKER_URL = f"{dead}/0", f"{dead}/1"
    response = client.get("/healthz")
    assert response.status_code == 200  # keep serving: reads and writes work without Redis
    body = response.json()
    assert body["status"] == "degraded"
    assert body["redis"]["broker"]["ok"] is False
    assert "error" in body["redis"]["cache"]
    assert client.get("/healthz?strict=1").status_code == 503  # for monitoring that wants to page


def test_beat_silent_is_degraded(client):
    PeriodicTask.objects.filter(task="sources.tasks.check_due_sources").update(
        last_run_at=timezone.now() - timedelta(hours=1)
    )
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["beat"]["ok"] is False
    assert body["beat"]["age_seconds"] >= 3600


def test_answered_before_host_check_tls_redirect_and_throttle(client, beat_ran, settings):
    settings.ALLOWED_HOSTS = ["factcheck.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    settings.API_ANON_THROTTLE_RATE = "1/min"
    for _ in range(3):
        response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")  # a load balancer asks by address, over http
        assert response.status_code == 200
    assert client.head("/healthz").status_code == 200


def test_database_down_is_503(client, monkeypatch):
    from factcheck import healthz

    monkeypatch.setattr(healthz, "check_databases", lambda: {"default": {"ok": False, "error": "refused"}})
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "down"
