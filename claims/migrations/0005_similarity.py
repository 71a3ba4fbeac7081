"""pg_trgm and a GIN trigram index on claim text, for claims.similarity (PostgreSQL only).

The index is not declared on the model: Django cannot express it portably, and on SQLite (make run) there is
nothing to create. Both steps are no-ops there.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS claim_text_trgm_idx ON claims_claim USING gin (text gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS claim_text_trgm_idx")


class Migration(migrations.Migration):

    dependencies = [
        ("claims", "0004_search_vector"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
