"""A claim's public history shows the states that were themselves public, and nothing of what lay between.

Each test reproduces one leak the red-team pass found (issue 14, item 1) through the real API, as an anonymous
user and as a researcher's token, then shows that reviewers still read the whole record.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from claims import services
from claims.choices import ClaimStatus, Verdict
from claims.models import Claim
from tests import factories

from .conftest import token_headers

# Claims walked to publication by one reviewer: a one-person desk (second review has tests of its own).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_person_desk")]

DRAFT_NOTE = "DRAFT-NOTE: tip from an anonymous insider"
SOURCE_NAME = "Named by Jane Roe at the ministry"


@pytest.fixture(params=["anonymous", "researcher"])
def public_headers(request):
    if request.param == "anonymous":
        return {}
    return token_headers(factories.ResearcherFactory(username="rosa"))


def history(client, claim: Claim, headers: dict) -> list[dict]:
    response = client.get(f"/api/v1/claims/{claim.pk}/history/", headers=headers)
    assert response.status_code == 200, response.content[:300]
    return response.json()["results"]


def changes(entries: list[dict]) -> list[dict[str, tuple]]:
    """Each entry as {field: (from, to)}, newest first."""
    return [{c["field"]: (c["from"], c["to"]) for c in entry["changes"]} for entry in entries]


def draft_then_published(reviewer) -> Claim:
    """A draft whose verdict and explanation are the desk's notes, then published with the final ones."""
    claim = factories.ClaimFactory(verdict=Verdict.MIXED, explanation=DRAFT_NOTE)
    factories.EvidenceFactory(claim=claim)
    services.claim_update(
        claim_id=claim.pk,
        user=reviewer,
        data={"verdict": Verdict.FALSE, "explanation": "The figure is ten times too high.", "status": "published"},
    )
    return claim


def test_pre_publication_verdict_and_explanation_are_not_the_public_from(client, reviewer, public_headers):
    claim = draft_then_published(reviewer)
    entries = history(client, claim, public_headers)
    body = json.dumps(entries)
    assert DRAFT_NOTE not in body
    assert "mixed" not in body
    assert "draft" not in body
    # The first publication is where the public record starts: it has nothing before it.
    assert changes(entries) == [
        {
            "verdict": (None, "false"),
            "explanation": (None, "The figure is ten times too high."),
            "status": (None, "published"),
        }
    ]


def test_edits_during_re_review_stay_in_the_newsroom(client, reviewer, public_headers):
    """Published, moved back to review and edited (a source's name written down), published again: the public
    sees one correction from the old public text to the new, none of what was written in between."""
    claim = draft_then_published(reviewer)
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": ClaimStatus.IN_REVIEW})
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"explanation": SOURCE_NAME})
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.UNVERIFIABLE})
    services.claim_update(
        claim_id=claim.pk,
        user=reviewer,
        data={"verdict": Verdict.MOSTLY_FALSE, "explanation": "Corrected: eight times.", "status": "published"},
        correction_note="The figure is eight times too high, not ten.",
    )
    entries = history(client, claim, public_headers)
    body = json.dumps(entries)
    assert SOURCE_NAME not in body
    assert "in_review" not in body
    assert "unverifiable" not in body
    assert changes(entries) == [
        {
            "verdict": ("false", "mostly_false"),
            "explanation": ("The figure is ten times too high.", "Corrected: eight times."),
        },
        {
            "verdict": (None, "false"),
            "explanation": (None, "The figure is ten times too high."),
            "status": (None, "published"),
        },
    ]


def test_a_re_review_that_changed_nothing_public_leaves_no_public_record(client, reviewer, public_headers):
    claim = draft_then_published(reviewer)
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": ClaimStatus.IN_REVIEW})
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"explanation": SOURCE_NAME})
    services.claim_update(
        claim_id=claim.pk,
        user=reviewer,
        data={"explanation": "The figure is ten times too high.", "status": ClaimStatus.PUBLISHED},
    )
    entries = history(client, claim, public_headers)
    assert SOURCE_NAME not in json.dumps(entries)
    assert len(entries) == 1


def test_retraction_is_public_and_so_is_what_it_retracted(client, reviewer, public_headers):
    """Retracted is a public state: its record shows; a re-review after it does not, and the new publication's
    "from" is the retracted state."""
    claim = draft_then_published(reviewer)
    services.claim_update(
        claim_id=claim.pk, user=reviewer, data={"status": ClaimStatus.RETRACTED}, correction_note="Withdrawn."
    )
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": ClaimStatus.IN_REVIEW})
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"explanation": SOURCE_NAME})
    services.claim_update(
        claim_id=claim.pk,
        user=reviewer,
        data={"explanation": "Checked again.", "status": ClaimStatus.PUBLISHED},
        correction_note="Published again after a second check.",
    )
    entries = history(client, claim, public_headers)
    assert SOURCE_NAME not in json.dumps(entries)
    assert changes(entries)[:2] == [
        {
            "explanation": ("The figure is ten times too high.", "Checked again."),
            "status": ("retracted", "published"),
        },
        {"status": ("published", "retracted")},
    ]
    assert len(entries) == 3


def test_an_imported_and_published_claimreview_shows_no_in_review_record(client, tmp_path, public_headers, settings):
    """import_claimreview --own --publish (our own archive) creates the claim in review, then publishes it with the
    review's (earlier) date as published_at: the in-review creation record was public."""
    path = tmp_path / "review.json"
    path.write_text(
        json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "ClaimReview",
                "url": "https://checker.example.org/checks/1",
                "claimReviewed": "The mayor spent a million dollars on a golden bridge.",
                "datePublished": "2024-11-28",
                "author": {"@type": "Organization", "name": "Example Checkers"},
                "reviewRating": {"@type": "Rating", "alternateName": "False"},
            }
        ),
        encoding="utf-8",
    )
    settings.FACTCHECK_ORGANIZATION_NAME = "Example Checkers"
    call_command("import_claimreview", str(path), "--own", "--publish", stdout=StringIO())
    claim = Claim.objects.get()
    assert claim.status == ClaimStatus.PUBLISHED
    assert claim.history.filter(status=ClaimStatus.IN_REVIEW).exists()  # the record the public must not see
    entries = history(client, claim, public_headers)
    assert "in_review" not in json.dumps(entries)
    assert len(entries) == 1
    assert all(change["from"] is None for change in entries[0]["changes"])


def test_reviewers_still_read_every_record(client, reviewer):
    claim = draft_then_published(reviewer)
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": ClaimStatus.IN_REVIEW})
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"explanation": SOURCE_NAME})
    services.claim_update(
        claim_id=claim.pk,
        user=reviewer,
        data={"explanation": "Corrected.", "status": ClaimStatus.PUBLISHED},
        correction_note="Corrected.",
    )
    entries = history(client, claim, token_headers(reviewer))
    assert len(entries) == 5  # created, published, back to review, the source's name, published again
    assert changes(entries)[0]["explanation"] == (SOURCE_NAME, "Corrected.")
    assert changes(entries)[1]["explanation"] == ("The figure is ten times too high.", SOURCE_NAME)
    assert changes(entries)[3]["explanation"] == (DRAFT_NOTE, "The figure is ten times too high.")
    assert entries[0]["who"] == "rita"


def test_a_claim_back_in_review_has_no_public_history(client, reviewer, public_headers):
    claim = draft_then_published(reviewer)
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": ClaimStatus.IN_REVIEW})
    assert client.get(f"/api/v1/claims/{claim.pk}/history/", headers=public_headers).status_code == 404
