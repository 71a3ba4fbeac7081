"""A worker killed with SIGKILL in the middle of a check: the task is delivered again, and the source ends with
exactly one complete LinkCheck for the run and consistent health fields.

Two ways a worker dies, two mechanisms:

- the pool child running the task is killed (the OOM killer's usual pick): the worker's parent process sees it
  die and, with ``reject_on_worker_lost``, puts the message back at once; the next child runs it.
- the whole worker is killed (its container or machine goes): nobody is left to put the message back. The
  Redis transport keeps the message as unacknowledged and hands it out again once ``visibility_timeout`` has
  passed, to whichever worker is next up (a new worker restores due messages as it starts). Production waits
  CELERY_VISIBILITY_TIMEOUT (2 h, longer than any task); this test sets it to 4 s.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.utils import timezone

from sources.choices import Health, Outcome
from sources.models import LinkCheck, Source
from sources.tasks import check_source
from tests import factories

from .conftest import Worker, app_env, broker, broker_idle, send, test_database_url, wait_for

pytestmark = pytest.mark.slow

VISIBILITY = 4  # seconds, for this test only
BROKER_DB = 1  # app_env: the cache on 0, the broker on 1


def _assert_one_complete_check(source: Source, run_key: str) -> LinkCheck:
    checks = list(LinkCheck.objects.filter(source=source))
    assert len(checks) == 1, checks
    check = checks[0]
    assert check.run_key == run_key
    assert check.outcome == Outcome.OK
    assert check.http_status == 200
    source.refresh_from_db()
    assert source.health == Health.OK
    assert source.last_outcome == Outcome.OK
    assert source.last_status == 200
    assert source.last_checked_at == check.checked_at
    assert source.consecutive_failures == 0
    assert source.first_failure_at is None
    assert source.next_check_at > timezone.now()
    return check


@pytest.fixture
def worker_env(transactional_db, needs_postgres_and_redis, throwaway_redis):
    # The check must still be stalled when we kill: a deadline well past the kill.
    return app_env(
        database_url=test_database_url(),
        redis=throwaway_redis,
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY),
        LINKCHECK_DEADLINE="30",
        LINKCHECK_READ_TIMEOUT="25",
    )


def test_whole_worker_killed_mid_check_task_is_delivered_again(worker_env, throwaway_redis, site, processes):
    source = factories.SourceFactory(url=site.url("/stall/whole-worker"))
    first = Worker("killed-worker", worker_env, pool="prefork", concurrency=1)
    processes.append(first)
    first.wait_ready()
    with broker(throwaway_redis.url(1)) as conn:
        task_id = send(conn, check_source, source.pk)
    assert wait_for(lambda: site.hit("/stall/whole-worker") == 1, timeout=20), first.output()[-3000:]
    delivered_at = time.monotonic()

    first.kill_group(signal.SIGKILL)  # parent and child, mid-check: no one left to requeue
    killed_at = time.monotonic()
    site.release()  # from now on the page answers at once
    assert not LinkCheck.objects.filter(source=source).exists()  # nothing half-written
    source.refresh_from_db()
    assert (source.health, source.last_checked_at) == (Health.UNKNOWN, None)
    assert throwaway_redis.client(BROKER_DB).zcard("unacked_index") == 1  # the message is held, not lost

    time.sleep(max(0.0, VISIBILITY - (time.monotonic() - delivered_at)))
    second = Worker("second-worker", worker_env, pool="prefork", concurrency=1)
    processes.append(second)
    assert wait_for(lambda: LinkCheck.objects.filter(source=source).exists(), timeout=40), second.output()[-3000:]
    recovered = time.monotonic() - killed_at
    assert wait_for(lambda: broker_idle(throwaway_redis.client(BROKER_DB)), timeout=10)  # no delivery left to come
    _assert_one_complete_check(source, f"task-{task_id}")
    assert site.hit("/stall/whole-worker") == 2  # once by the killed worker, once by the second
    print(f"whole worker killed: checked again {recovered:.1f} s after the kill (visibility timeout {VISIBILITY} s)")


def test_pool_child_killed_mid_check_task_is_requeued_at_once(worker_env, throwaway_redis, site, processes):
    source = factories.SourceFactory(url=site.url("/stall/child"))
    worker = Worker("child-killed-worker", worker_env, pool="prefork", concurrency=1)
    processes.append(worker)
    worker.wait_ready()
    with broker(throwaway_redis.url(1)) as conn:
        task_id = send(conn, check_source, source.pk)
    assert wait_for(lambda: site.hit("/stall/child") == 1, timeout=20), worker.output()[-3000:]
    children = worker.children()
    assert len(children) == 1
    os.kill(children[0], signal.SIGKILL)
    killed_at = time.monotonic()
    site.release()

    assert wait_for(lambda: LinkCheck.objects.filter(source=source).exists(), timeout=30), worker.output()[-3000:]
    recovered = time.monotonic() - killed_at
    assert wait_for(lambda: broker_idle(throwaway_redis.client(BROKER_DB)), timeout=10)  # no delivery left to come
    _assert_one_complete_check(source, f"task-{task_id}")
    assert site.hit("/stall/child") == 2
    assert worker.alive()  # the same worker carried on with a new child
    assert "WorkerLostError" in worker.output()
    print(f"pool child killed: checked again {recovered:.1f} s after the kill, by the same worker")
