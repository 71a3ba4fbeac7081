"""Reads of sources that depend on claims: which sources a user may see (those cited by claims they may see),
and what the link checker reads of the evidence citing a source. sources reaches these through claims.seam."""

from __future__ import annotations

from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from factcheck.db import built_once
from sources.models import LinkCheck, Source

from ..models import Evidence
from .visibility import public_status_sql, user_sees_drafts


def source_list(*, user) -> QuerySet[Source]:
    """Sources cited by at least one claim the user may see (all sources for reviewers), newest first."""
    if user_sees_drafts(user):
        return Source.objects.order_by("-id")
    return built_once(("public_sources",), _public_sources)


def _public_sources() -> QuerySet[Source]:
    # The visibility rule as SQL: composed through the ORM this EXISTS cost more to build than the page to read.
    cited_by_public_claim = RawSQL(
        "EXISTS (SELECT 1 FROM claims_evidence e JOIN claims_claim c ON c.id = e.claim_id"
        f" WHERE e.source_id = sources_source.id AND {public_status_sql('c.status')})",
        (),
        output_field=BooleanField(),
    )
    return Source.objects.filter(cited_by_public_claim).order_by("-id")


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
