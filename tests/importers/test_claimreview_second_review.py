"""Importing our own archive with --publish under second review: an imported verdict is credited to nobody, so the
reviewer who imports and publishes it is its second reviewer (recorded as its approver); an import without a user
leaves our claims in review, and says why."""

import pytest

from claims.choices import ClaimStatus, ReviewEventKind
from claims.models import Claim, ClaimReviewEvent

from .test_claimreview import review, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def ours(settings):
    return {"@type": "Organization", "name": "Someone", "url": settings.FACTCHECK_ORGANIZATION_URL + "about/"}


def test_without_a_user_our_claims_stay_in_review_and_the_report_says_why(tmp_path, ours):
    output = run(tmp_path, review(1, author=ours), "--own", "--publish")
    claim = Claim.objects.get()
    assert claim.status == ClaimStatus.IN_REVIEW
    assert "left in review: This claim cannot be published yet: it needs the approval of a reviewer." in output
    assert not ClaimReviewEvent.objects.exists()


def test_a_reviewer_importing_and_publishing_is_the_approver(tmp_path, ours, reviewer):
    run(tmp_path, review(1, author=ours), "--own", "--publish", "--user", "rita")
    claim = Claim.objects.get()
    assert claim.status == ClaimStatus.PUBLISHED
    assert claim.verdict_changed_by is None  # the archive's verdict, not the importer's
    event = ClaimReviewEvent.objects.get(claim=claim)
    assert (event.kind, event.actor) == (ReviewEventKind.APPROVED, reviewer)
