"""Second review in a real browser: rita writes a verdict and is told she cannot publish it alone, leaves a note;
omar reads who must approve, requests changes, rita sees the request at the top of her page and answers, omar
approves, and rita publishes."""

import pytest

from claims.choices import ClaimStatus, ReviewEventKind, Verdict
from claims.models import Claim, ClaimReviewEvent
from tests.factories import ClaimFactory, EvidenceFactory, ReviewerFactory

from .test_reviewer_flow import log_in, open_claim, save

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def press(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state("networkidle")


def test_a_colleague_approves_before_the_author_publishes(new_page, screenshot):
    ReviewerFactory(username="rita", first_name="Rita", last_name="Reyes")
    ReviewerFactory(username="omar", first_name="Omar", last_name="Okafor")
    claim = ClaimFactory(status=ClaimStatus.IN_REVIEW, text="The bridge cost 2 billion.")
    EvidenceFactory(claim=claim)

    rita = new_page()
    log_in(rita, "rita")
    open_claim(rita, claim)
    rita.select_option("#id_verdict", Verdict.FALSE)
    rita.fill("#id_explanation", "The adopted budget says 1.2 billion.")
    rita.select_option("#id_status", ClaimStatus.PUBLISHED)
    save(rita)
    errors = " ".join(rita.locator(".errornote, .errorlist").all_inner_texts())
    assert "you are the last to have changed its verdict or explanation" in errors, errors
    rita.select_option("#id_status", ClaimStatus.IN_REVIEW)
    save(rita)
    open_claim(rita, claim)
    assert "Needs approval by someone other than Rita Reyes." in rita.locator("#fc-review").inner_text()
    rita.fill("#id_note_text", "Omar, can you check the budget figure?")
    press(rita, "Add note")
    assert "Omar, can you check the budget figure?" in rita.locator("#fc-notes").inner_text()
    screenshot(rita, "review-01-author-waits-for-approval")

    omar = new_page()
    log_in(omar, "omar")
    open_claim(omar, claim)
    omar.locator(".fc-request-changes summary").click()
    omar.fill("#id_review_note", "Say which budget: the draft or the adopted one.")
    press(omar, "Request changes")
    assert omar.locator(".messagelist .success").count() == 1, omar.content()

    open_claim(rita, claim)
    request = rita.locator(".fc-changes-requested")
    assert "Say which budget: the draft or the adopted one." in request.inner_text()
    box, form = request.bounding_box(), rita.locator("#id_text").bounding_box()
    assert box["y"] < form["y"]  # where the author looks first
    screenshot(rita, "review-02-changes-requested")
    rita.fill("#id_explanation", "The budget adopted in March says 1.2 billion.")
    save(rita)

    open_claim(omar, claim)
    assert "The verdict or explanation has changed since." in omar.locator("#fc-review").inner_text()
    press(omar, "Approve")
    assert "Approved by Omar Okafor" in omar.locator("#fc-review").inner_text()
    screenshot(omar, "review-03-approved")

    open_claim(rita, claim)
    rita.select_option("#id_status", ClaimStatus.PUBLISHED)
    save(rita)
    assert rita.locator(".messagelist .success").count() == 1, rita.content()
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.status == ClaimStatus.PUBLISHED
    kinds = list(ClaimReviewEvent.objects.filter(claim=claim).values_list("kind", flat=True).order_by("id"))
    assert kinds == [ReviewEventKind.NOTE_ADDED, ReviewEventKind.CHANGES_REQUESTED, ReviewEventKind.APPROVED]
