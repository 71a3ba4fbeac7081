"""The outbox's cost on the claim save path (issue 19: under a millisecond; `python -m bench.webhooks cost` measures
it): one statement, which reads the claim's public values as its page's detail row does and writes the event built
from them in PostgreSQL. The payload's rule is claims.events.public_claim_of_row; the statement's SQL twin of it
(and of DjangoJSONEncoder's times, notifications.outbox.json_datetime_sql) is held equal to it here."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.choices import ClaimStatus, CorrectionKind, Stance, Verdict
from claims.events import PUBLIC_CLAIM_ROW_FIELDS, READER, claim_change_event_record, public_claim_of_row
from claims.models import Appearance, Claim, Correction
from claims.selectors.claims import claim_columns_sql, claim_detail_row
from notifications.models import Event
from notifications.outbox import as_json, json_datetime_sql
from sources.choices import Health
from tests.factories import EvidenceFactory, ExternalReviewFactory, PublishedClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db


def correct(claim: Claim, user, note: str) -> None:
    """A correction of a published claim through claim_save, as every path makes one."""
    claim = Claim.objects.get(pk=claim.pk)
    before = services.snapshot(claim)
    claim.verdict = Verdict.MOSTLY_FALSE if claim.verdict == Verdict.FALSE else Verdict.FALSE
    services.claim_save(claim=claim, user=user, before=before, correction_note=note)


def test_the_event_adds_one_statement_to_a_correction(reviewer, monkeypatch, django_assert_num_queries):
    claim = PublishedClaimFactory()
    claim.tags.create(name="budget")
    with CaptureQueriesContext(connection) as with_event:
        correct(claim, reviewer, "First.")
    monkeypatch.setattr(services, "claim_change_event_record", lambda claim, correction: None)
    with CaptureQueriesContext(connection) as without_event:
        correct(claim, reviewer, "Second.")
    assert Event.objects.count() == 1
    assert len(with_event.captured_queries) - len(without_event.captured_queries) == 1
    statements = [query["sql"] for query in with_event.captured_queries]
    [insert] = [sql for sql in statements if "notifications_event" in sql]
    assert insert.startswith('INSERT INTO "notifications_event"')
    assert "FROM claims_claim c" in insert  # the claim's public values, read in the same statement
    assert "auth_user" not in insert  # the reviewer and the assignee are neither read nor sent
    monkeypatch.undo()
    # Pinned: claim_save's own statements (its history read, savepoint, UPDATE, read-back, public log entry) and the
    # event's one.
    with django_assert_num_queries(len(statements)):
        correct(claim, reviewer, "Third.")


def test_the_payload_reads_exactly_the_values_its_rule_uses():
    read: set[str] = set()

    class Recording(dict):
        def __getitem__(self, key):
            read.add(key)
            return super().__getitem__(key)

    claim = PublishedClaimFactory()
    row = claim_detail_row(claim_id=claim.pk, user=READER)
    public_claim_of_row(Recording(row))
    assert read == set(PUBLIC_CLAIM_ROW_FIELDS)


def test_the_narrow_statement_reads_only_detail_row_values():
    with pytest.raises(ValueError, match="not detail row values"):
        claim_columns_sql(user=READER, fields=("id", "password"))


def python_public_claim(claim_id: int) -> dict:
    """The payload's rule in Python, on the claim page's own detail row, as JSON will carry it."""
    return as_json(public_claim_of_row(claim_detail_row(claim_id=claim_id, user=READER)))


def varied_claims(reviewer) -> list[Claim]:
    """Published claims that take every branch of the payload's rule: with and without an article, a language or a
    review language of their own, tags that sort differently by code point than by a locale, a dead source with an
    archived copy, a source without a title, an excerpt and none, times with and without microseconds."""
    whole_second = datetime(2024, 11, 20, 8, 0, 0, tzinfo=UTC)
    rich = PublishedClaimFactory(
        claimed_at=whole_second,
        language="",
        review_language="zh-Hans",
        text="模型能生成 10 秒的 1080p 视频",
        quote="“一分钟的片段要渲染十多分钟”",
        claimant="某位测试者",
        article__language="zh-Hans",
        article__published_at=datetime(2024, 11, 26, 23, 59, 59, 999999, tzinfo=UTC),
    )
    for name in ("Zeta", "alpha", "Éclair", "中文", "émission", "Ä"):
        rich.tags.create(name=name)
    dead = SourceFactory(
        title="",
        health=Health.DEAD,
        archive_url="https://web.archive.org/web/2024/https://source.example.org/x",
        archived_at=datetime(2024, 11, 27, 1, 2, 3, 999, tzinfo=UTC),
    )
    EvidenceFactory(claim=rich, source=dead, stance=Stance.REFUTES, excerpt="1080p")
    EvidenceFactory(claim=rich, source=SourceFactory(archive_url=""), stance=Stance.CONTEXT, excerpt="")
    services.evidence_add(claim=rich, url="https://example.org/second", user=reviewer, excerpt="10 秒")
    Appearance.objects.create(claim=rich, url="https://elsewhere.example/post")
    ExternalReviewFactory(claim=rich)
    bare = PublishedClaimFactory(article=None, claimant="", quote="", language="", claimed_at=None)
    retracted = PublishedClaimFactory(status=ClaimStatus.RETRACTED, article__language="")
    return [rich, bare, retracted]


def test_the_statement_builds_the_payload_its_python_rule_does(reviewer):
    claims = varied_claims(reviewer)
    for claim in claims:
        correct(claim, reviewer, "Corrected: the figure was 20 seconds.")
        event = Event.objects.latest("id")
        correction = Correction.objects.filter(claim=claim).latest("id")
        expected = python_public_claim(claim.pk)
        assert event.payload["claim"] == expected, claim
        assert event.payload["change"] == as_json(
            {
                "kind": correction.kind,
                "note": "Corrected: the figure was 20 seconds.",
                "verdict_before": correction.verdict_before or None,
                "verdict_after": correction.verdict_after,
                "at": correction.created_at,
            }
        )
        assert event.object_ids == {"claim": claim.pk, "correction": correction.pk}
        assert event.language == expected["language"]
        assert event.tags == expected["tags"]
        assert event.claimant == claim.claimant
    rich, bare, retracted = claims
    rich_payload = Event.objects.filter(object_ids__claim=rich.pk).latest("id").payload["claim"]
    assert rich_payload["tags"] == ["Zeta", "alpha", "Ä", "Éclair", "émission", "中文"]  # by code point, as Python
    assert rich_payload["language"] == "zh-Hans"  # the article's, the claim having none
    assert rich_payload["claimed_at"] == "2024-11-20T08:00:00Z"
    assert rich_payload["article"]["published_at"] == "2024-11-26T23:59:59.999Z"
    dead_item = next(item for item in rich_payload["evidence"] if item["dead"])
    assert dead_item["title"] == dead_item["url"]
    assert dead_item["archived_at"] == "2024-11-27T01:02:03.000Z"
    assert [item["archive_url"] for item in rich_payload["evidence"]].count(None) == 3
    bare_payload = Event.objects.filter(object_ids__claim=bare.pk).latest("id").payload["claim"]
    assert bare_payload["article"] is None
    assert bare_payload["claimed_at"] is None
    assert bare_payload["language"] == ""
    assert Event.objects.filter(object_ids__claim=retracted.pk).latest("id").payload["claim"]["retracted"] is True


def test_a_change_readers_cannot_see_writes_no_event():
    draft = PublishedClaimFactory(status=ClaimStatus.DRAFT)
    correction = Correction(claim=draft, kind=CorrectionKind.PUBLISHED, verdict_after=draft.verdict)
    with pytest.raises(Claim.DoesNotExist), transaction.atomic():
        claim_change_event_record(draft, correction)
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 4, 20, 58, 51, tzinfo=UTC),
        datetime(2026, 12, 4, 20, 58, 51, 1, tzinfo=UTC),
        datetime(2026, 12, 4, 20, 58, 51, 999, tzinfo=UTC),
        datetime(2026, 12, 4, 20, 58, 51, 1000, tzinfo=UTC),
        datetime(2026, 12, 4, 20, 58, 51, 476512, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(1969, 7, 20, 20, 17, 40, 500000, tzinfo=UTC),
        datetime(2024, 2, 29, 12, 0, 0, 250, tzinfo=UTC) + timedelta(hours=8),
    ],
)
def test_times_in_sql_are_djangos_json_times(moment):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {json_datetime_sql('v.m')}, {json_datetime_sql('NULL::timestamptz')}"
            " FROM (SELECT %s::timestamptz AS m) v",
            [moment],
        )
        made, null = cursor.fetchone()
    assert made == DjangoJSONEncoder().default(moment)
    assert null is None
