"""Corrections are public and need a reason: the rule (claims.corrections), the service that applies it on every
write (claims.services.claim_save), the log it keeps, and the log rebuilt from history for older claims."""

import importlib
import json

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from claims import services
from claims.choices import ClaimStatus, CorrectionKind, Verdict
from claims.corrections import PublicState, needs_note, public_change_kind
from claims.models import Claim, Correction
from claims.selectors.corrections import claim_correction_log
from tests.factories import ClaimFactory, EvidenceFactory, PublishedClaimFactory

PUB, RET, REV, DRAFT = ClaimStatus.PUBLISHED, ClaimStatus.RETRACTED, ClaimStatus.IN_REVIEW, ClaimStatus.DRAFT

# Re-reviews walked back to publication by one reviewer: a one-person desk (second review has tests of its own).
pytestmark = pytest.mark.usefixtures("one_person_desk")


def state(status=PUB, verdict=Verdict.FALSE, explanation="Because."):
    return PublicState(status=status, verdict=verdict, explanation=explanation)


@pytest.mark.parametrize(
    ("previous", "new", "minor", "kind"),
    [
        (None, state(), False, CorrectionKind.PUBLISHED),
        (None, state(status=REV), False, None),
        (state(), state(status=REV, verdict=Verdict.TRUE), False, None),  # a re-review under way: nothing public
        (state(), state(), False, None),  # another field changed: readers see the same verdict and explanation
        (state(), state(verdict=Verdict.TRUE), False, CorrectionKind.CORRECTED),
        (state(), state(verdict=Verdict.TRUE), True, CorrectionKind.CORRECTED),  # a new verdict is never minor
        (state(), state(explanation="Better."), False, CorrectionKind.CORRECTED),
        (state(), state(explanation="Better."), True, CorrectionKind.UPDATED),
        (state(), state(status=RET), False, CorrectionKind.RETRACTED),
        (state(), state(status=RET, verdict=Verdict.TRUE), True, CorrectionKind.RETRACTED),
        (state(status=RET), state(), False, CorrectionKind.CORRECTED),  # a retracted check reinstated
        (state(status=RET), state(status=RET, verdict=Verdict.TRUE), False, CorrectionKind.CORRECTED),
    ],
)
def test_public_change_kind(previous, new, minor, kind):
    assert public_change_kind(previous, new, minor=minor) == kind


def test_only_corrections_and_retractions_need_a_note():
    assert [k for k in CorrectionKind.values if needs_note(k)] == ["corrected", "retracted"]
    assert not needs_note(None)


# --- the service ------------------------------------------------------------------------------------------------


@pytest.fixture
def in_review(db, reviewer):
    claim = ClaimFactory(status=REV, verdict=Verdict.FALSE, explanation="The source says otherwise.")
    EvidenceFactory(claim=claim)
    return claim


def publish(claim, user, **kwargs) -> Claim:
    return services.claim_update(claim_id=claim.pk, user=user, data={"status": PUB}, **kwargs)


def log(claim) -> list[tuple]:
    return list(
        Correction.objects.filter(claim=claim)
        .order_by("id")
        .values_list("kind", "verdict_before", "verdict_after", "note")
    )


def test_first_publication_is_logged_without_a_note(in_review, reviewer):
    claim = publish(in_review, reviewer)
    assert log(claim) == [("published", "", "false", "")]
    entry = Correction.objects.get(claim=claim)
    assert entry.created_at == claim.published_at
    assert entry.created_by == reviewer


def test_a_new_verdict_of_a_published_claim_is_refused_without_a_note(in_review, reviewer):
    claim = publish(in_review, reviewer)
    with pytest.raises(ValidationError) as refused:
        services.claim_update(claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.TRUE})
    message = refused.value.message_dict["correction_note"][0]
    assert "changes the published verdict from “False” to “True”" in message
    assert "public correction note" in message
    claim.refresh_from_db()
    assert (claim.verdict, claim.version) == (Verdict.FALSE, 2)
    assert len(log(claim)) == 1

    with pytest.raises(ValidationError, match="never a minor edit"):
        services.claim_update(claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.TRUE}, minor_edit=True)
    with pytest.raises(ValidationError):  # blank is no note
        services.claim_update(claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.TRUE}, correction_note="  ")


def test_a_new_verdict_with_a_note_is_logged_as_a_correction(in_review, reviewer):
    claim = publish(in_review, reviewer)
    note = "A newer survey shows the figure was right."
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.TRUE}, correction_note=note)
    assert log(claim)[1:] == [("corrected", "false", "true", note)]


def test_retraction_needs_a_note(in_review, reviewer):
    claim = publish(in_review, reviewer)
    with pytest.raises(ValidationError, match="Retracting a published claim needs a public correction note"):
        services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": RET})
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": RET}, correction_note="Wrong claimant.")
    assert log(claim)[1:] == [("retracted", "false", "false", "Wrong claimant.")]


def test_explanation_edit_needs_a_note_unless_minor(in_review, reviewer):
    claim = publish(in_review, reviewer)
    with pytest.raises(ValidationError, match="or mark the edit as minor"):
        services.claim_update(claim_id=claim.pk, user=reviewer, data={"explanation": "The source says otherwise!"})
    services.claim_update(
        claim_id=claim.pk, user=reviewer, data={"explanation": "The source says otherwise!"}, minor_edit=True
    )
    services.claim_update(
        claim_id=claim.pk, user=reviewer, data={"explanation": "Rewritten."}, correction_note="We misread table 2."
    )
    assert log(claim)[1:] == [("updated", "false", "false", ""), ("corrected", "false", "false", "We misread table 2.")]


def test_other_fields_and_drafts_need_no_note_and_log_nothing(in_review, reviewer):
    draft = ClaimFactory()
    services.claim_update(
        claim_id=draft.pk, user=reviewer, data={"verdict": Verdict.TRUE}, correction_note="a draft's private note"
    )
    assert log(draft) == []
    claim = publish(in_review, reviewer)
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"claimant": "Someone else"}, correction_note="x")
    assert len(log(claim)) == 1
    assert not Correction.objects.filter(note__in=["a draft's private note", "x"]).exists()


def test_re_review_is_compared_with_the_last_public_state(in_review, reviewer):
    claim = publish(in_review, reviewer)
    # Back to review: what happens there is not public, note or not.
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": REV}, correction_note="going back")
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.MIXED}, correction_note="hmm")
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.TRUE})
    assert len(log(claim)) == 1
    with pytest.raises(ValidationError, match="from “False” to “True”"):
        publish(claim, reviewer)
    publish(claim, reviewer, correction_note="Re-reviewed with the full report.")
    # Straight from the last public verdict to the new one: the intermediate "mixed" is nowhere.
    assert log(claim)[1:] == [("corrected", "false", "true", "Re-reviewed with the full report.")]
    assert not Correction.objects.filter(verdict_before=Verdict.MIXED).exists()


def test_re_review_that_changes_nothing_public_republishes_without_a_note(in_review, reviewer):
    claim = publish(in_review, reviewer)
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": REV})
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.TRUE})
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.FALSE})
    publish(claim, reviewer)
    assert len(log(claim)) == 1


def test_reinstating_a_retracted_claim_needs_a_note(in_review, reviewer):
    claim = publish(in_review, reviewer)
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": RET}, correction_note="Withdrawn.")
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": REV})
    with pytest.raises(ValidationError, match="Publishing a retracted claim again"):
        publish(claim, reviewer)
    publish(claim, reviewer, correction_note="Reinstated after review.")
    assert [k for k, *_ in log(claim)] == ["published", "retracted", "corrected"]


def test_claims_published_by_factories_are_judged_from_their_history(db, reviewer):
    claim = PublishedClaimFactory()  # saved without the services: its history still holds its public state
    with pytest.raises(ValidationError):
        services.claim_update(claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.TRUE})


def test_the_note_is_plain_text_of_limited_length(in_review, reviewer):
    claim = publish(in_review, reviewer)
    with pytest.raises(ValidationError, match="control character"):
        services.claim_update(
            claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.TRUE}, correction_note="bad\x07note"
        )
    with pytest.raises(ValidationError, match="at most 5,000"):
        services.claim_update(
            claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.TRUE}, correction_note="x" * 5001
        )


def test_bulk_set_verdict_takes_one_note_and_refuses_without_it(in_review, reviewer):
    claim = publish(in_review, reviewer)
    draft = ClaimFactory()
    result = services.claims_set_verdict(claims=[claim, draft], verdict=Verdict.TRUE, user=reviewer)
    assert result.changed == [Claim.objects.get(pk=draft.pk)]
    [(refused, reason)] = result.refused
    assert refused.pk == claim.pk
    assert "public correction note" in reason
    assert reason.endswith("Set the verdict again with a public correction note.")
    result = services.claims_set_verdict(claims=[claim], verdict=Verdict.TRUE, user=reviewer, correction_note="New.")
    assert log(claim)[1:] == [("corrected", "false", "true", "New.")]


def test_bulk_publish_refuses_a_re_review_that_needs_a_note(in_review, reviewer):
    claim = publish(in_review, reviewer)
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": REV})
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.TRUE})
    result = services.claims_publish(claims=[claim], user=reviewer)
    [(_, reason)] = result.refused
    assert "from “False” to “True”" in reason
    assert reason.endswith("Publish it from its own page, where the note is written.")


# --- the claim's log, as the public sees it ---------------------------------------------------------------------


def test_claim_log_oldest_first_and_hidden_while_the_claim_is_in_review(in_review, reviewer, django_assert_num_queries):
    claim = publish(in_review, reviewer)
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.TRUE}, correction_note="Fixed.")
    with django_assert_num_queries(1):
        entries = claim_correction_log(claim_id=claim.pk, user=AnonymousUser())
    assert [(e.kind, e.verdict_before, e.verdict_after, e.note) for e in entries] == [
        ("published", "", "false", ""),
        ("corrected", "false", "true", "Fixed."),
    ]
    assert entries[1].verdict_changed
    assert str(entries[1].verdict_before_label) == "False"
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": REV})
    assert claim_correction_log(claim_id=claim.pk, user=AnonymousUser()) == []
    assert len(claim_correction_log(claim_id=claim.pk, user=reviewer)) == 2


# --- the log of older claims, rebuilt from their history -------------------------------------------------------


def test_log_rebuilt_from_history_holds_public_states_only(db, reviewer):
    claim = PublishedClaimFactory(verdict=Verdict.FALSE)  # history: published, false
    published_at = claim.published_at
    for status, verdict, explanation in [
        (REV, Verdict.MIXED, "draft reasoning"),  # not public: never in the log
        (PUB, Verdict.TRUE, "draft reasoning"),
        (PUB, Verdict.TRUE, "tidied"),
        (RET, Verdict.TRUE, "tidied"),
    ]:
        claim.status, claim.verdict, claim.explanation = status, verdict, explanation
        claim.save()
    never_public = ClaimFactory()
    never_public.verdict = Verdict.TRUE
    never_public.save()
    Correction.objects.all().delete()

    migration = importlib.import_module("claims.migrations.0016_correction_log_from_history")
    migration.log_from_history(apps, None)
    assert log(claim) == [
        ("published", "", "false", ""),
        ("corrected", "false", "true", ""),
        ("updated", "true", "true", ""),
        ("retracted", "true", "true", ""),
    ]
    assert Correction.objects.filter(claim=claim).order_by("id").first().created_at == published_at
    assert log(never_public) == []
    migration.log_from_history(apps, None)  # a second run adds nothing
    assert Correction.objects.count() == 4


# --- the importer goes through the same rule ---------------------------------------------------------------------


def test_re_importing_our_own_review_with_a_new_rating_is_skipped_with_the_reason(tmp_path, settings, db):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from tests.importers.test_claimreview import review, run

    ours = {"@type": "Organization", "name": "Us", "url": settings.FACTCHECK_ORGANIZATION_URL + "about/"}
    run(tmp_path, review(1, author=ours), "--own", "--publish")
    claim = Claim.objects.get()
    assert log(claim) == [("published", "", "false", "")]
    assert Correction.objects.get().created_at.date().isoformat() == "2024-11-28"  # the review's own date

    rating = {"@type": "Rating", "ratingValue": 5, "bestRating": 5, "worstRating": 1, "alternateName": "True"}
    path = tmp_path / "again.json"
    path.write_text(json.dumps(review(1, author=ours, reviewRating=rating)), encoding="utf-8")
    out = StringIO()
    with pytest.raises(CommandError, match="Nothing could be imported"):
        call_command("import_claimreview", str(path), "--own", "--publish", stdout=out, stderr=out)
    assert "public correction note" in out.getvalue()
    claim.refresh_from_db()
    assert claim.verdict == Verdict.FALSE
    assert len(log(claim)) == 1
