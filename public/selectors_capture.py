"""What the public text view of a capture reads: one capture of a source a public claim cites, with that claim's
excerpt of it. Never a capture only a draft's source has (claims.selectors.visibility.public_claims is the rule)."""

from __future__ import annotations

from django.db.models import F

from claims.selectors.visibility import public_claims
from sources.choices import CaptureStatus
from sources.models import Capture

PUBLIC_CAPTURE_FIELDS = ("id", "sha256", "fetched_at", "text", "url", "final_url", "size", "excerpt", "claim_text")


def public_capture_row(*, claim_id: int, capture_id: int) -> dict | None:
    """One statement: the capture's fields and the excerpt the public claim cites it for; None when the claim is not
    public, does not cite the capture's source, or the capture holds no page (failed)."""
    return (
        Capture.objects.filter(
            pk=capture_id,
            status=CaptureStatus.OK,
            source__evidence__claim_id=claim_id,
            source__evidence__claim__in=public_claims(),
        )
        .annotate(excerpt=F("source__evidence__excerpt"), claim_text=F("source__evidence__claim__text"))
        .values(*PUBLIC_CAPTURE_FIELDS)
        .first()
    )
