"""Anonymous users and researchers see published and retracted claims only, everywhere; reviewers see all."""

import pytest

from claims.choices import ClaimStatus
from tests import factories


@pytest.fixture
def world(db):
    published = factories.PublishedClaimFactory(text="Published one.")
    retracted = factories.PublishedClaimFactory(text="Retracted one.", status=ClaimStatus.RETRACTED)
    draft = factories.ClaimFactory(text="Draft one.")
    in_review = factories.ClaimFactory(text="In review one.", status=ClaimStatus.IN_REVIEW)
    secret_source = factories.EvidenceFactory(claim=draft).source
    return {
        "published": published,
        "retracted": retracted,
        "draft": draft,
        "in_review": in_review,
        "secret_source": secret_source,
    }


@pytest.fixture(params=["anonymous", "researcher"])
def public_headers(request, db):
    if request.param == "anonymous":
        return {}
    from .conftest import token_headers

    return token_headers(factories.ResearcherFactory(username="rosa"))


def test_lists_show_public_claims_only(client, world, public_headers):
    body = client.get("/api/v1/claims/", headers=public_headers).json()
    assert {c["id"] for c in body["results"]} == {world["published"].pk, world["retracted"].pk}
    retracted = next(c for c in body["results"] if c["id"] == world["retracted"].pk)
    assert retracted["retracted"] is True
    assert retracted["status"] == "retracted"


def test_a_draft_is_a_404_everywhere(client, world, public_headers):
    for claim in (world["draft"], world["in_review"]):
        for path in ("", "history/", "claimreview/"):
            assert client.get(f"/api/v1/claims/{claim.pk}/{path}", headers=public_headers).status_code == 404
    evidence = world["draft"].evidence.get()
    assert (
        client.get(f"/api/v1/claims/{world['draft'].pk}/evidence/{evidence.pk}/", headers=public_headers).status_code
        == 404
    )
    source = world["secret_source"]
    assert client.get(f"/api/v1/sources/{source.pk}/", headers=public_headers).status_code == 404
    assert client.get(f"/api/v1/sources/{source.pk}/checks/", headers=public_headers).status_code == 404
    assert client.get(f"/api/v1/articles/{world['draft'].article_id}/", headers=public_headers).status_code == 404


def test_search_export_feeds_and_filters_do_not_leak(client, world, public_headers):
    assert client.get("/api/v1/claims/?status=draft", headers=public_headers).json()["results"] == []
    assert client.get("/api/v1/claims/?q=Draft", headers=public_headers).json()["results"] == []
    export = b"".join(client.get("/api/v1/claims/export/?format=ndjson", headers=public_headers).streaming_content)
    assert len(export.splitlines()) == 2
    assert b"Draft one" not in export
    feed = client.get("/api/v1/claimreview/", headers=public_headers).json()
    assert [r["claimReviewed"] for r in feed["dataFeedElement"]] == ["Published one."]
    sources = client.get("/api/v1/sources/", headers=public_headers).json()["results"]
    assert world["secret_source"].pk not in {s["id"] for s in sources}
    articles = client.get("/api/v1/articles/", headers=public_headers).json()["results"]
    assert world["draft"].article_id not in {a["id"] for a in articles}
    article = client.get(f"/api/v1/articles/{world['published'].article_id}/", headers=public_headers).json()
    assert [c["id"] for c in article["claims"]] == [world["published"].pk]


def test_reviewers_see_everything(client, world, reviewer_headers):
    body = client.get("/api/v1/claims/", headers=reviewer_headers).json()
    assert len(body["results"]) == 4
    assert client.get(f"/api/v1/claims/{world['draft'].pk}/", headers=reviewer_headers).status_code == 200
    assert client.get(f"/api/v1/sources/{world['secret_source'].pk}/", headers=reviewer_headers).status_code == 200
    # ClaimReview is for published claims only, whoever asks.
    assert client.get(f"/api/v1/claims/{world['draft'].pk}/claimreview/", headers=reviewer_headers).status_code == 404


def test_session_auth_works_too(client, world, reviewer):
    client.force_login(reviewer)
    assert client.get(f"/api/v1/claims/{world['draft'].pk}/").status_code == 200


def test_bad_token_is_401(client, world):
    response = client.get("/api/v1/claims/", headers={"Authorization": "Token nope"})
    assert response.status_code == 401


@pytest.mark.usefixtures("one_person_desk")
def test_history_is_public_from_publication_on(client, world, reviewer, reviewer_headers):
    from claims import services
    from claims.choices import Verdict

    claim = factories.ClaimFactory(status=ClaimStatus.IN_REVIEW, explanation="Early notes.")
    factories.EvidenceFactory(claim=claim)
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.MIXED})
    services.claim_update(
        claim_id=claim.pk, user=reviewer, data={"explanation": "Sources disagree.", "status": ClaimStatus.PUBLISHED}
    )
    services.claim_update(
        claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.MOSTLY_FALSE}, correction_note="New data."
    )

    public = client.get(f"/api/v1/claims/{claim.pk}/history/").json()["results"]
    assert [[c["field"] for c in e["changes"]] for e in public] == [["verdict"], ["verdict", "explanation", "status"]]
    assert public[0]["changes"][0] == {"field": "verdict", "from": "mixed", "to": "mostly_false"}
    # The publication is the first public state: nothing of the review before it ("Early notes.", in review).
    assert all(c["from"] is None for c in public[1]["changes"])
    assert "Early notes." not in str(public)
    assert all(e["who"] is None for e in public)

    full = client.get(f"/api/v1/claims/{claim.pk}/history/", headers=reviewer_headers).json()["results"]
    assert len(full) == 4  # created, verdict, publication, correction
    assert full[0]["who"] == "rita"
    assert full[-1]["changes"][0]["from"] is None
