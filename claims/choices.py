from django.db import models
from django.utils.translation import gettext_lazy as _

from factcheck.colours import NOTHING_YET, ColouredChoices, Swatch


# Each choice with its colour (the admin's labels and charts): green for true, red for false, amber between,
# violet for misleading, grey when not rated; blue while in review, dark red once retracted. White text on
# each colour keeps a contrast of at least 4.5:1 (tests/test_colours.py).
class Verdict(ColouredChoices):
    UNRATED = "unrated", NOTHING_YET, _("Unrated")
    TRUE = "true", Swatch("#15803d"), _("True")
    MOSTLY_TRUE = "mostly_true", Swatch("#4d7c0f"), _("Mostly true")
    MIXED = "mixed", Swatch("#b45309"), _("Mixed")
    MOSTLY_FALSE = "mostly_false", Swatch("#c2410c"), _("Mostly false")
    FALSE = "false", Swatch("#b91c1c"), _("False")
    MISLEADING = "misleading", Swatch("#7e22ce"), _("Misleading")
    UNVERIFIABLE = "unverifiable", Swatch("#475569"), _("Unverifiable")


# The two sides a rating can fall on. Reviews on different sides disagree (the disagreement filter); a review's side
# is also the stance its page takes as evidence. Mixed, unverifiable and unrated take no side.
SUPPORTING_VERDICTS = (Verdict.TRUE, Verdict.MOSTLY_TRUE)
REFUTING_VERDICTS = (Verdict.FALSE, Verdict.MOSTLY_FALSE, Verdict.MISLEADING)


class ClaimStatus(ColouredChoices):
    DRAFT = "draft", NOTHING_YET, _("Draft")
    IN_REVIEW = "in_review", Swatch("#1d4ed8"), _("In review")
    PUBLISHED = "published", Swatch("#15803d"), _("Published")
    RETRACTED = "retracted", Swatch("#7f1d1d"), _("Retracted")


# Which status a claim may move to from each status. Publishing additionally needs the publishing rule.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    ClaimStatus.DRAFT: frozenset({ClaimStatus.IN_REVIEW, ClaimStatus.PUBLISHED}),
    ClaimStatus.IN_REVIEW: frozenset({ClaimStatus.DRAFT, ClaimStatus.PUBLISHED}),
    ClaimStatus.PUBLISHED: frozenset({ClaimStatus.IN_REVIEW, ClaimStatus.RETRACTED}),
    ClaimStatus.RETRACTED: frozenset({ClaimStatus.IN_REVIEW}),
}
# The statuses a new claim may start in: nothing can be retracted that was never published (and publishing straight
# away still needs the publishing rule).
INITIAL_STATUSES = frozenset({ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW, ClaimStatus.PUBLISHED})

# Statuses anonymous users and researchers may see.
PUBLIC_STATUSES = (ClaimStatus.PUBLISHED, ClaimStatus.RETRACTED)


class CorrectionKind(models.TextChoices):
    """What a change did to a claim's public state (claims.corrections.public_change_kind decides)."""

    PUBLISHED = "published", _("Published")
    CORRECTED = "corrected", _("Corrected")
    RETRACTED = "retracted", _("Retracted")
    UPDATED = "updated", _("Updated")


class Stance(models.TextChoices):
    SUPPORTS = "supports", _("Supports")
    REFUTES = "refutes", _("Refutes")
    CONTEXT = "context", _("Context")


class ExcerptStatus(models.TextChoices):
    UNCHECKED = "unchecked", _("Unchecked")
    FOUND = "found", _("Found")
    MISSING = "missing", _("Missing")


class ReviewEventKind(models.TextChoices):
    """A step of a claim's second review, as its history records it (claims.models.ClaimReviewEvent)."""

    APPROVED = "approved", _("Approved")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    NOTE_ADDED = "note_added", _("Note added")


# The events that decide a review: the latest of them, at the claim's current revision, says whether it is approved.
REVIEW_DECISIONS = (ReviewEventKind.APPROVED, ReviewEventKind.CHANGES_REQUESTED)
