"""A claim's history as readers and the newsroom see it."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from ..models import Claim
from .visibility import claim_history_visible, user_sees_drafts

HISTORY_FIELDS = ("verdict", "explanation", "status")


def claim_history(*, claim: Claim, user) -> QuerySet:
    """The claim's verdict, explanation and status changes, newest first, each with the values before it.

    Reviewers read every record. Public users read the records of the claim's public states only (its publication,
    corrections, retraction), each compared with the public state before it: the first publication has nothing
    before it, and a correction made through a re-review goes from the old public text straight to the new one.
    """
    seen = claim_history_visible(user=user)
    # "Before" is read from the same records, so a public reader's previous values are a public state's too.
    before = seen.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id")).order_by("-history_id")
    records = (
        seen.filter(id=claim.pk)
        .annotate(**{f"prev_{name}": Subquery(before.values(name)[:1]) for name in HISTORY_FIELDS})
        .annotate(has_prev=Exists(before))
    )
    changed = Q(has_prev=False)
    for name in HISTORY_FIELDS:
        changed |= ~Q(**{name: F(f"prev_{name}")})
    records = records.filter(changed).only(
        "history_id", "history_date", "history_type", "history_user_id", *HISTORY_FIELDS
    )
    if user_sees_drafts(user):
        records = records.select_related("history_user")
    return records.order_by("-history_id")
