"""Redis stopped: the API and the admin keep working, writes succeed, and no check is lost.

Everything runs as deployed: gunicorn and a Celery worker as subprocesses, pointed at a Redis of our own (cache,
throttle counters, broker) that the test stops and starts, and at the test database.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import timedelta

import pytest
import requests
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from factcheck import failsafe
from factcheck.failsafe import enqueue
from sources.choices import Health
from sources.models import LinkCheck, Source
from sources.tasks import check_due_sources
from tests import factories
from tests.api.conftest import token_headers

from .conftest import AppServer, Worker, app_env, broker, broker_idle, free_port, send, test_database_url, wait_for

pytestmark = pytest.mark.slow


def _admin_session(server: AppServer, username: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(server.url("/admin/login/"), timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        server.url("/admin/login/?next=/admin/"),
        timeout=10,
        allow_redirects=False,
        data={"csrfmiddlewaretoken": token, "username": username, "password": password},
        headers={"Referer": server.url("/admin/login/")},
    )
    assert response.status_code == 302, response.text[:500]
    return session


def _csrf(session: requests.Session, url: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', session.get(url, timeout=10).text).group(1)


def test_cache_fails_open_with_a_warning(caplog, settings, monkeypatch, needs_postgres_and_redis):
    """The project's cache on a port where nothing listens: reads miss, writes are dropped, one warning."""
    monkeypatch.setattr(failsafe, "_last_warned", {})  # no other test's warning in this process counts
    config = settings.CACHES["default"]
    location = f"redis://127.0.0.1:{free_port()}/0"
    cache = import_string(config["BACKEND"])(location, {**config, "LOCATION": location})
    with caplog.at_level("DEBUG"):
        assert cache.get("k", "fallback") == "fallback"
        assert cache.set("k", 1, DEFAULT_TIMEOUT) is None
        assert not cache.add("k", 1)  # not added (django-redis answers None where Django's backends say False)
        assert cache.get_many(["a", "b"]) == {}
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage().split(":")[0] for r in warnings] == ["cache (Redis) unavailable, going on without it"]
    assert "Traceback" not in caplog.text


def test_enqueue_without_a_broker_is_false_not_an_exception(caplog, settings):
    """Publishing to a broker that is not there gives up within about a second (the project's retry policy)."""
    from celery import Celery

    dead = Celery("dead", broker=f"redis://127.0.0.1:{free_port()}/1", set_as_current=False)
    dead.conf.update(
        broker_connection_timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT,
        task_publish_retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
    )

    @dead.task(name="sources.tasks.check_sources_batch")
    def check_sources_batch(source_ids, run_key):  # the real task's name and signature, on the dead broker
        return None

    started = time.monotonic()
    with caplog.at_level("WARNING", logger="factcheck.failsafe"):
        assert enqueue(check_sources_batch, [1], "nowhere") is False
    assert time.monotonic() - started < 5
    assert "could not queue sources.tasks.check_sources_batch" in caplog.text


def test_redis_stopped_api_and_admin_work_and_no_check_is_lost(
    transactional_db, needs_postgres_and_redis, throwaway_redis, site, processes
):
    redis = throwaway_redis
    env = app_env(database_url=test_database_url(), redis=redis, API_ANON_THROTTLE_RATE="1000/min")
    server = AppServer("redis-stopped-web", env)
    processes.append(server)

    staff = factories.UserFactory(username="sam", is_staff=True, is_superuser=True)
    reviewer = factories.ReviewerFactory(username="rita")
    published = factories.PublishedClaimFactory(text="A published statement.")
    later = timezone.now() + timedelta(days=7)
    Source.objects.update(next_check_at=later)  # the published claim's source: not ours to check (not loopback)
    # Checked recently: not due. "Check now" on them must not be lost when the queue is away.
    checked = [factories.SourceFactory(url=site.url(f"/page/{i}"), next_check_at=later) for i in range(21)]
    api = server.url("/api/v1")
    assert requests.get(f"{api}/claims/", timeout=10).status_code == 200

    redis.stop()
    assert not redis.is_up()
    timings = {}

    def timed(name, call):
        started = time.monotonic()
        response = call()
        timings[name] = time.monotonic() - started
        return response

    # Reads: anonymous (throttled: the counter lives in Redis), detail, researcher-style filters.
    response = timed("anon list", lambda: requests.get(f"{api}/claims/", timeout=15))
    assert response.status_code == 200
    assert response.json()["results"]
    assert timed("anon detail", lambda: requests.get(f"{api}/claims/{published.pk}/", timeout=15)).status_code == 200
    # Writes: a claim, and evidence that adds a new source (due at once: next_check_at is empty).
    headers = token_headers(reviewer)
    created = timed(
        "create claim",
        lambda: requests.post(f"{api}/claims/", json={"text": "Said while Redis slept."}, headers=headers, timeout=15),
    )
    assert created.status_code == 201, created.text
    claim_id = created.json()["id"]
    cited = timed(
        "add evidence",
        lambda: requests.post(
            f"{api}/claims/{claim_id}/evidence/",
            json={"url": site.url("/cited-while-down"), "stance": "supports"},
            headers=headers,
            timeout=15,
        ),
    )
    assert cited.status_code == 201, cited.text

    # The admin: log in, list, add a source, "Check now" on 21 sources (more than are checked inline: queued).
    admin = _admin_session(server, "sam", factories.PASSWORD)
    assert timed("admin list", lambda: admin.get(server.url("/admin/sources/source/"), timeout=15)).status_code == 200
    add_url = server.url("/admin/sources/source/add/")
    added = timed(
        "admin add source",
        lambda: admin.post(
            add_url,
            timeout=15,
            allow_redirects=False,
            data={
                "csrfmiddlewaretoken": _csrf(admin, add_url),
                "url": site.url("/added-in-admin"),
                "title": "Added",
                "publisher": "",
                "archive_url": "",
                "archived_at_0": "",
                "archived_at_1": "",
            },
        ),
    )
    assert added.status_code == 302, added.text[:2000]
    list_url = server.url("/admin/sources/source/")
    action = timed(
        "admin check now",
        lambda: admin.post(
            list_url,
            timeout=30,
            data={
                "csrfmiddlewaretoken": _csrf(admin, list_url),
                "action": "check_now",
                "index": "0",
                "_selected_action": [str(s.pk) for s in checked],
            },
        ),
    )
    assert action.status_code == 200
    assert "The task queue is unavailable; 21 sources are marked due" in action.text

    assert staff.is_superuser
    assert max(timings.values()) < 5, timings
    log = server.output()
    assert "cache (Redis) unavailable, going on without it" in log
    assert "broker (could not queue sources.tasks.check_sources_batch) unavailable" in log
    assert "Traceback" not in log

    # Redis is back; the beat job runs on a worker; everything that was due is checked.
    redis.start()
    new_sources = list(Source.objects.filter(url__in=[site.url("/cited-while-down"), site.url("/added-in-admin")]))
    assert len(new_sources) == 2
    expected = {s.pk for s in checked} | {s.pk for s in new_sources}
    due = Source.objects.filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=timezone.now()))
    assert set(due.values_list("id", flat=True)) == expected
    worker = Worker("redis-stopped-worker", env)
    processes.append(worker)
    worker.wait_ready()
    with broker(redis.url(1)) as conn:
        send(conn, check_due_sources)
    assert wait_for(lambda: LinkCheck.objects.filter(source_id__in=expected).count() >= len(expected), timeout=60), (
        worker.output()[-3000:]
    )
    assert wait_for(lambda: broker_idle(redis.client(1)), timeout=30), worker.output()[-3000:]
    assert LinkCheck.objects.filter(source_id__in=expected).count() == len(expected)
    assert set(Source.objects.filter(id__in=expected).values_list("health", flat=True)) == {Health.OK}
    assert site.hit("/cited-while-down") >= 1
    assert site.hit("/added-in-admin") >= 1
    print(f"request times with Redis stopped (s): { {k: round(v, 2) for k, v in timings.items()} }")
