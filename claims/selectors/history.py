"""A claim's history as readers and the newsroom see it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from ..models import Claim, Evidence
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


# --- the reviewers' timeline (claims.timeline builds its rows) ----------------------------------------------------


def _related_fields(model) -> list[str]:
    # Every relation of a history row (history_user, article, reviewer, and any added later): joined, so a
    # timeline of any length is one query.
    return [f.name for f in model._meta.fields if f.is_relation]


def claim_records(*, claim_id: int, user, min_version: int | None = None) -> QuerySet:
    """The claim's history records this user may see (claims.selectors.visibility), oldest first, with the rows
    they point to; from ``min_version`` on when given."""
    records = claim_history_visible(user=user).filter(id=claim_id)
    if min_version is not None:
        records = records.filter(version__gte=min_version)
    return records.select_related(*_related_fields(Claim.history.model)).order_by("history_date", "history_id")


def evidence_records(*, claim_id: int, user) -> QuerySet:
    """The history of the evidence a claim cites and cited, oldest first; reviewers only (a citation added and
    removed while the claim was a draft is no public state)."""
    records = Evidence.history.filter(claim_id=claim_id)
    if not user_sees_drafts(user):
        return records.none()
    return records.select_related("history_user", "source").order_by("history_date", "history_id")


def claim_last_record_instance(*, claim_id, user) -> Claim | None:
    """The claim as its last record this user may see has it (a deleted claim's history page); None if none."""
    try:
        record = claim_history_visible(user=user).filter(id=claim_id).order_by("-history_date", "-history_id").first()
    except (ValueError, ValidationError):  # not an id
        return None
    return record.instance if record is not None else None
