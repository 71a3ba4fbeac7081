"""The outbox's after-commit nudges are paced per process (notifications.dispatch.NudgeClock): one at once, the next
held to the end of WEBHOOK_NUDGE_INTERVAL_SECONDS, none while a held one is queued (it runs after the commit that
skipped, so it sees that commit's events). A burst of commits sends two tasks per interval, not one per commit."""

import pytest
from django.db import transaction

import notifications.dispatch
from notifications.dispatch import NudgeClock
from notifications.outbox import event_record


def test_the_first_nudge_goes_at_once_the_next_waits_for_the_interval_and_a_queued_one_covers_the_rest():
    clock = NudgeClock()
    assert clock.countdown(interval=0.5, now=100.0) == 0.0
    assert clock.countdown(interval=0.5, now=100.1) == pytest.approx(0.4)  # held to 100.5
    assert clock.countdown(interval=0.5, now=100.2) is None  # the one at 100.5 runs after this commit
    assert clock.countdown(interval=0.5, now=100.49) is None
    # the held nudge has run: the next commit's is held to the end of the interval after it
    assert clock.countdown(interval=0.5, now=100.6) == pytest.approx(0.4)
    assert clock.countdown(interval=0.5, now=101.5) == 0.0  # a quiet interval since: at once again


def test_zero_sends_one_per_commit():
    clock = NudgeClock()
    assert [clock.countdown(interval=0, now=t) for t in (1.0, 1.0, 1.001)] == [0.0, 0.0, 0.0]


@pytest.mark.django_db
def test_a_burst_of_commits_sends_one_nudge_at_once_and_one_held(monkeypatch, settings):
    settings.WEBHOOK_NUDGE_INTERVAL_SECONDS = 30.0  # the whole burst inside one interval, however slow the machine
    monkeypatch.setattr(notifications.dispatch, "NUDGES", NudgeClock())
    sent: list[float] = []

    def dispatch_soon(*, countdown: float = 0) -> bool:
        sent.append(countdown)
        return True

    monkeypatch.setattr(notifications.dispatch, "dispatch_soon", dispatch_soon)
    for n in range(5):
        with transaction.atomic():
            event_record(type="tip.received", order_key=f"tip:{n}", payload={"tip": n})
        # the test's transaction holds the callbacks: run them as each commit would
        for _, callback, _ in list(transaction.get_connection().run_on_commit):
            callback()
        transaction.get_connection().run_on_commit.clear()
    assert len(sent) == 2
    assert sent[0] == 0.0
    assert 0 < sent[1] <= 30.0
