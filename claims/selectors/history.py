"""A claim's history as readers and the newsroom see it."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from ..models import Claim
from .visibility import user_sees_drafts

HISTORY_FIELDS = ("verdict", "explanation", "status")


def claim_history(*, claim: Claim, user) -> QuerySet:
    """The claim's verdict, explanation and status changes, newest first, each with the values before it.

    Public users see the record from publication on (the publishing itself, then corrections and retraction);
    what happened while it was a draft is the newsroom's.
    """
    History = Claim.history.model
    before = History.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id")).order_by("-history_id")
    records = (
        History.objects.filter(id=claim.pk)
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
        return records.select_related("history_user").order_by("-history_id")
    if claim.published_at is None:
        return records.none()
    return records.filter(history_date__gte=claim.published_at).order_by("-history_id")
