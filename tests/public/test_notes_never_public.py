"""Notes and second review never leave the desk: each path out of the building is read, by every kind of reader, and
none carries a note's text (the marker ZQXNOTE) or a trace of the review steps. The public site (pages, search,
embed, oEmbed, corrections, feeds, sitemaps), the API for anyone but reviewers (claims, search, detail, history,
ClaimReview, the notes and review endpoints themselves), the public history, and the export, which carries no note
for anyone, reviewers included."""

import re
from urllib.parse import quote

import pytest
from django.core.cache import cache

from claims import services
from claims.choices import ClaimStatus, Verdict
from claims.models import ClaimNote, ClaimReviewEvent
from tests.api.conftest import token_headers
from tests.factories import ResearcherFactory

from .conftest import SITE

pytestmark = pytest.mark.django_db

MARK = "ZQXNOTE"


@pytest.fixture
def desk(reviewer, other_reviewer, public_site):
    """A claim rita wrote, sent back by omar with a note, discussed, approved by omar, published and discussed
    again; and a draft with a note. Every note carries MARK."""
    claim = services.claim_create(
        user=reviewer,
        text="The bridge cost 2 billion.",
        verdict=Verdict.FALSE,
        explanation="The budget says 1.2 billion.",
        status=ClaimStatus.IN_REVIEW,
        tags=["budget"],
    )
    services.evidence_add(claim=claim, url="https://example.org/budget", user=reviewer, excerpt="1.2 billion")
    services.claim_request_changes(claim_id=claim.pk, user=other_reviewer, note=f"{MARK}-request cite the budget")
    services.claim_note_add(claim_id=claim.pk, user=reviewer, text=f"{MARK}-thread the insider said 2 billion")
    services.claim_approve(claim_id=claim.pk, user=other_reviewer)
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": ClaimStatus.PUBLISHED})
    services.claim_note_add(claim_id=claim.pk, user=other_reviewer, text=f"{MARK}-after publication")
    draft = services.claim_create(user=reviewer, text="A draft.", verdict=Verdict.TRUE, explanation="Yes.")
    services.claim_note_add(claim_id=draft.pk, user=reviewer, text=f"{MARK}-draft")
    assert ClaimNote.objects.count() == 4
    assert ClaimReviewEvent.objects.count() == 5
    cache.clear()
    return claim


def leaks(response) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace")
    found = [MARK] if MARK.lower() in text.lower() else []
    # Nor the review steps' own words (an approval, a request) or the notes' fields.
    found += [w for w in ("changes_requested", "requests_changes", "approved_by", "editable_until") if w in text]
    return found


def public_urls(claim) -> list[str]:
    page = f"{SITE}/claims/{claim.pk}/"
    return [
        "/",
        "/claims/",
        "/claims/?q=insider",  # a word of a note only (the page repeats the query, so not the marker itself)
        "/claims/?q=bridge",
        f"/claims/{claim.pk}/",
        f"/claims/{claim.pk}/embed/",
        f"/oembed?url={quote(page, safe='')}",
        "/corrections/",
        "/feeds/claims.atom",
        "/feeds/claims.json",
        "/sitemap.xml",
        "/robots.txt",
    ]


def test_no_public_page_or_feed_shows_a_note(client, desk):
    urls = public_urls(desk)
    sitemap = client.get("/sitemap.xml").content.decode()
    urls += [loc.removeprefix(SITE) for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap)]
    for url in urls:
        response = client.get(url, follow=True)  # /claims/<id>/ goes on to its slug
        assert response.status_code == 200, (url, response.status_code)
        assert leaks(response) == [], url
    assert "The bridge cost" not in client.get("/claims/?q=insider").content.decode()  # notes are not searched


@pytest.mark.parametrize("who", ["anonymous", "researcher"])
def test_the_api_shows_anyone_but_reviewers_no_note_or_review(client, desk, who):
    headers = {} if who == "anonymous" else token_headers(ResearcherFactory(username="rosa"))
    pk = desk.pk
    for url in (
        "/api/v1/claims/",
        f"/api/v1/claims/?q={MARK}",
        f"/api/v1/claims/{pk}/",
        f"/api/v1/claims/{pk}/history/",
        f"/api/v1/claims/{pk}/reviews/",
        f"/api/v1/claims/{pk}/claimreview/",
        f"/api/v1/claims/{pk}/similar/",
        "/api/v1/claimreview/",
        "/api/v1/articles/",
        "/api/v1/claims/export/?format=csv",
        "/api/v1/claims/export/?format=ndjson",
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
        assert leaks(response) == [], url
    assert client.get(f"/api/v1/claims/?q={MARK}", headers=headers).json()["results"] == []
    for url in (f"/api/v1/claims/{pk}/notes/", f"/api/v1/claims/{pk}/second-review/"):
        response = client.get(url, headers=headers)
        assert response.status_code == 404, url
        assert leaks(response) == [], url
    for note in ClaimNote.objects.all():
        response = client.get(f"/api/v1/claims/{note.claim_id}/notes/{note.pk}/", headers=headers)
        assert response.status_code == 404
        assert leaks(response) == []


def test_the_export_carries_no_note_even_for_reviewers(client, desk, reviewer):
    headers = token_headers(reviewer)
    for fmt in ("csv", "ndjson"):
        response = client.get(f"/api/v1/claims/export/?format={fmt}", headers=headers)
        assert response.status_code == 200
        assert leaks(response) == [], fmt
    # Reviewers' own reads of a claim carry no note either: notes are read at notes/ only.
    for url in (f"/api/v1/claims/{desk.pk}/", f"/api/v1/claims/{desk.pk}/history/", "/api/v1/claims/"):
        assert leaks(client.get(url, headers=headers)) == [], url
    assert client.get(f"/api/v1/claims/?q={MARK}", headers=headers).json()["results"] == []  # nor searchable
    # The check itself finds notes where they are: a reviewer's notes/.
    assert MARK in leaks(client.get(f"/api/v1/claims/{desk.pk}/notes/", headers=headers))


def test_the_public_history_has_no_review_step(client, desk):
    history = client.get(f"/api/v1/claims/{desk.pk}/history/").json()["results"]
    fields = {change["field"] for entry in history for change in entry["changes"]}
    assert fields <= {"verdict", "explanation", "status"}
    assert all(entry["who"] is None for entry in history)


def test_a_researchers_admin_pages_show_no_note(client, desk):
    client.force_login(ResearcherFactory(username="ruth", is_staff=True))
    for url in (
        f"/admin/claims/claim/{desk.pk}/change/",
        f"/admin/claims/claim/{desk.pk}/history/",
        "/admin/claims/claim/",
        "/admin/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert leaks(response) == [], url
