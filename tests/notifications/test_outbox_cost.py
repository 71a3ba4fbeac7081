"""The outbox's cost on the claim save path (issue 19: under a millisecond; /work/notes/outbox_cost.py measures it):
two statements, the claim's public values and the INSERT, and no more; the narrower read it makes gives the same
values the claim page's detail row does, so the payload's rule (claims.events.public_claim_of_row) stays the one
definition of what an event shows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.choices import Verdict
from claims.events import PUBLIC_CLAIM_ROW_FIELDS, READER, public_claim_of_row
from claims.models import Appearance, Claim
from claims.selectors.claims import claim_columns_row, claim_detail_row
from notifications.models import Event
from tests.factories import ExternalReviewFactory, PublishedClaimFactory

pytestmark = pytest.mark.django_db


def correct(claim: Claim, user, note: str) -> None:
    """A correction of a published claim through claim_save, as every path makes one."""
    claim = Claim.objects.get(pk=claim.pk)
    before = services.snapshot(claim)
    claim.verdict = Verdict.MOSTLY_FALSE if claim.verdict == Verdict.FALSE else Verdict.FALSE
    services.claim_save(claim=claim, user=user, before=before, correction_note=note)


def test_the_event_adds_two_statements_to_a_correction(reviewer, monkeypatch, django_assert_num_queries):
    claim = PublishedClaimFactory()
    claim.tags.create(name="budget")
    with CaptureQueriesContext(connection) as with_event:
        correct(claim, reviewer, "First.")
    monkeypatch.setattr(services, "claim_change_event_record", lambda claim, correction: None)
    with CaptureQueriesContext(connection) as without_event:
        correct(claim, reviewer, "Second.")
    assert Event.objects.count() == 1
    assert len(with_event.captured_queries) - len(without_event.captured_queries) == 2
    statements = [query["sql"] for query in with_event.captured_queries]
    [read] = [sql for sql in statements if "FROM claims_claim c" in sql]
    [insert] = [sql for sql in statements if "notifications_event" in sql]
    assert "auth_user" not in read  # the reviewer and the assignee are neither read nor sent
    assert insert.startswith('INSERT INTO "notifications_event"')
    assert statements.index(insert) == statements.index(read) + 1
    monkeypatch.undo()
    # Pinned: claim_save's own statements (its history read, savepoint, UPDATE, read-back, public log entry) and the
    # event's two.
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


def test_the_narrow_read_gives_the_detail_rows_values(reviewer):
    claim = PublishedClaimFactory(claimed_at="2024-11-20T08:00:00Z", article__title="Bridge news")
    claim.tags.create(name="budget")
    services.evidence_add(claim=claim, url="https://example.org/second", user=reviewer, excerpt="1.2 billion")
    Appearance.objects.create(claim=claim, url="https://elsewhere.example/post")
    ExternalReviewFactory(claim=claim)
    bare = PublishedClaimFactory(article=None, claimant="", quote="")
    for each in (claim, bare):
        detail = claim_detail_row(claim_id=each.pk, user=READER)
        narrow = claim_columns_row(claim_id=each.pk, user=READER, fields=PUBLIC_CLAIM_ROW_FIELDS)
        assert narrow == {name: detail[name] for name in PUBLIC_CLAIM_ROW_FIELDS}
        assert public_claim_of_row(narrow) == public_claim_of_row(detail)
    with pytest.raises(Claim.DoesNotExist):  # the same visibility rule: a draft is nobody's to read here
        claim_columns_row(claim_id=PublishedClaimFactory(status="draft").pk, user=READER, fields=("id",))
    with pytest.raises(ValueError, match="not detail row values"):
        claim_columns_row(claim_id=claim.pk, user=READER, fields=("id", "password"))
