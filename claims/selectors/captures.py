"""Reads of the captures of what a claim cites: its evidence bundle (sources.bundle)."""

from __future__ import annotations

from sources.bundle import Citation
from sources.choices import CaptureStatus
from sources.models import Capture

from ..models import Evidence


def claim_citations(*, claim_id: int) -> list[Citation]:
    """Each piece of the claim's evidence with its source's latest capture that succeeded (None if it has none),
    oldest evidence first. Two queries whatever the number of sources: the evidence, then one read of the captures
    (DISTINCT ON, along the index of a source's captures newest first). The caller has checked the claim is
    visible."""
    evidence = list(
        Evidence.objects.filter(claim_id=claim_id)
        .select_related("source")
        .only("id", "claim_id", "excerpt", "source__id", "source__url", "source__title")
        .order_by("id")
    )
    latest = {
        capture.source_id: capture
        for capture in Capture.objects.filter(source_id__in=[e.source_id for e in evidence], status=CaptureStatus.OK)
        .select_related("duplicate_of")
        .order_by("source_id", "-fetched_at", "-id")
        .distinct("source_id")
    }
    return [
        Citation(
            evidence_id=e.pk,
            claim_id=e.claim_id,
            source_id=e.source_id,
            source_url=e.source.url,
            source_title=e.source.title,
            excerpt=e.excerpt,
            capture=latest.get(e.source_id),
        )
        for e in evidence
    ]
