"""The correction rule in the reviewer admin: the change form's note and minor-edit fields, the bulk actions."""

import pytest
from django.urls import reverse

from claims.choices import ClaimStatus, Verdict
from claims.models import Correction
from tests.factories import ClaimFactory, EvidenceFactory, PublishedClaimFactory

from .test_admin import CHANGELIST, _act, change_url, form_data, messages_of


@pytest.fixture
def rclient(client, reviewer):
    client.force_login(reviewer)
    return client


def test_change_form_has_the_fields(rclient):
    claim = PublishedClaimFactory()
    html = rclient.get(change_url(claim)).content.decode()
    assert "Public correction note" in html
    assert 'name="correction_note"' in html
    assert 'name="minor_edit"' in html


def test_new_verdict_without_a_note_is_a_form_error(rclient):
    claim = PublishedClaimFactory()
    data = form_data(rclient.get(change_url(claim)))
    data["verdict"] = Verdict.TRUE
    response = rclient.post(change_url(claim), data)
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.errors["correction_note"])
    assert "changes the published verdict from “False” to “True”" in errors
    claim.refresh_from_db()
    assert claim.verdict == Verdict.FALSE
    assert not Correction.objects.exists()


def test_new_verdict_with_a_note_is_saved_and_logged(rclient, reviewer):
    claim = PublishedClaimFactory()
    data = form_data(rclient.get(change_url(claim)))
    data.update({"verdict": Verdict.MOSTLY_TRUE, "correction_note": "The figure was rounded, not invented."})
    response = rclient.post(change_url(claim), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    entry = Correction.objects.get(claim=claim)
    assert (entry.kind, entry.verdict_before, entry.verdict_after) == ("corrected", "false", "mostly_true")
    assert entry.note == "The figure was rounded, not invented."
    assert entry.created_by == reviewer
    html = rclient.get(change_url(claim)).content.decode()
    assert "Public correction log" in html
    assert "<strong>Corrected</strong>" in html
    assert "False → Mostly true — The figure was rounded, not invented." in html


def test_minor_explanation_edit_needs_no_note(rclient):
    claim = PublishedClaimFactory()
    data = form_data(rclient.get(change_url(claim)))
    data["explanation"] = claim.explanation + " (typo fixed)"
    response = rclient.post(change_url(claim), data)
    assert response.status_code == 200
    assert "or mark the edit as minor" in str(response.context["adminform"].form.errors["correction_note"])
    data["minor_edit"] = "on"
    assert rclient.post(change_url(claim), data).status_code == 302
    assert list(Correction.objects.values_list("kind", "note")) == [("updated", "")]


def test_retraction_from_the_form(rclient):
    claim = PublishedClaimFactory()
    data = form_data(rclient.get(change_url(claim)))
    data["status"] = ClaimStatus.RETRACTED
    response = rclient.post(change_url(claim), data)
    assert "Retracting a published claim" in str(response.context["adminform"].form.errors["correction_note"])
    data["correction_note"] = "The video was older than we said."
    assert rclient.post(change_url(claim), data).status_code == 302
    assert Correction.objects.get().kind == "retracted"


def test_draft_edits_need_no_note(rclient):
    claim = ClaimFactory()
    data = form_data(rclient.get(change_url(claim)))
    data.update({"verdict": Verdict.TRUE, "correction_note": "private"})
    assert rclient.post(change_url(claim), data).status_code == 302
    assert not Correction.objects.exists()


def test_researcher_still_reads_a_claim(client, researcher):
    researcher.is_staff = True
    researcher.save()
    client.force_login(researcher)
    claim = PublishedClaimFactory()
    assert client.get(change_url(claim)).status_code == 200


def test_bulk_set_verdict_asks_for_the_note_and_refuses_without(rclient):
    published = PublishedClaimFactory(text="Published one")
    asked = _act(rclient, "set_verdict", [published])
    assert 'name="correction_note"' in asked.content.decode()
    data = {"action": "set_verdict", "_selected_action": [str(published.pk)], "verdict": Verdict.TRUE, "apply": "1"}
    shown = messages_of(rclient.post(reverse(CHANGELIST), data, follow=True))
    refused = next(m for m in shown if "left unchanged" in m)
    assert "public correction note" in refused
    published.refresh_from_db()
    assert published.verdict == Verdict.FALSE
    data["correction_note"] = "Rated again after the audit."
    shown = messages_of(rclient.post(reverse(CHANGELIST), data, follow=True))
    assert "Set the verdict “True” on 1 claim." in shown
    assert Correction.objects.get().note == "Rated again after the audit."


def test_bulk_publish_names_a_re_review_that_needs_a_note(rclient):
    claim = PublishedClaimFactory(text="Re-reviewed one")
    claim.status, claim.verdict = ClaimStatus.IN_REVIEW, Verdict.TRUE
    claim.save()
    ready = ClaimFactory(status=ClaimStatus.IN_REVIEW, verdict=Verdict.FALSE, explanation="Because.")
    EvidenceFactory(claim=ready)
    shown = messages_of(_act(rclient, "publish", [claim, ready]))
    assert "Published 1 claim." in shown
    refused = next(m for m in shown if "not published" in m)
    assert "Re-reviewed one" in refused
    assert "Publish it from its own page" in refused
    assert list(Correction.objects.values_list("claim_id", "kind")) == [(ready.pk, "published")]
