"""The beat's daily row that forgets final deliveries past WEBHOOK_DELIVERY_RETENTION_DAYS (at 03:40, a quiet hour)."""

from django.db import migrations

SCHEDULE = ("Webhooks: forget old deliveries", "notifications.tasks.webhook_deliveries_prune")


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    name, task = SCHEDULE
    if PeriodicTask.objects.filter(name=name).exists():
        return  # edited in the admin already: leave it as the editor left it
    cron, _ = CrontabSchedule.objects.get_or_create(
        minute="40", hour="3", day_of_week="*", day_of_month="*", month_of_year="*"
    )
    PeriodicTask.objects.create(name=name, task=task, crontab=cron, enabled=True)


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SCHEDULE[0]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0005_capture_events"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
