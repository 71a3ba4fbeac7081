"""Assignment: whose claims they are, which are overdue, which wait for someone. Each rule is defined here once;
the dashboard counts these querysets and the admin's list filters apply the same ones, so a count is the number of
rows its link shows.

A claim is *open* while it is a draft or in review: published and retracted claims ask nothing of their assignee
until they go back to review. *Overdue* is an open claim whose due date has passed, whoever it is assigned to.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from factcheck.db import InConstants

from ..choices import PUBLIC_STATUSES, ClaimStatus
from ..models import Claim

# Every status but the public ones: written from PUBLIC_STATUSES, so a new public status is closed here too.
OPEN_STATUSES = tuple(status for status in ClaimStatus if status not in PUBLIC_STATUSES)


def open_condition() -> InConstants:
    """The claims still being worked on (the statuses as constants: factcheck.db.InConstants)."""
    return InConstants("status", OPEN_STATUSES)


def overdue_condition(*, now: datetime) -> Q:
    """The overdue rule as a filter on claims: open, with a due date before ``now``."""
    return Q(open_condition(), due_at__lt=now)


def is_overdue(claim: Claim, *, now: datetime) -> bool:
    """The same rule for a claim in hand (tests hold it to overdue_condition)."""
    return claim.due_at is not None and claim.due_at < now and claim.status in OPEN_STATUSES


def _claims(claims: QuerySet[Claim] | None) -> QuerySet[Claim]:
    return Claim.objects.all() if claims is None else claims


def claims_assigned_to(*, user, claims: QuerySet[Claim] | None = None) -> QuerySet[Claim]:
    """Open claims (of ``claims``, all by default) assigned to ``user``: "Assigned to me"."""
    return _claims(claims).filter(open_condition(), assignee=user)


def claims_overdue(*, now: datetime, claims: QuerySet[Claim] | None = None) -> QuerySet[Claim]:
    """Open claims past their due date, whoever has them."""
    return _claims(claims).filter(overdue_condition(now=now))


def claims_unassigned_in_review(claims: QuerySet[Claim] | None = None) -> QuerySet[Claim]:
    """Claims in review that nobody is assigned to: waiting for someone to take them."""
    return _claims(claims).filter(InConstants("status", [ClaimStatus.IN_REVIEW]), assignee__isnull=True)
