"""The rule of public changes: what a save does to the state readers see, and when it needs a public note.

Pure (no database): claims.services.claim_save asks it on every write, with the claim's last public state read from
its history, and issue 19's outbox is to emit its events (claim.published, claim.corrected, claim.retracted,
claim.updated_minor) from the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from .choices import PUBLIC_STATUSES, ClaimStatus, CorrectionKind


@dataclass(frozen=True)
class PublicState:
    """What readers see of a claim: whether and how it is shown, the verdict and the explanation."""

    status: str
    verdict: str
    explanation: str


# Kinds that tell readers we were wrong or withdrew a check: never without a public note.
NOTE_REQUIRED = frozenset({CorrectionKind.CORRECTED, CorrectionKind.RETRACTED})

# Kinds the site-wide log (/corrections/) lists; a claim's own log shows every kind.
SITE_LOG_KINDS = (CorrectionKind.CORRECTED, CorrectionKind.RETRACTED)


def is_public(status: str) -> bool:
    return status in PUBLIC_STATUSES


def public_change_kind(previous: PublicState | None, new: PublicState, *, minor: bool = False) -> str | None:
    """What saving ``new`` does to readers, given the claim's last public state ``previous`` (None if it never had
    one): a CorrectionKind, or None when readers see no change (a draft edit, a re-review still under way, an edit
    of fields other than verdict, explanation and status).

    A state that is not public changes nothing yet: a claim back in review is compared, once published again, with
    the public state it left, so its intermediate verdicts are never part of the public record. ``minor`` makes an
    explanation-only change an update rather than a correction; it never makes a verdict change minor.
    """
    if not is_public(new.status):
        return None
    if previous is None:
        return CorrectionKind.PUBLISHED
    if new.status == ClaimStatus.RETRACTED and previous.status != ClaimStatus.RETRACTED:
        return CorrectionKind.RETRACTED
    if new.status != previous.status or new.verdict != previous.verdict:
        return CorrectionKind.CORRECTED  # a new verdict, or a retracted check reinstated
    if new.explanation != previous.explanation:
        return CorrectionKind.UPDATED if minor else CorrectionKind.CORRECTED
    return None


def needs_note(kind: str | None) -> bool:
    return kind in NOTE_REQUIRED
