"""Who sees which claims: the one visibility rule, which every read of claims and of what hangs off them asks.

Reviewers (the Reviewer group, or staff given ``claims.change_claim``) see every claim. Everyone else, anonymous
users and researchers alike, sees published and retracted claims only, and only what those claims cite or come
from. As NetBox's ``RestrictedQuerySet.restrict(user, action)``: callers never write the rule themselves.
"""

from __future__ import annotations

from django.db.models import QuerySet

from factcheck.db import InConstants, sql_constants

from ..choices import PUBLIC_STATUSES, ClaimStatus
from ..models import Claim

# The permission that makes a user a reviewer: who may change claims sees them at every stage.
SEES_DRAFTS_PERMISSION = "claims.change_claim"

# The public statuses as an SQL list of constants (see factcheck.db.InConstants for why not parameters).
PUBLIC_STATUSES_SQL = sql_constants(PUBLIC_STATUSES)


def user_sees_drafts(user) -> bool:
    """True for reviewers: they see every claim, drafts and claims in review included."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(SEES_DRAFTS_PERMISSION))


def user_sees_check_details(user) -> bool:
    """True for reviewers: they read the link checker's own error text, which names the hosts and addresses it
    resolved; everyone else reads the outcome in words (sources.choices.check_error_shown)."""
    return user_sees_drafts(user)


def public_claims() -> QuerySet[Claim]:
    """What anyone may see: published and retracted claims."""
    return restrict(Claim.objects.all(), user=None)


def claims_visible(*, user) -> QuerySet[Claim]:
    """The claims this user may see."""
    return restrict(Claim.objects.all(), user=user)


def restrict(claims: QuerySet[Claim], *, user) -> QuerySet[Claim]:
    """``claims`` narrowed to what this user may see."""
    if user_sees_drafts(user):
        return claims
    return claims.filter(InConstants("status", PUBLIC_STATUSES))


def feed_claims() -> QuerySet[Claim]:
    """What the public feeds list: published claims (a retracted one leaves the feed, its page stays public)."""
    return Claim.objects.filter(InConstants("status", [ClaimStatus.PUBLISHED]))


def public_status_sql(column: str) -> str:
    """The rule for one claim row in hand-written SQL: ``column`` names the claim's status column."""
    return f"{column} IN {PUBLIC_STATUSES_SQL}"


def visible_status_sql(column: str, *, user) -> str:
    """An SQL condition on a claim's status column that keeps what this user may see ("TRUE" for reviewers)."""
    return "TRUE" if user_sees_drafts(user) else public_status_sql(column)
