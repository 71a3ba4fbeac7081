"""Waking the webhook worker. The outbox table is the truth; this is a hint that makes delivery prompt."""

from __future__ import annotations

import threading
import time

from celery import current_app
from django.conf import settings

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


class NudgeClock:
    """At most one nudge a WEBHOOK_NUDGE_INTERVAL_SECONDS per process, the one after a nudge held back to the end of
    the interval, not dropped: a burst of commits (a capture batch commits once a capture, a link-check run once a
    batch) sends two tasks a second instead of one a commit, and its last event waits at most the interval. A commit
    that finds a nudge already queued for later sends none: that task runs after this commit, so it sees its events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_sent = float("-inf")  # when the latest nudge was sent, or is due
        self._queued_until = float("-inf")  # a nudge is queued to run at this time

    def countdown(self, *, interval: float, now: float | None = None) -> float | None:
        """Seconds to delay this commit's nudge (0: now), or None when a queued one covers it."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if now < self._queued_until:
                return None
            if now - self._last_sent >= interval:
                self._last_sent = now
                return 0.0
            due = self._last_sent + interval
            self._last_sent = self._queued_until = due
            return due - now


NUDGES = NudgeClock()


def nudge_after_commit() -> bool:
    """The outbox's after-commit nudge, paced by NUDGES; False when the broker is away or none was needed."""
    countdown = NUDGES.countdown(interval=settings.WEBHOOK_NUDGE_INTERVAL_SECONDS)
    if countdown is None:
        return False
    return dispatch_soon(countdown=countdown) if countdown > 0 else dispatch_soon()
