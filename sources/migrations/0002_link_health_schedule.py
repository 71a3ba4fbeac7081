"""The link checker's beat schedule as django-celery-beat rows, so it can be changed in the admin."""

from django.db import migrations

TASKS = (
    # (name, task, schedule)
    ("Link health: check due sources", "sources.tasks.check_due_sources", ("interval", 60)),
    ("Claims: flag those past recheck_after", "claims.tasks.claims_flag_stale", ("crontab", "15", "3")),
)


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, schedule in TASKS:
        if PeriodicTask.objects.filter(name=name).exists():
            continue  # edited in the admin already: leave it as the editor left it
        if schedule[0] == "interval":
            every, _ = IntervalSchedule.objects.get_or_create(every=schedule[1], period="seconds")
            PeriodicTask.objects.create(name=name, task=task, interval=every, enabled=True)
        else:
            cron, _ = CrontabSchedule.objects.get_or_create(minute=schedule[1], hour=schedule[2], day_of_week="*",
                                                            day_of_month="*", month_of_year="*")
            PeriodicTask.objects.create(name=name, task=task, crontab=cron, enabled=True)


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _, _ in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
