"""Who sees which claims: the one visibility rule, which every read of claims and of what hangs off them asks.

Reviewers (the Reviewer group, or staff given ``claims.change_claim``) see every claim. Everyone else, anonymous
users and researchers alike, sees published and retracted claims only, and only what those claims cite or come
from; of a claim's history, only the states that were themselves public. The API and the admin both read through
these functions. As NetBox's ``RestrictedQuerySet.restrict(user, action)``: callers never write the rule themselves.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q, QuerySet

from factcheck.db import InConstants, sql_constants

from ..choices import PUBLIC_STATUSES, ClaimStatus
from ..models import Claim, Evidence, Tag

# The permission that makes a user a reviewer: who may change claims sees them at every stage.
SEES_DRAFTS_PERMISSION = "claims.change_claim"

# The public statuses as an SQL list of constants (see factcheck.db.InConstants for why not parameters).
PUBLIC_STATUSES_SQL = sql_constants(PUBLIC_STATUSES)


def user_sees_drafts(user) -> bool:
    """True for reviewers: they see every claim, drafts and claims in review included."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(SEES_DRAFTS_PERMISSION))


def user_sees_assignment(user) -> bool:
    """True for reviewers: who a claim is assigned to and by when is the desk's business, as the history's "who"
    is. Everyone else reads no assignee and no due date (null in the API), even of a published claim."""
    return user_sees_drafts(user)


def reviewers() -> QuerySet:
    """Active staff who may review (SEES_DRAFTS_PERMISSION directly, through a group, or as superusers): whom a
    claim may be assigned to, since they open it in the admin. user_sees_drafts in SQL, plus staff; a test holds
    the two to each other."""
    app_label, codename = SEES_DRAFTS_PERMISSION.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    User = get_user_model()
    granted = (
        Q(is_superuser=True)
        | Q(Exists(permission.filter(user=OuterRef("pk"))))
        | Q(Exists(permission.filter(group__user=OuterRef("pk"))))
    )
    return User.objects.filter(granted, is_active=True, is_staff=True).order_by(User.USERNAME_FIELD)


def user_sees_check_details(user) -> bool:
    """True for reviewers: they read the link checker's own error text, which names the hosts and addresses it
    resolved; everyone else reads the outcome in words (sources.choices.check_error_shown)."""
    return user_sees_drafts(user)


def user_sees_captures(user) -> bool:
    """True for reviewers: a source's captures (their text, the fetcher's own errors, when and why each was taken)
    are the desk's working record, not yet the readers'; and only they ask for one."""
    return user_sees_drafts(user)


def public_claims() -> QuerySet[Claim]:
    """What anyone may see: published and retracted claims."""
    return restrict(Claim.objects.all(), user=None)


def claims_visible(*, user) -> QuerySet[Claim]:
    """The claims this user may see."""
    return restrict(Claim.objects.all(), user=user)


def restrict(claims: QuerySet, *, user) -> QuerySet:
    """``claims`` (or snapshots of claims: their history records) narrowed to what this user may see."""
    if user_sees_drafts(user):
        return claims
    return claims.filter(_public("status"))


def visible_claims_condition(*, user, through: str):
    """The rule as a condition on the claims reached through ``through`` (``"claims"`` from an article or a tag,
    ``"evidence__claim"`` from a source), for counting only the claims this user may see; None for reviewers."""
    return None if user_sees_drafts(user) else _public(f"{through}__status")


def _public(status_field: str) -> InConstants:
    return InConstants(status_field, PUBLIC_STATUSES)


def restrict_evidence(evidence: QuerySet[Evidence], *, user) -> QuerySet[Evidence]:
    """``evidence`` narrowed to the pieces cited by claims this user may see."""
    if user_sees_drafts(user):
        return evidence
    return evidence.filter(_public("claim__status"))


def restrict_corrections(corrections: QuerySet, *, user) -> QuerySet:
    """Public log entries (claims.models.Correction) narrowed to those of claims this user may see. The entries
    are public states by construction; a claim back in review hides its log with its page until it is public
    again."""
    if user_sees_drafts(user):
        return corrections
    return corrections.filter(_public("claim__status"))


def restrict_tags(tags: QuerySet[Tag], *, user) -> QuerySet[Tag]:
    """``tags`` narrowed to those on at least one claim this user may see (a tag only drafts carry names their
    subject)."""
    if user_sees_drafts(user):
        return tags
    return tags.filter(Exists(claims_visible(user=user).filter(tags=OuterRef("pk"))))


def claim_history_visible(*, user) -> QuerySet:
    """The claims' history records this user may see: every record for reviewers; for everyone else the snapshots
    of public states of claims they may see now. Nothing written while a claim was a draft or in review (before its
    first publication, or while a published claim went back to review) is among them, whatever came after."""
    records = Claim.history.model.objects.all()
    if user_sees_drafts(user):
        return records
    return restrict(records, user=user).filter(Exists(claims_visible(user=user).filter(pk=OuterRef("id"))))


def feed_claims() -> QuerySet[Claim]:
    """What the public feeds list: published claims (a retracted one leaves the feed, its page stays public)."""
    return Claim.objects.filter(InConstants("status", [ClaimStatus.PUBLISHED]))


def public_status_sql(column: str) -> str:
    """The rule for one claim row in hand-written SQL: ``column`` names the claim's status column."""
    return f"{column} IN {PUBLIC_STATUSES_SQL}"


def visible_status_sql(column: str, *, user) -> str:
    """An SQL condition on a claim's status column that keeps what this user may see ("TRUE" for reviewers)."""
    return "TRUE" if user_sees_drafts(user) else public_status_sql(column)
