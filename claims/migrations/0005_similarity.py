"""pg_trgm and a GIN trigram index on claim text, for claims.similarity.

The index is not declared on the model, so the migration creates it with SQL.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


def create_index(apps, schema_editor):
    schema_editor.execute("CREATE INDEX IF NOT EXISTS claim_text_trgm_idx ON claims_claim USING gin (text gin_trgm_ops)")


def drop_index(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS claim_text_trgm_idx")


class Migration(migrations.Migration):

    dependencies = [
        ("claims", "0004_search_vector"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
