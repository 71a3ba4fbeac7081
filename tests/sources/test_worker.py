"""A real Celery worker, started as a subprocess on the local Redis, checks sources end to end."""

import time
import uuid

import pytest
from django.conf import settings

from factcheck.celery import app as celery_app
from sources.choices import Health, Outcome
from sources.models import LinkCheck, Source
from sources.tasks import check_source, check_sources_batch
from tests import factories
from tests.workers import solo_worker


@pytest.fixture
def worker(transactional_db, farm):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (make test sets REDIS_URL)")
    queue = f"linkcheck-test-{uuid.uuid4().hex[:8]}"
    with solo_worker(
        queue,
        LINKCHECK_ALLOW_NETWORKS="127.0.0.1/32",
        LINKCHECK_HOST_INTERVAL="0",
        LINKCHECK_DEADLINE="3",
        LINKCHECK_CONNECT_TIMEOUT="2",
        LINKCHECK_READ_TIMEOUT="2",
        LINKCHECK_REDIS_PREFIX=f"{queue}:",
        ARCHIVE_LOOKUP_URL=farm.url("/wayback/available"),
    ):
        try:
            yield queue
        finally:
            celery_app.amqp.queues.pop(queue, None)  # apply_async(queue=...) declared it app-wide; forget it


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
