from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from claims import services
from claims.choices import ClaimStatus, ExcerptStatus, Verdict
from claims.models import Claim, Evidence
from notifications.choices import EventType
from notifications.models import Event
from tests.factories import ClaimFactory, EvidenceFactory


@pytest.fixture
def claim(db):
    return ClaimFactory(status=ClaimStatus.IN_REVIEW)


def test_publishing_refused_names_every_missing_piece(claim, reviewer):
    with pytest.raises(ValidationError) as refused:
        services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": ClaimStatus.PUBLISHED})
    message = " ".join(refused.value.messages)
    assert "verdict other than “unrated”" in message
    assert "explanation" in message
    assert "evidence" in message
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW
    assert claim.version == 1


@pytest.mark.parametrize(
    ("verdict", "explanation", "with_evidence", "missing"),
    [
        (Verdict.FALSE, "Because.", False, "evidence"),
        (Verdict.FALSE, "   ", True, "explanation"),
        (Verdict.UNRATED, "Because.", True, "verdict"),
    ],
)
def test_publishing_rule_each_condition(claim, reviewer, verdict, explanation, with_evidence, missing):
    if with_evidence:
        EvidenceFactory(claim=claim)
    with pytest.raises(ValidationError, match=missing):
        services.claim_update(
            claim_id=claim.pk,
            user=reviewer,
            data={"verdict": verdict, "explanation": explanation, "status": ClaimStatus.PUBLISHED},
        )
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.IN_REVIEW


@pytest.mark.usefixtures("one_person_desk")
def test_publishing_succeeds_and_stamps_reviewer(claim, reviewer):
    EvidenceFactory(claim=claim)
    published = services.claim_update(
        claim_id=claim.pk,
        user=reviewer,
        expected_version=1,
        data={"verdict": Verdict.MOSTLY_TRUE, "explanation": "Two sources agree.", "status": ClaimStatus.PUBLISHED},
    )
    assert published.status == ClaimStatus.PUBLISHED
    assert published.reviewer == reviewer
    assert published.reviewed_at is not None
    assert published.published_at is not None
    assert published.version == 2


def test_stale_version_is_refused_and_nothing_is_lost(claim, reviewer, other_reviewer):
    services.claim_update(
        claim_id=claim.pk,
        user=reviewer,
        expected_version=1,
        data={"verdict": Verdict.FALSE, "explanation": "First reviewer's reasoning."},
    )
    with pytest.raises(services.VersionConflict, match="changed by rita"):
        services.claim_update(
            claim_id=claim.pk,
            user=other_reviewer,
            expected_version=1,
            data={"verdict": Verdict.TRUE, "explanation": "Second reviewer's reasoning."},
        )
    claim.refresh_from_db()
    assert claim.verdict == Verdict.FALSE
    assert claim.explanation == "First reviewer's reasoning."
    assert claim.version == 2


def test_verdict_history_keeps_who_and_what(claim, reviewer, other_reviewer):
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.FALSE, "explanation": "A."})
    services.claim_update(claim_id=claim.pk, user=other_reviewer, data={"verdict": Verdict.MISLEADING})
    records = list(claim.history.order_by("history_date"))
    assert [r.verdict for r in records] == [Verdict.UNRATED, Verdict.FALSE, Verdict.MISLEADING]
    assert [r.history_user for r in records[1:]] == [reviewer, other_reviewer]
    delta = records[-1].diff_against(records[-2])
    assert {c.field: (c.old, c.new) for c in delta.changes}["verdict"] == (Verdict.FALSE, Verdict.MISLEADING)


def test_bulk_publish_names_the_refused(reviewer):
    ready = ClaimFactory(status=ClaimStatus.IN_REVIEW, verdict=Verdict.TRUE, explanation="Confirmed.")
    EvidenceFactory(claim=ready)
    not_ready = ClaimFactory(status=ClaimStatus.IN_REVIEW)
    result = services.claims_publish(claims=Claim.objects.order_by("pk"), user=reviewer)
    assert [c.pk for c in result.changed] == [ready.pk]
    assert [(c.pk, "evidence" in reason) for c, reason in result.refused] == [(not_ready.pk, True)]
    assert ready.history.count() == 2  # bulk actions write history too


def test_bulk_set_verdict_writes_history(reviewer):
    claims = ClaimFactory.create_batch(3)
    result = services.claims_set_verdict(claims=claims, verdict=Verdict.UNVERIFIABLE, user=reviewer)
    assert len(result.changed) == 3
    for claim in claims:
        assert claim.history.first().verdict == Verdict.UNVERIFIABLE
        assert claim.history.first().history_user == reviewer


def test_bulk_set_verdict_rejects_unknown_value(reviewer):
    with pytest.raises(ValidationError, match="not a verdict"):
        services.claims_set_verdict(claims=[], verdict="sort_of", user=reviewer)


def test_illegal_transition_is_refused(reviewer):
    claim = ClaimFactory(status=ClaimStatus.DRAFT)
    with pytest.raises(ValidationError, match="cannot go from"):
        services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": ClaimStatus.RETRACTED})


def test_last_evidence_of_published_claim_cannot_be_removed(reviewer):
    claim = ClaimFactory(status=ClaimStatus.IN_REVIEW, verdict=Verdict.TRUE, explanation="Confirmed.")
    evidence = EvidenceFactory(claim=claim)
    services.claims_publish(claims=[claim], user=reviewer)
    with pytest.raises(ValidationError, match="only evidence"):
        services.evidence_remove(evidence=evidence)
    assert claim.evidence.count() == 1


def test_evidence_add_reuses_source_by_canonical_url(reviewer):
    first, second = ClaimFactory.create_batch(2)
    a = services.evidence_add(claim=first, url="HTTPS://Example.ORG:443/report?utm_source=x#top", user=reviewer)
    b = services.evidence_add(claim=second, url="https://example.org/report", user=reviewer)
    assert a.source_id == b.source_id
    assert a.source.url == "https://example.org/report"
    with pytest.raises(ValidationError, match="already cites"):
        services.evidence_add(claim=first, url="https://example.org/report#again", user=reviewer)


def test_create_refuses_unknown_fields(reviewer):
    with pytest.raises(ValidationError, match="Unknown claim fields: colour"):
        services.claim_create(user=reviewer, text="x", colour="red")


def test_article_upsert_updates_instead_of_duplicating(db):
    article, created = services.article_upsert(url="https://News.example.org/a#x", title="First")
    again, created_again = services.article_upsert(url="https://news.example.org/a", title="Second")
    assert (created, created_again) == (True, False)
    assert again.pk == article.pk
    assert again.title == "Second"


def test_claims_flag_stale(db):
    today = date(2026, 5, 1)
    past = ClaimFactory(recheck_after=date(2026, 4, 30))
    due_today = ClaimFactory(recheck_after=today)
    later = ClaimFactory(recheck_after=date(2026, 6, 1), needs_recheck=True)  # date moved on
    never = ClaimFactory()
    assert services.claims_flag_stale(today=today) == (2, 1)
    assert services.claims_flag_stale(today=today) == (0, 0)  # a second run changes nothing
    flags = dict(Claim.objects.values_list("id", "needs_recheck"))
    assert flags == {past.id: True, due_today.id: True, later.id: False, never.id: False}


def test_claims_flag_stale_task_runs_the_service(db):
    from claims.tasks import claims_flag_stale

    ClaimFactory(recheck_after=date(2000, 1, 1))
    assert claims_flag_stale.delay().get() == {"flagged": 1, "cleared": 0}


def test_appearances_are_unique_by_url_but_url_less_ones_may_be_several(db):
    from django.db import IntegrityError, transaction

    from claims.models import Appearance
    from tests.factories import ArticleFactory

    claim = ClaimFactory()
    Appearance.objects.create(claim=claim, article=ArticleFactory(), quote="first, known by its article")
    Appearance.objects.create(claim=claim, article=ArticleFactory(), quote="second, also without a url")
    Appearance.objects.create(claim=claim, url="https://example.org/a#x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Appearance.objects.create(claim=claim, url="https://example.org/a")
    assert claim.appearances.count() == 3


def test_excerpt_status_record_marks_found_and_missing_of_the_checked_sources_only(db, django_assert_num_queries):
    found, missing, moved, untouched = EvidenceFactory.create_batch(4)
    checked_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    # moved: its id was found on its old source's page, but it cites another source now, not one checked
    sources = [found.source_id, missing.source_id]
    # Two updates, then the drift's outbox event: its evidence with claim and source, the claim's tags, the INSERT.
    with django_assert_num_queries(5):
        changed = services.evidence_excerpt_status_record(
            source_ids=sources, found=[found.pk, moved.pk], missing=[missing.pk], checked_at=checked_at
        )
    assert changed == services.ExcerptStatusChange(found=1, missing=1, went_missing=(missing.pk,))
    for evidence in (found, missing, moved, untouched):
        evidence.refresh_from_db()
    assert (found.excerpt_status, found.excerpt_checked_at) == (ExcerptStatus.FOUND, checked_at)
    assert (missing.excerpt_status, missing.excerpt_checked_at) == (ExcerptStatus.MISSING, checked_at)
    assert (moved.excerpt_status, moved.excerpt_checked_at) == (ExcerptStatus.UNCHECKED, None)
    assert (untouched.excerpt_status, untouched.excerpt_checked_at) == (ExcerptStatus.UNCHECKED, None)
    with django_assert_num_queries(0):
        assert (
            services.evidence_excerpt_status_record(source_ids=sources, found=[], missing=[], checked_at=checked_at)
            == services.ExcerptStatusChange()
        )


def test_excerpt_status_record_names_the_excerpts_that_went_missing_now(db, django_assert_num_queries):
    """Excerpt drift: an excerpt found before (or never checked) and missing now is named; one missing already is
    marked again but is no news."""
    was_found, was_missing, unchecked = EvidenceFactory.create_batch(3)
    Evidence.objects.filter(pk=was_found.pk).update(excerpt_status=ExcerptStatus.FOUND)
    Evidence.objects.filter(pk=was_missing.pk).update(excerpt_status=ExcerptStatus.MISSING)
    checked_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    everything = [was_found, was_missing, unchecked]
    with django_assert_num_queries(4):  # the update, then the two drifts' events (evidence, tags, one INSERT)
        changed = services.evidence_excerpt_status_record(
            source_ids=[e.source_id for e in everything],
            found=[],
            missing=[e.pk for e in everything],
            checked_at=checked_at,
        )
    assert changed.missing == 3
    assert changed.went_missing == tuple(sorted([was_found.pk, unchecked.pk]))
    events = Event.objects.filter(type=EventType.EVIDENCE_EXCERPT_MISSING).order_by("id")
    assert [event.object_ids["evidence"] for event in events] == sorted([was_found.pk, unchecked.pk])
    assert set(Evidence.objects.values_list("excerpt_status", flat=True)) == {ExcerptStatus.MISSING}
