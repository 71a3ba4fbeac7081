"""Waking the webhook worker. The outbox table is the truth; this is a hint that makes delivery prompt."""

from __future__ import annotations

from celery import current_app

from factcheck.failsafe import enqueue

DELIVER_TASK = "notifications.tasks.webhooks_deliver"


def dispatch_soon() -> bool:
    """Queue a run of the webhook worker; False when the broker is away, which loses nothing: the beat's sweep runs
    it within WEBHOOK_SWEEP_SECONDS. The task is found by name, so the outbox below it imports no worker code."""
    return enqueue(current_app.tasks[DELIVER_TASK])
