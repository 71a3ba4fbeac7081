"""The correction rule through the API: `correction_note` and `minor_edit` on PATCH, a 400 that says what to do."""

import json

from claims.choices import ClaimStatus, Verdict
from claims.models import Correction
from tests import factories


def patch(client, claim_id, data, headers):
    return client.patch(f"/api/v1/claims/{claim_id}/", data=data, content_type="application/json", headers=headers)


def test_new_verdict_of_a_published_claim_without_a_note_is_a_400(client, reviewer_headers, published):
    response = patch(client, published.pk, {"verdict": Verdict.TRUE}, reviewer_headers)
    assert response.status_code == 400
    [message] = response.json()["correction_note"]
    assert "changes the published verdict from “False” to “True”" in message
    published.refresh_from_db()
    assert published.verdict == Verdict.FALSE
    assert not Correction.objects.exists()


def test_new_verdict_with_a_note_is_saved_and_logged(client, reviewer_headers, published):
    data = {"verdict": Verdict.TRUE, "correction_note": "The ministry's final figures came out."}
    response = patch(client, published.pk, data, reviewer_headers)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["verdict"] == "true"
    assert "correction_note" not in body
    assert "minor_edit" not in body
    entry = Correction.objects.get(claim=published)
    assert (entry.kind, entry.verdict_before, entry.verdict_after) == ("corrected", "false", "true")
    assert entry.note == data["correction_note"]


def test_retraction_and_minor_edit(client, reviewer_headers, published):
    response = patch(client, published.pk, {"explanation": "Typo fixed.", "minor_edit": True}, reviewer_headers)
    assert response.status_code == 200, response.content
    response = patch(client, published.pk, {"status": ClaimStatus.RETRACTED}, reviewer_headers)
    assert response.status_code == 400
    assert "Retracting a published claim" in response.json()["correction_note"][0]
    data = {"status": ClaimStatus.RETRACTED, "correction_note": "The quote was misattributed."}
    assert patch(client, published.pk, data, reviewer_headers).status_code == 200
    assert list(Correction.objects.order_by("id").values_list("kind", flat=True)) == ["updated", "retracted"]


def test_a_draft_takes_a_note_and_publishes_nothing(client, reviewer_headers, draft):
    data = {"verdict": Verdict.TRUE, "correction_note": "internal musing"}
    assert patch(client, draft.pk, data, reviewer_headers).status_code == 200
    assert not Correction.objects.exists()


def test_bad_note_is_a_field_error(client, reviewer_headers, published):
    data = {"verdict": Verdict.TRUE, "correction_note": "bad\x01"}
    response = patch(client, published.pk, data, reviewer_headers)
    assert response.status_code == 400
    assert "control character" in response.json()["correction_note"][0]
    response = patch(client, published.pk, {"verdict": Verdict.TRUE, "minor_edit": "perhaps"}, reviewer_headers)
    assert response.status_code == 400
    assert "minor_edit" in response.json()


def test_create_ignores_the_note(client, reviewer_headers):
    data = {"text": "New claim.", "correction_note": "nothing to correct"}
    response = client.post("/api/v1/claims/", data=data, content_type="application/json", headers=reviewer_headers)
    assert response.status_code == 201, response.content
    assert not Correction.objects.exists()


def test_schema_shows_the_write_only_fields(client, db):
    schema = json.loads(client.get("/api/schema/?format=json").content)
    fields = schema["components"]["schemas"]["PatchedClaimWriteRequest"]["properties"]
    assert fields["correction_note"]["writeOnly"] is True
    assert "public" in fields["correction_note"]["description"]
    assert fields["minor_edit"]["type"] == "boolean"
    assert (
        "PatchedClaimWrite" not in schema["components"]["schemas"]
        or "correction_note" not in (schema["components"]["schemas"]["PatchedClaimWrite"]["properties"])
    )


def test_the_factory_claim_needs_the_note_too(client, reviewer_headers):
    claim = factories.PublishedClaimFactory()
    assert patch(client, claim.pk, {"verdict": Verdict.MIXED}, reviewer_headers).status_code == 400
