"""The webhook worker's task (queue ``webhooks``). Thin: the table is the truth (notifications.delivery), so running
it twice, or after a lost run, only delivers what is due."""

from __future__ import annotations

from celery import shared_task

from sources.tasks import RETRY_FOR

from .delivery import webhooks_run
from .services import deliveries_prune


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=RETRY_FOR,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=10,
)
def webhooks_deliver(self) -> dict:
    """Dispatch the outbox's new events into deliveries, then send what is due until nothing is, or the run's time
    is up (another run is queued then). Run in-process (eagerly), it queues no follow-up: that would run at once,
    not later, and the beat's sweep comes anyway."""
    return webhooks_run(requeue=not self.request.is_eager)


@shared_task(acks_late=True, autoretry_for=RETRY_FOR, retry_backoff=2, retry_backoff_max=60, max_retries=10)
def webhook_deliveries_prune() -> int:
    """Daily (beat): forget final deliveries past WEBHOOK_DELIVERY_RETENTION_DAYS. Safe to run twice."""
    return deliveries_prune()
