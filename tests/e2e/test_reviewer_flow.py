"""The reviewer's flow in a real browser: log in, evidence, verdict, publish; refusals are readable."""

import pytest
from django.core.management import call_command

from claims.choices import ClaimStatus, Verdict
from claims.models import Claim
from tests.factories import PASSWORD, ClaimFactory, ReviewerFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def log_in(page, username: str) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")


def open_claim(page, claim: Claim) -> None:
    page.goto(f"/admin/claims/claim/{claim.pk}/change/")
    page.wait_for_selector("#claim_form")


def save(page) -> None:
    page.click("input[name=_continue]")
    page.wait_for_load_state("networkidle")


@pytest.mark.usefixtures(
    "one_person_desk"
)  # rita writes the verdict and publishes it alone (second review: its own test)
def test_reviewer_adds_evidence_sets_verdict_and_publishes(new_page, screenshot):
    call_command("load_demo", verbosity=0)
    ReviewerFactory(username="rita")
    claim = Claim.objects.filter(status=ClaimStatus.IN_REVIEW, verdict=Verdict.UNRATED).order_by("pk").first()
    assert claim is not None, "the demo data has an unrated claim in review"
    page = new_page()
    log_in(page, "rita")
    screenshot(page, "01-logged-in")

    page.goto("/admin/claims/claim/")
    page.click(f"a[href$='/admin/claims/claim/{claim.pk}/change/']")
    page.wait_for_selector("#claim_form")
    screenshot(page, "02-claim-opened")

    evidence_rows = page.locator("#evidence-group tr.form-row:not(.empty-form)")
    before = evidence_rows.count()
    page.click("#evidence-group .add-row a")
    new_row = f"#evidence-{before}"
    page.fill(f"{new_row} input[name$='-url']", "https://example.org/e2e-report")
    page.select_option(f"{new_row} select[name$='-stance']", "supports")
    page.fill(f"{new_row} textarea[name$='-excerpt']", "The report confirms the figure.")
    page.select_option("#id_verdict", Verdict.MOSTLY_TRUE)
    page.fill("#id_explanation", "A second, independent report gives the same figure.")
    page.select_option("#id_status", ClaimStatus.PUBLISHED)
    screenshot(page, "03-evidence-and-verdict-filled")
    save(page)

    assert page.locator(".messagelist .success").count() == 1, page.content()
    screenshot(page, "04-published")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PUBLISHED
    assert claim.verdict == Verdict.MOSTLY_TRUE
    assert claim.reviewer.username == "rita"
    assert claim.evidence.filter(
        source__url="https://example.org/e2e-report", excerpt="The report confirms the figure."
    ).exists()


def test_publishing_without_evidence_is_refused_with_reasons(new_page, screenshot):
    ReviewerFactory(username="rita")
    claim = ClaimFactory(status=ClaimStatus.IN_REVIEW, verdict=Verdict.FALSE, explanation="Because.")
    page = new_page()
    log_in(page, "rita")
    open_claim(page, claim)
    page.select_option("#id_status", ClaimStatus.PUBLISHED)
    save(page)

    errors = page.locator(".errornote, .errorlist").all_inner_texts()
    screenshot(page, "05-publish-refused")
    assert any("at least one piece of evidence" in text for text in errors), errors
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW
    assert claim.version == 1


def test_second_of_two_concurrent_edits_is_refused(new_page, screenshot):
    ReviewerFactory(username="rita")
    ReviewerFactory(username="omar")
    claim = ClaimFactory(status=ClaimStatus.IN_REVIEW)
    first, second = new_page(), new_page()
    log_in(first, "rita")
    log_in(second, "omar")
    open_claim(first, claim)
    open_claim(second, claim)

    first.fill("#id_explanation", "Rita's explanation.")
    save(first)
    assert first.locator(".messagelist .success").count() == 1

    second.fill("#id_explanation", "Omar's explanation.")
    save(second)
    screenshot(second, "06-second-save-refused")
    errors = " ".join(second.locator(".errornote, .errorlist").all_inner_texts())
    assert "changed by rita since you opened it" in errors
    claim.refresh_from_db()
    assert claim.explanation == "Rita's explanation."
    assert claim.version == 2
