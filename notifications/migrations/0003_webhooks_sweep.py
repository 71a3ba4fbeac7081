"""The beat's row for the webhook worker: every WEBHOOK_SWEEP_SECONDS it dispatches the outbox and sends what is due
(retries, and whatever the on-commit nudge missed while the broker was away)."""

from django.conf import settings
from django.db import migrations

SWEEP = ("Webhooks: dispatch the outbox and send due deliveries", "notifications.tasks.webhooks_deliver")


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    name, task = SWEEP
    if PeriodicTask.objects.filter(name=name).exists():
        return  # edited in the admin already: leave it as the editor left it
    seconds = int(getattr(settings, "WEBHOOK_SWEEP_SECONDS", 30) or 30)
    every, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
    # A sweep not taken within its interval is dropped: the next one does the same work, so a stopped worker does
    # not come back to a queue of identical runs.
    PeriodicTask.objects.create(name=name, task=task, interval=every, enabled=True, expire_seconds=seconds)


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP[0]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_event_feed_filters"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
