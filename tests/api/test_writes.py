"""Writes: reviewers only; ETag and If-Match; the publishing rule; evidence."""

import threading

import pytest
from django.db import connection

from claims.choices import ClaimStatus, Verdict
from claims.models import Claim, Evidence
from tests import factories


def patch(client, claim_id, data, **headers):
    return client.patch(f"/api/v1/claims/{claim_id}/", data=data, content_type="application/json", headers=headers)


def test_create_claim_as_reviewer(client, reviewer_headers):
    article = factories.ArticleFactory()
    response = client.post(
        "/api/v1/claims/",
        data={"text": "Sora was leaked.", "article": article.pk, "tags": ["sora"], "language": "en"},
        content_type="application/json",
        headers=reviewer_headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["tags"] == ["sora"]
    assert response["ETag"] == f'"claim-{body["id"]}-v1"'
    assert response["Location"].endswith(f"/api/v1/claims/{body['id']}/")


@pytest.mark.parametrize("who", ["anonymous", "researcher"])
def test_others_may_not_write(client, who, draft, researcher_headers):
    headers = researcher_headers if who == "researcher" else {}
    expected = 403 if who == "researcher" else 401
    assert (
        client.post("/api/v1/claims/", data={"text": "x"}, content_type="application/json", headers=headers).status_code
        == expected
    )
    published = factories.PublishedClaimFactory()
    assert patch(client, published.pk, {"text": "changed"}, **headers).status_code == expected
    evidence = published.evidence.get()
    assert (
        client.delete(f"/api/v1/claims/{published.pk}/evidence/{evidence.pk}/", headers=headers).status_code == expected
    )
    assert (
        client.post(
            f"/api/v1/claims/{published.pk}/evidence/",
            data={"url": "https://example.org/x"},
            content_type="application/json",
            headers=headers,
        ).status_code
        == expected
    )
    published.refresh_from_db()
    assert published.text != "changed"


def test_etag_flow_and_stale_if_match_is_412(client, draft, reviewer_headers):
    first = client.get(f"/api/v1/claims/{draft.pk}/", headers=reviewer_headers)
    etag = first["ETag"]
    assert etag == f'"claim-{draft.pk}-v1"'
    assert (
        client.get(f"/api/v1/claims/{draft.pk}/", headers={**reviewer_headers, "If-None-Match": etag}).status_code
        == 304
    )
    ok = patch(client, draft.pk, {"text": "First edit."}, **reviewer_headers, **{"If-Match": etag})
    assert ok.status_code == 200
    assert ok["ETag"] == f'"claim-{draft.pk}-v2"'
    stale = patch(client, draft.pk, {"text": "Second edit from an old page."}, **reviewer_headers, **{"If-Match": etag})
    assert stale.status_code == 412
    assert "nothing was saved" in stale.json()["detail"]
    draft.refresh_from_db()
    assert draft.text == "First edit."
    assert draft.version == 2
    other_claim = patch(client, draft.pk, {"text": "x"}, **reviewer_headers, **{"If-Match": '"claim-999-v2"'})
    assert other_claim.status_code == 412


def test_publishing_rule_is_a_400_with_the_reason(client, draft, reviewer_headers):
    response = patch(client, draft.pk, {"status": "published"}, **reviewer_headers)
    assert response.status_code == 400
    message = str(response.json())
    assert "cannot be published" in message
    assert "evidence" in message
    assert Claim.objects.get(pk=draft.pk).status == ClaimStatus.DRAFT


@pytest.mark.usefixtures("one_person_desk")
def test_evidence_then_publish_then_last_evidence_is_kept(client, draft, reviewer_headers):
    added = client.post(
        f"/api/v1/claims/{draft.pk}/evidence/",
        data={"url": "https://Example.org/report?utm_source=x", "stance": "refutes"},
        content_type="application/json",
        headers=reviewer_headers,
    )
    assert added.status_code == 201, added.content
    assert added.json()["source"]["url"] == "https://example.org/report"
    duplicate = client.post(
        f"/api/v1/claims/{draft.pk}/evidence/",
        data={"url": "https://example.org/report"},
        content_type="application/json",
        headers=reviewer_headers,
    )
    assert duplicate.status_code == 400
    published = patch(
        client,
        draft.pk,
        {"verdict": Verdict.FALSE, "explanation": "The report says no.", "status": "published"},
        **reviewer_headers,
    )
    assert published.status_code == 200, published.content
    evidence_id = added.json()["id"]
    refused = client.delete(f"/api/v1/claims/{draft.pk}/evidence/{evidence_id}/", headers=reviewer_headers)
    assert refused.status_code == 400
    assert "only evidence" in str(refused.json())
    assert Evidence.objects.filter(pk=evidence_id).exists()


def test_bad_write_input(client, draft, reviewer_headers):
    assert patch(client, draft.pk, {"verdict": "maybe"}, **reviewer_headers).status_code == 400
    assert patch(client, draft.pk, {"article": 999999}, **reviewer_headers).status_code == 400
    assert patch(client, draft.pk, {"status": "retracted"}, **reviewer_headers).status_code == 400
    assert (
        client.put(
            f"/api/v1/claims/{draft.pk}/", data={"text": "x"}, content_type="application/json", headers=reviewer_headers
        ).status_code
        == 405
    )
    assert patch(client, 999999, {"text": "x"}, **reviewer_headers).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_with_the_same_etag_one_wins(reviewer):
    """Two reviewers send a PATCH with the same If-Match at once: exactly one is applied, the other gets 412."""
    from django.test import Client

    from .conftest import token_headers

    other = factories.ReviewerFactory(username="omar")
    claim = factories.ClaimFactory()
    etag = f'"claim-{claim.pk}-v1"'
    barrier = threading.Barrier(2)
    results = {}

    def write(user, text):
        headers = {**token_headers(user), "If-Match": etag}
        barrier.wait()
        response = Client().patch(
            f"/api/v1/claims/{claim.pk}/", data={"text": text}, content_type="application/json", headers=headers
        )
        results[text] = response.status_code
        connection.close()

    threads = [threading.Thread(target=write, args=(u, t)) for u, t in ((reviewer, "Rita's"), (other, "Omar's"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == [200, 412]
    claim.refresh_from_db()
    winner = next(text for text, code in results.items() if code == 200)
    assert claim.text == winner
    assert claim.version == 2
