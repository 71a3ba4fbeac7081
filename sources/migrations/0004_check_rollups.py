"""The dashboard's link-check rollups (sources.rollups): the tables, filled from the history there is, and the
weekly beat row of their repair."""

from django.db import migrations, models

REBUILD = ("Link health: rebuild the dashboard's rollups", "sources.tasks.check_rollups_rebuild")


def backfill(apps, schema_editor):
    # The service itself: the rollups are defined by its replay of the history (a fresh database has none).
    from sources.rollups import check_rollups_rebuild

    check_rollups_rebuild()


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    name, task = REBUILD
    if PeriodicTask.objects.filter(name=name).exists():
        return  # edited in the admin already: leave it as the editor left it
    cron, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="4", day_of_week="0", day_of_month="*", month_of_year="*"
    )
    PeriodicTask.objects.create(name=name, task=task, crontab=cron, enabled=True)


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=REBUILD[0]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0003_dashboard_indexes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="LinkCheckDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("outcome", models.CharField(choices=[("ok", "OK"), ("redirected", "Redirected (permanent)"), ("not_found", "Not found"), ("restricted", "Restricted (paywall or bot wall)"), ("client_error", "Client error"), ("server_error", "Server error"), ("rate_limited", "Rate limited"), ("timeout", "Timeout"), ("dns_error", "DNS error"), ("connection_error", "Connection error"), ("tls_error", "TLS error"), ("too_many_redirects", "Too many redirects"), ("redirect_loop", "Redirect loop"), ("blocked", "Blocked (address not allowed)"), ("invalid_url", "Invalid url")], max_length=24)),  # noqa: E501
                ("checks", models.IntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("day", "outcome"), name="linkcheckday_one_per_outcome")
                ],
            },
        ),
        migrations.CreateModel(
            name="SourceHealthWeek",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("week", models.DateField()),
                ("health", models.CharField(choices=[("unknown", "Unknown"), ("ok", "OK"), ("failing", "Failing"), ("dead", "Dead")], max_length=16)),  # noqa: E501
                ("sources", models.IntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("week", "health"), name="sourcehealthweek_one_per_health")
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
