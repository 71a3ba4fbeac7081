"""Second review and notes in the API at their real urls: the author's publishing PATCH is a 400 that says why,
another reviewer approves (POST .../approve/) or publishes, request-changes, the notes endpoints for reviewers only,
the one-person desk, and the OpenAPI schema documenting it all."""

import datetime as dt

import pytest
import time_machine

from claims import services
from claims.choices import ClaimStatus, ReviewEventKind, Verdict
from claims.models import Claim, ClaimNote, ClaimReviewEvent
from tests.api.conftest import token_headers

pytestmark = pytest.mark.django_db


@pytest.fixture
def omar_headers(other_reviewer):
    return token_headers(other_reviewer)


def url(claim, tail: str = "") -> str:
    return f"/api/v1/claims/{claim.pk}/{tail}"


def patch(client, claim, data, headers):
    return client.patch(url(claim), data, content_type="application/json", headers=headers)


def test_the_authors_publishing_patch_is_a_400_that_says_why(client, awaiting_approval, reviewer_headers):
    response = patch(client, awaiting_approval, {"status": "published"}, reviewer_headers)
    assert response.status_code == 400
    assert response.json() == {
        "detail": [
            "You cannot publish this claim yet: you are the last to have changed its verdict or explanation, and "
            "publishing needs the approval of another reviewer. Ask a colleague to approve it, or to publish it."
        ]
    }
    awaiting_approval.refresh_from_db()
    assert awaiting_approval.status == ClaimStatus.IN_REVIEW


def test_a_patch_that_rewrites_and_publishes_at_once_is_refused_for_anyone(client, awaiting_approval, omar_headers):
    response = patch(client, awaiting_approval, {"status": "published", "verdict": "mixed"}, omar_headers)
    assert response.status_code == 400
    assert "you are the last to have changed" in response.json()["detail"][0]


def test_another_reviewers_publishing_patch_is_the_approval(client, awaiting_approval, omar_headers, other_reviewer):
    response = patch(client, awaiting_approval, {"status": "published"}, omar_headers)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "published"
    assert ClaimReviewEvent.objects.get(claim=awaiting_approval).actor == other_reviewer


def test_approve_then_the_author_publishes(client, awaiting_approval, reviewer_headers, omar_headers):
    review = client.get(url(awaiting_approval, "second-review/"), headers=reviewer_headers).json()
    assert review["needs_approval"] is True
    assert review["last_changed_by"] == "rita"
    etag = client.get(url(awaiting_approval), headers=omar_headers)["ETag"]
    response = client.post(url(awaiting_approval, "approve/"), headers={**omar_headers, "If-Match": etag})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["required"], body["needs_approval"], body["approved_by"]) == (True, False, "omar")
    assert body["verdict_revision"] == 1
    assert body["approved_at"]
    assert patch(client, awaiting_approval, {"status": "published"}, reviewer_headers).status_code == 200


def test_approve_refusals(client, awaiting_approval, reviewer, reviewer_headers, omar_headers, researcher_headers):
    response = client.post(url(awaiting_approval, "approve/"), headers=reviewer_headers)
    assert response.status_code == 400
    assert "its approval must come from another reviewer" in response.json()["detail"][0]
    assert client.post(url(awaiting_approval, "approve/"), headers=researcher_headers).status_code == 403
    assert client.post(url(awaiting_approval, "approve/")).status_code in (401, 403)
    stale = client.get(url(awaiting_approval), headers=omar_headers)["ETag"]
    services.claim_update(claim_id=awaiting_approval.pk, user=reviewer, data={"verdict": Verdict.MIXED})
    response = client.post(url(awaiting_approval, "approve/"), headers={**omar_headers, "If-Match": stale})
    assert response.status_code == 412
    assert not ClaimReviewEvent.objects.exists()


def test_a_later_verdict_change_voids_the_approval(client, awaiting_approval, reviewer_headers, omar_headers):
    client.post(url(awaiting_approval, "approve/"), headers=omar_headers)
    assert patch(client, awaiting_approval, {"verdict": "mostly_false"}, reviewer_headers).status_code == 200
    review = client.get(url(awaiting_approval, "second-review/"), headers=reviewer_headers).json()
    assert (review["needs_approval"], review["approved_by"], review["verdict_revision"]) == (True, None, 2)
    assert patch(client, awaiting_approval, {"status": "published"}, reviewer_headers).status_code == 400


def test_request_changes(client, awaiting_approval, reviewer_headers, omar_headers):
    response = client.post(
        url(awaiting_approval, "request-changes/"),
        {"note": "Cite the 2023 budget."},
        content_type="application/json",
        headers=omar_headers,
    )
    assert response.status_code == 200, response.json()
    asked = response.json()["changes_requested"]
    assert (asked["by"], asked["note"], asked["outdated"]) == ("omar", "Cite the 2023 budget.", False)
    notes = client.get(url(awaiting_approval, "notes/"), headers=reviewer_headers).json()
    assert [(n["text"], n["requests_changes"]) for n in notes] == [("Cite the 2023 budget.", True)]
    empty = client.post(
        url(awaiting_approval, "request-changes/"), {"note": ""}, content_type="application/json", headers=omar_headers
    )
    assert empty.status_code == 400
    assert "note" in empty.json()


def test_notes_for_reviewers(client, awaiting_approval, reviewer, reviewer_headers, omar_headers):
    with time_machine.travel(dt.datetime(2024, 11, 27, 1, 0, tzinfo=dt.UTC), tick=False) as clock:
        created = client.post(
            url(awaiting_approval, "notes/"),
            {"text": "Tpyo here."},
            content_type="application/json",
            headers=reviewer_headers,
        )
        assert created.status_code == 201, created.json()
        note = created.json()
        assert (note["author"], note["text"], note["edited"]) == ("rita", "Tpyo here.", None)
        assert note["editable_until"].startswith("2024-11-27T01:15:00")
        detail = f"/api/v1/claims/{awaiting_approval.pk}/notes/{note['id']}/"
        assert (
            client.patch(
                detail, {"text": "Not mine."}, content_type="application/json", headers=omar_headers
            ).status_code
            == 400
        )
        edited = client.patch(detail, {"text": "Typo here."}, content_type="application/json", headers=reviewer_headers)
        assert edited.status_code == 200
        assert edited.json()["text"] == "Typo here."
        clock.shift(dt.timedelta(minutes=16))
        late = client.patch(detail, {"text": "Later."}, content_type="application/json", headers=reviewer_headers)
    assert late.status_code == 400
    assert late.json() == {
        "detail": [
            "A note can be edited for 15 minutes after it is written, and this one is older: add a new note instead."
        ]
    }
    assert [n["text"] for n in client.get(url(awaiting_approval, "notes/"), headers=omar_headers).json()] == [
        "Typo here."
    ]
    assert ClaimReviewEvent.objects.filter(kind=ReviewEventKind.NOTE_ADDED).count() == 1


def test_notes_and_review_do_not_exist_for_anyone_else(client, reviewer, researcher_headers):
    published = services.claim_create(
        user=reviewer, text="Public.", verdict=Verdict.FALSE, explanation="No.", status=ClaimStatus.IN_REVIEW
    )
    note = services.claim_note_add(claim_id=published.pk, user=reviewer, text="ZQXNOTE internal.")
    Claim.objects.filter(pk=published.pk).update(status=ClaimStatus.PUBLISHED)
    for headers in ({}, researcher_headers):
        for tail in ("notes/", f"notes/{note.pk}/", "second-review/"):
            response = client.get(url(published, tail), headers=headers)
            assert response.status_code == 404, (tail, response.status_code)
            assert b"ZQXNOTE" not in response.content
        assert client.post(url(published, "notes/"), {"text": "x"}, headers=headers).status_code in (401, 403)
    assert ClaimNote.objects.count() == 1


@pytest.mark.usefixtures("one_person_desk")
def test_a_one_person_desk_publishes_by_patch(client, awaiting_approval, reviewer_headers):
    review = client.get(url(awaiting_approval, "second-review/"), headers=reviewer_headers).json()
    assert (review["required"], review["needs_approval"]) == (False, False)
    response = patch(client, awaiting_approval, {"status": "published"}, reviewer_headers)
    assert response.status_code == 200, response.json()
    assert not ClaimReviewEvent.objects.exists()


def test_the_schema_documents_approval_review_and_notes(client):
    schema = client.get("/api/schema/", headers={"Accept": "application/json"}).json()
    paths = schema["paths"]
    approve = paths["/api/v1/claims/{id}/approve/"]["post"]
    assert "other than their last author" in approve["summary"]
    assert "If-Match" in {p["name"] for p in approve.get("parameters", [])}
    assert set(approve["responses"]) >= {"200", "400", "412"}
    assert "post" in paths["/api/v1/claims/{id}/request-changes/"]
    assert "get" in paths["/api/v1/claims/{id}/second-review/"]
    assert {"get", "post"} <= set(paths["/api/v1/claims/{id}/notes/"])
    assert "patch" in paths["/api/v1/claims/{claim_id}/notes/{note_id}/"]
    assert "SecondReview" in schema["components"]["schemas"]
