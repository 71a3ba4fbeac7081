"""Waking the webhook worker. The outbox table is the truth; this is a hint that makes delivery prompt."""

from __future__ import annotations

from celery import current_app

from factcheck.failsafe import BROKER_DOWN, enqueue, warn_unavailable

DELIVER_TASK = "notifications.tasks.webhooks_deliver"


def dispatch_soon(*, countdown: float = 0) -> bool:
    """Queue a run of the webhook worker, now or in ``countdown`` seconds; False when the broker is away, which loses
    nothing: the beat's sweep runs it within WEBHOOK_SWEEP_SECONDS. The task is found by name, so the outbox below
    it imports no worker code."""
    task = current_app.tasks[DELIVER_TASK]
    if countdown <= 0:
        return enqueue(task)
    try:
        task.apply_async(countdown=countdown)
    except BROKER_DOWN as exc:
        warn_unavailable(f"broker (could not queue {task.name})", exc)
        return False
    return True
