"""The stored search vector of claims (claims.search), with its GIN index.

Existing rows are filled by 0012_search_vector_by_triggers, which computes the vector in PostgreSQL.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations

INDEX = django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="claim_search_vector_idx")


def fill(apps, schema_editor):
    """Nothing now: 0012_search_vector_by_triggers recomputes every claim's vector in PostgreSQL (this step used to
    call the Python tokenizer that the triggers replaced)."""


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0003_reviewer_researcher_groups"),
    ]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(model_name="claim", index=INDEX),
    ]
