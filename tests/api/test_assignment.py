"""The claim detail's assignee and due_at: read-only, and shown to reviewers only (null for everyone else)."""

from datetime import UTC, datetime

import pytest

from tests import factories

from .conftest import token_headers

pytestmark = pytest.mark.django_db

DUE = datetime(2031, 3, 14, 9, 30, tzinfo=UTC)


@pytest.fixture
def assigned(other_reviewer):
    other_reviewer.first_name, other_reviewer.last_name = "Omar", "Haddad"
    other_reviewer.save()
    return factories.PublishedClaimFactory(assignee=other_reviewer, due_at=DUE)


def test_reviewers_read_who_has_the_claim_and_by_when(client, reviewer, assigned):
    body = client.get(f"/api/v1/claims/{assigned.pk}/", headers=token_headers(reviewer)).json()
    assert (body["assignee"], body["due_at"]) == ("Omar Haddad", "2031-03-14T09:30:00Z")


@pytest.mark.parametrize("who", ["anonymous", "researcher"])
def test_everyone_else_reads_null(client, researcher, assigned, who):
    headers = token_headers(researcher) if who == "researcher" else {}
    body = client.get(f"/api/v1/claims/{assigned.pk}/", headers=headers).json()
    assert (body["assignee"], body["due_at"]) == (None, None)


def test_assignment_is_not_written_through_the_api(client, reviewer, researcher):
    claim = factories.ClaimFactory()
    response = client.patch(
        f"/api/v1/claims/{claim.pk}/",
        {"assignee": reviewer.pk, "due_at": "2031-01-01T00:00:00Z", "claimant": "Someone"},
        content_type="application/json",
        headers=token_headers(reviewer),
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert (claim.claimant, claim.assignee, claim.due_at) == ("Someone", None, None)


def test_the_note_and_the_assignee_go_nowhere_public(client, reviewer, other_reviewer):
    from claims import services

    claim = factories.PublishedClaimFactory()
    services.claim_assign(claim=claim, assignee=other_reviewer, user=reviewer, note="SECRET-NOTE-7f3a")
    headers = token_headers(reviewer)
    reads = [
        client.get(f"/api/v1/claims/{claim.pk}/", headers=headers),
        client.get(f"/api/v1/claims/{claim.pk}/history/", headers=headers),
        client.get("/api/v1/claims/export/?format=ndjson", headers=headers),
        client.get(f"/claims/{claim.pk}/", follow=True),
        client.get("/feeds/claims.atom"),
        client.get("/feeds/claims.json"),
        client.get(f"/api/v1/claims/{claim.pk}/"),
    ]
    for response in reads:
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"SECRET-NOTE-7f3a" not in body
    # Nor, publicly, who has it.
    assert b"omar" not in reads[-1].content
    assert b"omar" not in reads[3].content
