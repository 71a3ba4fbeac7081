"""Other fact-checkers' reviews of a claim (ExternalReview): in the claim detail, at reviews/, as visible as the
claim is, and the disagreement view (ours and theirs on different sides) in the API and the admin."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from claims.choices import ClaimStatus, Verdict
from claims.models import ExternalReview
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/claims/"


def test_claim_detail_carries_external_reviews_and_reviews_lists_them_with_raw(client):
    claim = factories.PublishedClaimFactory(text="The leaked model makes 10-second 1080p video")
    review = factories.ExternalReviewFactory(
        claim=claim,
        publisher_name="Snopes",
        rating_text="Mostly False",
        rating_value=Decimal("2"),
        best_rating=Decimal("5"),
        worst_rating=Decimal("1"),
        score=0.25,
        verdict=Verdict.MOSTLY_FALSE,
        language="en",
    )
    detail = client.get(f"{URL}{claim.pk}/").json()
    [shown] = detail["external_reviews"]
    assert shown["url"] == review.url
    assert (shown["publisher_name"], shown["rating_text"], shown["verdict"]) == (
        "Snopes",
        "Mostly False",
        "mostly_false",
    )
    assert (shown["rating_value"], shown["best_rating"], shown["worst_rating"]) == ("2.0000", "5.0000", "1.0000")
    assert shown["score"] == 0.25
    assert "raw" not in shown

    listed = client.get(f"{URL}{claim.pk}/reviews/")
    assert listed.status_code == 200
    [item] = listed.json()
    assert item["raw"] == review.raw
    assert {k: v for k, v in item.items() if k != "raw"} == shown


@pytest.mark.parametrize("status", [ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW])
def test_reviews_of_a_claim_the_reader_may_not_see_are_404(client, researcher, reviewer, status):
    claim = factories.ClaimFactory(status=status)
    factories.ExternalReviewFactory(claim=claim, rating_text="DRAFT-ONLY")
    assert client.get(f"{URL}{claim.pk}/reviews/").status_code == 404
    client.force_login(researcher)
    assert client.get(f"{URL}{claim.pk}/reviews/").status_code == 404
    client.force_login(reviewer)
    assert client.get(f"{URL}{claim.pk}/reviews/").json()[0]["rating_text"] == "DRAFT-ONLY"


def test_a_review_is_its_page_and_its_claim_text():
    """Two reviews on one page (a debate round-up) are two records; the same page and text again is refused."""
    claim = factories.PublishedClaimFactory()
    url = "https://truco.example/debate-round-up"
    factories.ExternalReviewFactory(claim=claim, url=url, claim_reviewed="Candidate A said unemployment fell")
    factories.ExternalReviewFactory(claim=claim, url=url, claim_reviewed="Candidate B said taxes doubled")
    assert ExternalReview.objects.filter(url=url).count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ExternalReviewFactory(claim=claim, url=url, claim_reviewed="Candidate B said taxes doubled")


def test_a_score_outside_0_1_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ExternalReviewFactory(score=1.5)


def _disagreement_cases():
    ours_false_theirs_true = factories.PublishedClaimFactory(verdict=Verdict.FALSE, text="ours false, theirs true")
    factories.ExternalReviewFactory(claim=ours_false_theirs_true, verdict=Verdict.TRUE)
    theirs_split = factories.PublishedClaimFactory(verdict=Verdict.MIXED, text="theirs split")
    factories.ExternalReviewFactory(claim=theirs_split, verdict=Verdict.MOSTLY_TRUE)
    factories.ExternalReviewFactory(claim=theirs_split, verdict=Verdict.MISLEADING)
    agree = factories.PublishedClaimFactory(verdict=Verdict.FALSE, text="all agree")
    factories.ExternalReviewFactory(claim=agree, verdict=Verdict.MOSTLY_FALSE)
    no_side = factories.PublishedClaimFactory(verdict=Verdict.TRUE, text="theirs takes no side")
    factories.ExternalReviewFactory(claim=no_side, verdict=Verdict.UNRATED)
    factories.ExternalReviewFactory(claim=no_side, verdict=Verdict.UNVERIFIABLE)
    alone = factories.PublishedClaimFactory(verdict=Verdict.TRUE, text="nobody else reviewed it")
    return {ours_false_theirs_true.pk, theirs_split.pk}, {agree.pk, no_side.pk, alone.pk}


def test_disagreement_filter_in_the_api(client):
    disagree, rest = _disagreement_cases()
    found = {row["id"] for row in client.get(URL, {"disagreement": "true"}).json()["results"]}
    assert found == disagree
    others = {row["id"] for row in client.get(URL, {"disagreement": "false"}).json()["results"]}
    assert others == rest
    bad = client.get(URL, {"disagreement": "maybe"})
    assert bad.status_code == 400
    assert "disagreement" in bad.json()


def test_disagreement_filter_in_the_admin(client, reviewer):
    disagree, rest = _disagreement_cases()
    client.force_login(reviewer)
    page = client.get("/admin/claims/claim/", {"disagreement": "yes"})
    assert page.status_code == 200
    shown = {claim.pk for claim in page.context["cl"].result_list}
    assert shown == disagree


def test_admin_shows_external_reviews_inline_read_only(client, reviewer):
    claim = factories.PublishedClaimFactory()
    factories.ExternalReviewFactory(
        claim=claim,
        publisher_name="The Washington Post",
        rating_text="Three Pinocchios",
        rating_value=Decimal("3"),
        best_rating=Decimal("4"),
        worst_rating=Decimal("1"),
        verdict=Verdict.MOSTLY_FALSE,
        url="https://wapo.example/fact-checker/1",
    )
    client.force_login(reviewer)
    page = client.get(f"/admin/claims/claim/{claim.pk}/change/").content.decode()
    assert "The Washington Post" in page
    assert "Three Pinocchios (3 of 1–4)" in page
    assert 'href="https://wapo.example/fact-checker/1"' in page
    assert 'name="external_reviews-0-rating_text"' not in page  # read-only: nothing to edit
