"""'Needs attention': a claim whose every cited source is dead with no archived copy, so nothing left backs the
verdict. Every piece of evidence counts (supports, refutes, context); claims without evidence are not included."""

from __future__ import annotations

from django.db.models import BooleanField, Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL

from sources.choices import Health

from ..models import Claim, Evidence


def needs_attention_condition() -> Q:
    """The rule as a filter on claims.

    Computed from the small side: from the dead sources without an archive (a partial index holds them) to the
    claims citing them, keeping each claim whose pieces of that kind are as many as its pieces in all.
    """
    all_evidence = (
        Evidence.objects.filter(claim_id=OuterRef("claim_id")).order_by().values("claim_id").annotate(n=Count("*"))
    )
    lost = (
        Evidence.objects.filter(source__health=Health.DEAD, source__archive_url="")
        .order_by()
        .values("claim_id")
        .annotate(lost=Count("*"))
        .filter(lost=Subquery(all_evidence.values("n"), output_field=IntegerField()))
        .values("claim_id")
    )
    return Q(pk__in=lost)


def claims_needing_attention(queryset: QuerySet[Claim] | None = None) -> QuerySet[Claim]:
    """Claims (of ``queryset``, all by default) whose every cited source is dead with no archived copy."""
    queryset = Claim.objects.all() if queryset is None else queryset
    return queryset.filter(needs_attention_condition())


def needs_attention_sql(claim_id: str) -> str:
    """The rule for one claim in hand-written SQL; ``claim_id`` names the claim's id column."""
    return (
        "coalesce((SELECT bool_and(s.health = 'dead' AND s.archive_url = '') FROM claims_evidence e"
        f" JOIN sources_source s ON s.id = e.source_id WHERE e.claim_id = {claim_id}), false)"
    )


def needs_attention_annotation() -> RawSQL:
    """The rule as an annotation of a top-level query of claims (it names the outer table)."""
    return RawSQL(needs_attention_sql("claims_claim.id"), (), output_field=BooleanField())


def with_needs_attention(queryset: QuerySet[Claim]) -> QuerySet[Claim]:
    """Annotate ``needs_attention`` on the claims returned."""
    return queryset.annotate(needs_attention=needs_attention_annotation())
