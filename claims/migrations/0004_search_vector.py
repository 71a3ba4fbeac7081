"""The stored search vector of claims (claims.search), with its GIN index.

Existing rows are filled here, in batches, with the same Python code the services use (jieba cannot run
inside PostgreSQL).
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations

INDEX = django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="claim_search_vector_idx")


def fill(apps, schema_editor):
    from claims.search import claim_search_document

    Claim = apps.get_model("claims", "Claim")
    batch = []
    for claim in Claim.objects.select_related("article").only(
            "quote", "text", "claimant", "article__title").iterator(chunk_size=2000):
        claim.search_vector = claim_search_document(claim)
        batch.append(claim)
        if len(batch) >= 2000:
            Claim.objects.bulk_update(batch, ["search_vector"])
            batch = []
    if batch:
        Claim.objects.bulk_update(batch, ["search_vector"])


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
