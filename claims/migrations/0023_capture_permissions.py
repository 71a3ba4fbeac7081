"""Reviewers and researchers view captures (claims.groups READ_ONLY). Here rather than in sources' migration: the
roles are claims', and sources imports nothing of claims but its seam."""

from django.db import migrations

from claims.groups import sync_groups


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0022_verbose_names"),
        ("sources", "0007_captures"),
    ]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
