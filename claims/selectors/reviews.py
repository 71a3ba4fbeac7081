"""Where reviews of one claim disagree: ours and other desks' (ExternalReview) on different sides."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from ..choices import REFUTING_VERDICTS, SUPPORTING_VERDICTS
from ..models import ExternalReview


def disagreement_condition() -> Q:
    """Claims with at least one external review, whose verdicts (ours among them) include both a supporting one
    (true, mostly true) and a refuting one (false, mostly false, misleading). Our own verdict alone never
    disagrees with itself; a claim nobody else reviewed is never in the view."""

    def external(verdicts) -> Exists:
        return Exists(ExternalReview.objects.filter(claim_id=OuterRef("pk"), verdict__in=verdicts))

    supported = Q(verdict__in=SUPPORTING_VERDICTS) | external(SUPPORTING_VERDICTS)
    refuted = Q(verdict__in=REFUTING_VERDICTS) | external(REFUTING_VERDICTS)
    return supported & refuted & (external(SUPPORTING_VERDICTS) | external(REFUTING_VERDICTS))
