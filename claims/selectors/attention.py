"""'Needs attention': a claim whose every cited source is dead with no archived copy, so nothing left backs the
verdict. Every piece of evidence counts (supports, refutes, context); claims without evidence are not included.

Every reader asks the per-claim evidence tally the triggers keep (claims.tally has the rule, claims.rollups the
tally's rows): a row probes its claim's tally by primary key, a filter keeps the claims whose tally is all lost.
"""

from __future__ import annotations

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from ..models import Claim, ClaimEvidenceTally
from ..rollups import all_lost_tallies
from ..tally import all_lost_sql


def needs_attention_condition() -> Q:
    """The rule as a filter on claims (``~`` for its opposite): their tally row is all lost. EXISTS, so the
    opposite is an anti-join."""
    return Q(Exists(all_lost_tallies().filter(claim_id=OuterRef("pk"))))


def claims_needing_attention(queryset: QuerySet[Claim] | None = None) -> QuerySet[Claim]:
    """Claims (of ``queryset``, all by default) whose every cited source is dead with no archived copy."""
    queryset = Claim.objects.all() if queryset is None else queryset
    return queryset.filter(needs_attention_condition())


def needs_attention_sql(claim_id: str) -> str:
    """The rule for one claim in hand-written SQL, a primary-key probe of its tally; ``claim_id`` names the claim's
    id column.

    A scalar subquery, not EXISTS: in a select list PostgreSQL may plan an EXISTS as a hashed subplan that reads
    every all-lost tally row for each page, where a page needs one probe per row.
    """
    tally = ClaimEvidenceTally._meta.db_table
    return f"coalesce((SELECT {all_lost_sql('t')} FROM {tally} t WHERE t.claim_id = {claim_id}), false)"


def needs_attention_annotation() -> RawSQL:
    """The rule as an annotation of a top-level query of claims (it names the outer table). Raw SQL, as the list's
    other annotations: it costs nothing to compose."""
    return RawSQL(needs_attention_sql(f"{Claim._meta.db_table}.id"), (), output_field=BooleanField())


def with_needs_attention(queryset: QuerySet[Claim]) -> QuerySet[Claim]:
    """Annotate ``needs_attention`` on the claims returned."""
    return queryset.annotate(needs_attention=needs_attention_annotation())
