"""Assignment in a real browser: a reviewer assigns a claim from its page (the browser's own date and time field),
the colleague is emailed and finds it under "Assigned to me"."""

import pytest
from django.core import mail

from claims.choices import ClaimStatus
from claims.models import Claim, ClaimAssignment
from tests.factories import ClaimFactory, ReviewerFactory

from .test_reviewer_flow import log_in, open_claim

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_assigns_a_claim_and_the_colleague_finds_it(new_page, screenshot):
    ReviewerFactory(username="rita")
    ReviewerFactory(username="omar", first_name="Omar", last_name="Haddad")
    claim = ClaimFactory(text="Unemployment halved in a year.", status=ClaimStatus.IN_REVIEW)

    page = new_page()
    log_in(page, "rita")
    open_claim(page, claim)
    page.click(".object-tools .fc-assign-link")
    page.wait_for_selector("#id_assignee")
    page.select_option("#id_assignee", label="Omar Haddad (omar)")
    page.fill("#id_due_at", "2031-03-14T09:30")  # the datetime-local field's own format
    page.fill("#id_note", "Check the statistics office's series.")
    screenshot(page, "assign-claim")
    page.click("input[name=apply]")
    page.wait_for_selector("#claim_form")
    assert "is assigned to omar" in page.locator(".messagelist").inner_text()
    assert "omar" in page.locator(".field-assignment .readonly").inner_text()

    claim = Claim.objects.get(pk=claim.pk)
    assert claim.assignee.username == "omar"
    assert claim.due_at.isoformat() == "2031-03-14T09:30:00+00:00"  # read in the reviewer's zone (UTC here)
    assert ClaimAssignment.objects.get().note == "Check the statistics office's series."
    (sent,) = mail.outbox
    assert sent.to == ["omar@example.org"]
    assert f"/admin/claims/claim/{claim.pk}/change/" in sent.body

    colleague = new_page()
    log_in(colleague, "omar")
    colleague.goto("/admin/")
    colleague.wait_for_selector("#fc-dashboard")
    assert colleague.locator("[data-panel=assigned_mine] .fc-count-n").inner_text() == "1"
    colleague.click("[data-panel=assigned_mine] a")
    colleague.wait_for_selector("#result_list")
    assert colleague.locator("#result_list tbody tr").count() == 1
    assert "omar" in colleague.locator("#result_list .field-assigned").inner_text()
    screenshot(colleague, "assigned-to-me")
