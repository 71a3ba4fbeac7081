from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY

    dependencies = [
        ("sources", "0004_check_rollups"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="source",
            index=models.Index(
                condition=models.Q(("health", "dead"), ("last_checked_at__isnull", False)),
                fields=["last_checked_at"],
                name="source_dead_checked_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="source",
            index=models.Index(
                condition=models.Q(("health", "dead")),
                fields=["domain"],
                include=("archive_url",),
                name="source_dead_domain_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="source",
            index=models.Index(
                condition=models.Q(("archive_url", ""), ("health", "dead")), fields=["id"], name="source_lost_idx"
            ),
        ),
    ]
