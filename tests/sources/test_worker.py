"""A real Celery worker, started as a subprocess on the local Redis, checks sources end to end."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from factcheck.celery import app as celery_app
from sources.choices import Health, Outcome
from sources.models import LinkCheck, Source
from sources.tasks import check_source, check_sources_batch
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(transactional_db, farm):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (make test sets REDIS_URL)")
    queue = f"linkcheck-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "LINKCHECK_ALLOW_NETWORKS": "127.0.0.1/32",
        "LINKCHECK_HOST_INTERVAL": "0",
        "LINKCHECK_DEADLINE": "3",
        "LINKCHECK_CONNECT_TIMEOUT": "2",
        "LINKCHECK_READ_TIMEOUT": "2",
        "LINKCHECK_REDIS_PREFIX": f"{queue}:",
        "ARCHIVE_LOOKUP_URL": farm.url("/wayback/available"),
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
            queue,
            "-l",
            "info",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    celery_app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        celery_app.conf.task_always_eager = True
        celery_app.amqp.queues.pop(queue, None)  # apply_async(queue=...) declared it app-wide; forget it
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        if os.environ.get("SHOW_WORKER_LOG"):
            print(output)
        connection.close()


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_real_worker_checks_sources_end_to_end(worker, farm):
    ok = factories.SourceFactory(url=farm.url("/ok"))
    moved = factories.SourceFactory(url=farm.url("/moved"))
    gone = factories.SourceFactory(url=farm.url("/status/404"))
    limited = factories.SourceFactory(url=farm.url("/rate-limited"))
    ids = [ok.id, moved.id, gone.id, limited.id]

    check_sources_batch.apply_async(args=[ids, "worker-run-1"], queue=worker)
    # The same run delivered again (a redelivery after a lost ack looks exactly like this).
    check_sources_batch.apply_async(args=[ids, "worker-run-1"], queue=worker)
    check_source.apply_async(args=[ok.id, "worker-run-2"], queue=worker)
    # The solo worker takes one task at a time, in the order sent: once this last one is recorded, the duplicate
    # delivery has finished too.
    check_source.apply_async(args=[ok.id, "worker-run-last"], queue=worker)

    assert wait_for(lambda: LinkCheck.objects.filter(run_key="worker-run-last").exists())
    assert LinkCheck.objects.filter(run_key="worker-run-2").count() == 1
    assert LinkCheck.objects.filter(run_key="worker-run-1").count() == 4  # the duplicate delivery added nothing
    outcomes = dict(LinkCheck.objects.filter(run_key="worker-run-1").values_list("source_id", "outcome"))
    assert outcomes == {
        ok.id: Outcome.OK,
        moved.id: Outcome.REDIRECTED,
        gone.id: Outcome.NOT_FOUND,
        limited.id: Outcome.RATE_LIMITED,
    }
    health = dict(Source.objects.filter(id__in=ids).values_list("id", "health"))
    assert health == {ok.id: Health.OK, moved.id: Health.OK, gone.id: Health.FAILING, limited.id: Health.UNKNOWN}
    assert Source.objects.get(id=gone.id).consecutive_failures == 1
