"""The public log of claims published before it existed, rebuilt from their history: each claim's public states in
order, compared by the same rule claims.services applies to every save (claims.corrections, pure code with no model
of its own, so this migration may import it). No note was asked for then, so the entries have none; an explanation
edit of a published claim is logged as a minor update, since nobody marked it either way."""

from django.db import migrations
from django.db.models.functions import MD5

from claims.choices import PUBLIC_STATUSES
from claims.corrections import PublicState, public_change_kind

BATCH = 5000


def log_from_history(apps, schema_editor):
    HistoricalClaim = apps.get_model("claims", "HistoricalClaim")
    Correction = apps.get_model("claims", "Correction")
    if Correction.objects.exists():
        return  # the services have been writing it already: nothing to rebuild
    records = (
        HistoricalClaim.objects.filter(status__in=PUBLIC_STATUSES)
        .order_by("id", "history_id")
        # The rule only compares explanations: their hashes are enough, and keep long texts out of memory.
        .values_list("id", "history_date", "history_user_id", "published_at", "status", "verdict", MD5("explanation"))
    )
    batch, claim_id, previous = [], None, None
    for record_claim, when, user_id, published_at, status, verdict, explanation in records.iterator(chunk_size=BATCH):
        if record_claim != claim_id:
            claim_id, previous = record_claim, None
        state = PublicState(status=status, verdict=verdict, explanation=explanation)
        kind = public_change_kind(previous, state, minor=True)
        if kind is not None:
            batch.append(
                Correction(
                    claim_id=claim_id,
                    kind=kind,
                    verdict_before=previous.verdict if previous else "",
                    verdict_after=verdict,
                    created_at=(published_at or when) if previous is None else when,
                    created_by_id=user_id,
                )
            )
        previous = state
        if len(batch) >= BATCH:
            Correction.objects.bulk_create(batch)
            batch = []
    Correction.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("claims", "0015_correction_public_log")]

    operations = [migrations.RunPython(log_from_history, migrations.RunPython.noop)]
