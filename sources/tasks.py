"""Celery jobs of the link checker. Thin: each re-reads by id and calls a service.

Reliability: acks_late + reject_on_worker_lost (settings) mean a task whose worker died is
delivered again; that is safe because every check is recorded once per (source, run_key) and the
run key of a redelivered task is the same (passed in, or the task id). Retries, with backoff and
jitter, are for the job's own troubles (database, Redis, broker), never for a dead link: that is a
result, recorded like any other.
"""

from __future__ import annotations

import botocore.exceptions
import kombu.exceptions
import redis.exceptions
from celery import shared_task
from celery.utils.log import get_task_logger
from django.conf import settings
from django.db import InterfaceError, OperationalError

from . import rollups
from .capture import CaptureRequest
from .capture import source_capture as source_capture_take
from .capture import sources_capture as sources_capture_take
from .choices import CaptureStatus
from .models import Source
from .services import new_run_key, source_check, sources_check, sources_claim_due
from .services import sources_capture_due as sources_capture_due_enqueue

logger = get_task_logger(__name__)

RETRY_FOR = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
)
_DEADLINE = int(settings.LINKCHECK_DEADLINE)
_RELIABLE = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": RETRY_FOR,
    "retry_backoff": 5,
    "retry_backoff_max": 600,  # well under the broker's visibility timeout
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(bind=True, soft_time_limit=4 * _DEADLINE + 30, time_limit=4 * _DEADLINE + 60, **_RELIABLE)
def check_source(self, source_id: int, run_key: str | None = None) -> str | None:
    """Check one source; a redelivered task reuses its run key, so it records one LinkCheck."""
    if not Source.objects.filter(id=source_id).exists():
        return None
    check = source_check(source_id=source_id, run_key=run_key or f"task-{self.request.id}")
    return check.outcome if check else None


@shared_task(
    bind=True,
    soft_time_limit=int(settings.LINKCHECK_BATCH_BUDGET) + 3 * _DEADLINE + 60,
    time_limit=int(settings.LINKCHECK_BATCH_BUDGET) + 3 * _DEADLINE + 120,
    **_RELIABLE,
)
def check_sources_batch(self, source_ids: list[int], run_key: str | None = None) -> dict:
    """Check many sources concurrently in this one task (one event loop), results written in bulk."""
    report = sources_check(
        source_ids=source_ids, run_key=run_key or f"task-{self.request.id}", budget=settings.LINKCHECK_BATCH_BUDGET
    )
    logger.info(
        "run %s: %d checked, %d already done, %d deferred in %.1f s",
        report.run_key,
        len(report.recorded),
        len(report.duplicates),
        len(report.deferred),
        report.seconds,
    )
    return {"run_key": report.run_key, "outcomes": dict(report.outcomes), "deferred": report.deferred}


@shared_task(bind=True, soft_time_limit=120, time_limit=180, **_RELIABLE)
def check_due_sources(self) -> int:
    """Beat: claim the due sources (each at most once, even with two beats) and enqueue them in batches."""
    claimed = sources_claim_due()
    size = max(1, settings.LINKCHECK_BATCH_SIZE)
    run_key = new_run_key("due")
    for number, start in enumerate(range(0, len(claimed), size)):
        check_sources_batch.delay(claimed[start : start + size], f"{run_key}-{number}")
    return len(claimed)


@shared_task(bind=True, soft_time_limit=1800, time_limit=1900, **_RELIABLE)
def check_rollups_rebuild(self) -> dict:
    """Beat, weekly: recompute the dashboard's link-check rollups from the whole history (a repair: the service
    keeps them current as checks are recorded). Safe to run twice: the same history gives the same rows."""
    return rollups.check_rollups_rebuild()


# A capture also writes to storage: the disk (OSError) or an S3 bucket (botocore) may fail for a while too. A page
# that cannot be fetched is not among these: it is a failed capture, recorded.
CAPTURE_RETRY_FOR = (*RETRY_FOR, OSError, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)
_CAPTURE_RELIABLE = {**_RELIABLE, "autoretry_for": CAPTURE_RETRY_FOR}


@shared_task(bind=True, soft_time_limit=4 * _DEADLINE + 60, time_limit=4 * _DEADLINE + 90, **_CAPTURE_RELIABLE)
def source_capture(
    self, source_id: int, reason: str, evidence_id: int | None = None, key: str | None = None
) -> dict | None:
    """Capture one source; a redelivered task has the same key, so it takes one capture."""
    capture = source_capture_take(
        source_id=source_id, reason=reason, evidence_id=evidence_id, key=key or f"task-{self.request.id}"
    )
    return {"capture": capture.pk, "status": capture.status} if capture else None


@shared_task(
    bind=True,
    soft_time_limit=int(settings.LINKCHECK_BATCH_BUDGET) + 3 * _DEADLINE + 60,
    time_limit=int(settings.LINKCHECK_BATCH_BUDGET) + 3 * _DEADLINE + 120,
    **_CAPTURE_RELIABLE,
)
def sources_capture(self, requests: list[dict]) -> dict:
    """Capture many sources in this one task, CAPTURE_CONCURRENCY at once; each request names its key."""
    captures = sources_capture_take(requests=[CaptureRequest.of_task_argument(r) for r in requests])
    return {"captured": len(captures), "failed": sum(1 for c in captures if c.status != CaptureStatus.OK)}


@shared_task(bind=True, soft_time_limit=120, time_limit=180, **_RELIABLE)
def sources_capture_due(self) -> int:
    """Beat: claim the sources due a scheduled capture (each at most once, even with two beats), queue them."""
    return sources_capture_due_enqueue(run_key=f"task-{self.request.id}")
