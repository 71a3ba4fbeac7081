"""Reads of sources that depend on claims: which sources a user may see (those cited by claims they may see),
and what the link checker reads of the evidence citing a source. sources reaches these through claims.seam."""

from __future__ import annotations

from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from factcheck.db import built_once
from sources.models import LinkCheck, Source

from ..models import Evidence
from .visibility import public_status_sql, restrict_evidence, user_sees_drafts


def source_list(*, user) -> QuerySet[Source]:
    """Sources cited by at least one claim the user may see (all sources for reviewers), newest first."""
    if user_sees_drafts(user):
        return Source.objects.order_by("-id")
    # Everyone who does not see drafts sees the same sources: the public's queryset, built once.
    return built_once(("public_sources",), lambda: restrict_sources(Source.objects.all(), user=None).order_by("-id"))


def restrict_sources(sources: QuerySet[Source], *, user) -> QuerySet[Source]:
    """``sources`` narrowed to those cited by at least one claim this user may see (the API's rule and the
    admin's). A source only drafts cite is theirs: its url can name whom the desk is talking to."""
    if user_sees_drafts(user):
        return sources
    return sources.filter(_cited_by_public_claim("sources_source.id"))


def restrict_link_checks(checks: QuerySet[LinkCheck], *, user) -> QuerySet[LinkCheck]:
    """``checks`` narrowed to the checks of sources this user may see."""
    if user_sees_drafts(user):
        return checks
    return checks.filter(_cited_by_public_claim("sources_linkcheck.source_id"))


def _cited_by_public_claim(source_id_column: str) -> RawSQL:
    # The visibility rule as SQL: composed through the ORM this EXISTS cost more to build than the page to read.
    return RawSQL(cited_by_public_claim_sql(source_id_column), (), output_field=BooleanField())


def cited_by_public_claim_sql(source_id_column: str) -> str:
    """An SQL condition: a claim the public may see cites the source whose id is in ``source_id_column``."""
    return (
        "EXISTS (SELECT 1 FROM claims_evidence e JOIN claims_claim c ON c.id = e.claim_id"
        f" WHERE e.source_id = {source_id_column} AND {public_status_sql('c.status')})"
    )


def cited_before_sql(source_id_column: str, *, before_param: str) -> str:
    """An SQL condition: some evidence, of any claim, cited the source in ``source_id_column`` before the time the
    named parameter (``%(before_param)s``) holds."""
    return (
        "EXISTS (SELECT 1 FROM claims_evidence e"
        f" WHERE e.source_id = {source_id_column} AND e.created_at < %({before_param})s)"
    )


def source_get(*, source_id: int, user) -> Source:
    """One source the user may see (Source.DoesNotExist otherwise)."""
    return source_list(user=user).get(pk=source_id)


def source_checks(*, source: Source) -> QuerySet[LinkCheck]:
    """The source's link checks, newest first."""
    return LinkCheck.objects.filter(source=source).order_by("-checked_at", "-id")


def evidence_excerpts_for_sources(*, source_ids) -> dict[int, list[tuple[int, str]]]:
    """For each source, the (evidence id, excerpt) pairs the checker must look for on the page."""
    excerpts: dict[int, list[tuple[int, str]]] = {}
    rows = (
        Evidence.objects.filter(source_id__in=list(source_ids))
        .exclude(excerpt="")
        .values_list("source_id", "id", "excerpt")
    )
    for source_id, evidence_id, excerpt in rows:
        excerpts.setdefault(source_id, []).append((evidence_id, excerpt))
    return excerpts


def evidence_citing_sources(*, source_ids) -> dict[int, list[tuple[int, int, str]]]:
    """For each source, the (evidence id, claim id, excerpt) of every piece of evidence citing it, oldest first: what
    a capture records of its citations (excerpts may be empty)."""
    citing: dict[int, list[tuple[int, int, str]]] = {}
    rows = (
        Evidence.objects.filter(source_id__in=list(source_ids))
        .order_by("source_id", "id")
        .values_list("source_id", "id", "claim_id", "excerpt")
    )
    for source_id, evidence_id, claim_id, excerpt in rows:
        citing.setdefault(source_id, []).append((evidence_id, claim_id, excerpt))
    return citing


def claims_citing_sources(*, source_ids, limit: int = 100) -> dict[int, list[int]]:
    """For each source, the ids of the claims citing it (at most ``limit``, oldest first): what a desk event about a
    source names."""
    citing: dict[int, list[int]] = {}
    rows = (
        Evidence.objects.filter(source_id__in=list(source_ids))
        .order_by("source_id", "claim_id")
        .distinct("source_id", "claim_id")
        .values_list("source_id", "claim_id")
    )
    for source_id, claim_id in rows:
        ids = citing.setdefault(source_id, [])
        if len(ids) < limit:
            ids.append(claim_id)
    return citing


def evidence_of_ids(*, evidence_ids, user) -> QuerySet[Evidence]:
    """These pieces of evidence (those of claims this user may see), with their claim and source: what a check
    reports of them."""
    evidence = Evidence.objects.filter(pk__in=list(evidence_ids)).select_related("claim", "source")
    return restrict_evidence(evidence, user=user).order_by("claim_id", "id")
