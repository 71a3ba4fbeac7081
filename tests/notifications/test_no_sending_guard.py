"""The guard of the webhook tests (webhook_rows.nothing_is_sent) sees what it must see."""

from celery import current_app

from notifications.dispatch import DELIVER_TASK

from .webhook_rows import webhook_task_runs


def test_the_guard_sees_an_eager_run_of_the_webhook_task(db):
    """A run of the task in this process is recorded. Nothing is due in this test's database, so it sends nothing."""
    with webhook_task_runs() as runs:
        current_app.tasks[DELIVER_TASK].apply()
    assert len(runs) == 1
