"""The claim detail is read as plain values (selectors.claim_detail_row) and shaped by ClaimDetailRows: it must be
exactly what ClaimDetailSerializer makes of the model, read as a model instance."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import F, Prefetch
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from claims.api.serializers import ClaimDetailRows, ClaimDetailSerializer
from claims.choices import ClaimStatus, ExcerptStatus, Stance
from claims.models import Claim, Evidence, ExternalReview, Tag
from claims.selectors.attention import with_needs_attention
from claims.selectors.claims import claim_detail_row
from sources.choices import Health
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/claims/"


def _claims(reviewer):
    whole_second = timezone.make_aware(dt.datetime(2024, 7, 1, 8, 0, 0))
    micro = timezone.make_aware(dt.datetime(2024, 11, 3, 12, 30, 15, 120000))  # PostgreSQL's JSON drops the zeros
    rich = factories.PublishedClaimFactory(
        value=Decimal("12.5"),
        unit="%",
        reviewed_at=micro,
        recheck_after=dt.date(2025, 1, 31),
        original_rating="Four",
        claimed_at=micro - dt.timedelta(days=3),
        review_language="zh-Hant",
    )
    rich.tags.add(*(Tag.objects.get_or_create(name=n)[0] for n in ["zeta", "Alpha", "中文"]))
    Claim.objects.filter(pk=rich.pk).update(reviewer=reviewer, assignee=reviewer, due_at=micro)
    kept = factories.EvidenceFactory(claim=rich, stance=Stance.REFUTES, excerpt="处理时间", note="n")
    kept.source.health, kept.source.last_checked_at, kept.source.archived_at = Health.OK, micro, whole_second
    kept.source.archive_url = "https://web.archive.org/web/2024/https://example.org/a"
    kept.source.save()
    kept.excerpt_status = ExcerptStatus.MISSING
    kept.save()
    factories.EvidenceFactory(claim=rich)
    # Other desks' reviews: numbers with and without a scale, a review with no date, micro-seconds in another.
    factories.ExternalReviewFactory(
        claim=rich,
        rating_text="Three Pinocchios",
        rating_value=Decimal("2"),
        best_rating=Decimal("5"),
        worst_rating=Decimal("1"),
        score=0.25,
        verdict="mostly_false",
        reviewed_at=micro,
        claim_reviewed="“说法”，原文",
    )
    factories.ExternalReviewFactory(claim=rich, reviewed_at=None, rating_text="", verdict="unrated")
    dead_only = factories.PublishedClaimFactory(article=None, status=ClaimStatus.RETRACTED, claimant="李明")
    gone = factories.EvidenceFactory(claim=dead_only).source
    gone.health = Health.DEAD
    gone.save()
    bare = factories.PublishedClaimFactory(text="Nothing cited", quote='He said "yes"')
    draft = factories.ClaimFactory(value=Decimal("-3"), text="A draft")
    return [rich, dead_only, bare, draft]


def _claim_as_model(claim_id: int) -> Claim:
    """The claim as ClaimDetailSerializer reads it: the oracle the rows are held to."""
    evidence = Prefetch("evidence", queryset=Evidence.objects.select_related("source"))
    reviews = Prefetch(
        "external_reviews", queryset=ExternalReview.objects.order_by(F("reviewed_at").asc(nulls_last=True), "id")
    )
    claims = Claim.objects.select_related("article", "reviewer").prefetch_related("tags", evidence, reviews)
    return with_needs_attention(claims).get(pk=claim_id)


@pytest.mark.parametrize("viewer", ["anonymous", "reviewer"])  # the assignment is shown to reviewers only
def test_detail_rows_are_exactly_what_the_serializer_makes(reviewer, viewer):
    reviewer.first_name, reviewer.last_name = "Ada", "Lovelace"
    reviewer.save()
    request = Request(APIRequestFactory().get(URL))
    if viewer == "reviewer":
        request.user = reviewer
    for claim in _claims(reviewer):
        row = claim_detail_row(claim_id=claim.pk, user=reviewer)
        got = ClaimDetailRows(request).detail(row)
        expected = ClaimDetailSerializer(_claim_as_model(claim.pk), context={"request": request}).data
        assert list(got) == list(expected)
        assert JSONRenderer().render(got) == JSONRenderer().render(expected), claim.text


def test_reviewer_without_a_full_name_is_shown_by_username(reviewer):
    claim = factories.PublishedClaimFactory()
    Claim.objects.filter(pk=claim.pk).update(reviewer=reviewer)
    request = Request(APIRequestFactory().get(URL))
    got = ClaimDetailRows(request).detail(claim_detail_row(claim_id=claim.pk, user=reviewer))
    assert got["reviewer"] == reviewer.username


def test_drafts_are_hidden_from_the_public(reviewer):
    read = claim_detail_row
    draft = factories.ClaimFactory()
    with pytest.raises(Claim.DoesNotExist):
        read(claim_id=draft.pk, user=AnonymousUser())
    assert read(claim_id=draft.pk, user=reviewer)["id"] == draft.pk
    with pytest.raises(Claim.DoesNotExist):
        read(claim_id=draft.pk + 1000, user=reviewer)


def test_detail_is_one_query_on_postgresql(client, django_assert_num_queries):
    claim = factories.PublishedClaimFactory()
    factories.EvidenceFactory(claim=claim)
    with django_assert_num_queries(1):
        response = client.get(f"{URL}{claim.pk}/")
    assert response.status_code == 200
    assert response.json()["evidence"][0]["source"]["url"]


def test_each_read_has_one_column_map_that_the_serializer_and_the_rows_follow(reviewer):
    """The column maps are the one list of each read's fields: the serializers (the schema) declare their keys, and
    the row builders make exactly those keys in that order."""
    from claims.api.serializers import ClaimRows, ClaimSerializer, EvidenceSerializer, EvidenceSourceSerializer
    from claims.selectors import claims as claim_selectors

    assert list(ClaimSerializer().fields) == list(claim_selectors.CLAIM_LIST_COLUMNS)
    assert list(ClaimDetailSerializer().fields) == list(claim_selectors.CLAIM_DETAIL_COLUMNS)
    assert list(EvidenceSerializer().fields) == list(claim_selectors.EVIDENCE_COLUMNS)
    assert tuple(EvidenceSourceSerializer().fields) == claim_selectors.EVIDENCE_SOURCE_FIELDS
    claim = _claims(reviewer)[0]
    request = Request(APIRequestFactory().get(URL))
    row = claim_detail_row(claim_id=claim.pk, user=reviewer)
    assert tuple(row) == claim_selectors.CLAIM_DETAIL_FIELDS
    detail = ClaimDetailRows(request).detail(row)
    assert list(detail) == list(claim_selectors.CLAIM_DETAIL_COLUMNS)
    assert list(detail["evidence"][0]) == list(claim_selectors.EVIDENCE_COLUMNS)
    rows = list(claim_selectors.claim_list_rows(filters={}, user=reviewer))
    assert tuple(rows[0]) == claim_selectors.CLAIM_LIST_FIELDS
    assert list(ClaimRows(request).one(rows[0])) == list(claim_selectors.CLAIM_LIST_COLUMNS)
