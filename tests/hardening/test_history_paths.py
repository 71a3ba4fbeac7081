"""Every change of a claim's verdict, explanation or status leaves a history row.

django-simple-history writes its rows from Model.save(); a QuerySet.update(), bulk_update() or raw UPDATE
writes none. Two guards:

* Statically, over the application code: no update()/bulk_update() names verdict, explanation or status, and
  no SQL string updates the claims table. The bulk writes that exist touch other columns only — the stored
  search vector (claims_search_refresh; excluded from history on purpose) and the needs_recheck flag of the
  daily job (claims_flag_stale; a derived flag, recomputed from recheck_after, which itself changes only
  through claim_save). A new bulk write of a tracked field fails here: route it through claim_save, or use
  simple_history's bulk_update_with_history.
* At run time, each bulk path is run with QuerySet.update and bulk_update watched: none touches a tracked
  field of Claim, and the admin's bulk actions and the importer write one history row per claim changed.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from django.db.models import QuerySet
from django.urls import reverse

from claims import services
from claims.choices import ClaimStatus, Verdict
from claims.models import Claim
from claims.selectors.history import HISTORY_FIELDS
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
APP_DIRS = ("claims", "sources", "factcheck")
TRACKED = set(HISTORY_FIELDS)


def _app_files():
    for name in APP_DIRS:
        for path in (ROOT / name).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def _literal_strings(node) -> list[str]:
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def test_no_bulk_write_of_a_tracked_field_in_the_code():
    offending = []
    for path in _app_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                name = node.func.attr
                if name == "update" and TRACKED & {k.arg for k in node.keywords if k.arg}:
                    offending.append(f"{where}:{node.lineno} .update() of {TRACKED & {k.arg for k in node.keywords}}")
                if name in ("bulk_update", "bulk_update_with_history") and len(node.args) >= 2:
                    fields = set(_literal_strings(node.args[1]))
                    if name == "bulk_update" and TRACKED & fields:
                        offending.append(f"{where}:{node.lineno} bulk_update() of {TRACKED & fields}")
                    if not fields and not isinstance(node.args[1], ast.List | ast.Tuple):
                        # Fields computed at run time: cannot be checked here, so not allowed on claims.
                        if "Claim" in ast.unparse(node.func.value):
                            offending.append(f"{where}:{node.lineno} bulk_update() with computed fields on Claim")
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                # an UPDATE of the claims table (not its history table, nor a column such as updated_at)
                if re.search(r'\bupdate\s+"?claims_claim\b', node.value, re.IGNORECASE):
                    offending.append(f"{where}:{node.lineno} raw SQL updating claims_claim")
    assert offending == []


@pytest.fixture
def watched(monkeypatch):
    """Every QuerySet.update / bulk_update on Claim while the fixture is active, with the fields it wrote."""
    calls: list[set[str]] = []
    update, bulk_update = QuerySet.update, QuerySet.bulk_update

    def watched_update(self, **kwargs):
        if self.model is Claim:
            calls.append(set(kwargs))
        return update(self, **kwargs)

    def watched_bulk_update(self, objs, fields, *args, **kwargs):
        if self.model is Claim:
            calls.append(set(fields))
        return bulk_update(self, objs, fields, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "update", watched_update)
    monkeypatch.setattr(QuerySet, "bulk_update", watched_bulk_update)
    return calls


def history_count(claim) -> int:
    return claim.history.count()


@pytest.mark.django_db
def test_the_bulk_paths_touch_no_tracked_field(watched):
    article = factories.ArticleFactory(title="Old title")
    stale = factories.ClaimFactory(article=article, recheck_after=dt.date(2020, 1, 1))
    fresh = factories.PublishedClaimFactory(article=article, recheck_after=dt.date(2999, 1, 1), needs_recheck=True)
    before = {c.pk: (c.verdict, c.explanation, c.status, history_count(c)) for c in (stale, fresh)}

    assert services.claims_flag_stale(today=dt.date(2024, 1, 1)) == (1, 1)
    services.article_upsert(url=article.url, title="New title")  # re-indexes the article's claims
    services.claims_search_refresh(claim_ids=[stale.pk, fresh.pk])

    assert watched, "the bulk paths ran no bulk write: this test no longer watches them"
    assert all(not (fields & TRACKED) for fields in watched), watched
    for claim in (stale, fresh):
        claim.refresh_from_db()
        assert (claim.verdict, claim.explanation, claim.status, history_count(claim)) == before[claim.pk]
    assert Claim.objects.get(pk=stale.pk).needs_recheck


@pytest.mark.django_db
def test_admin_bulk_actions_write_one_history_row_per_claim(client, reviewer, watched):
    client.force_login(reviewer)
    ready = factories.PublishedClaimFactory.create_batch(2, status=ClaimStatus.IN_REVIEW, published_at=None)
    drafts = factories.ClaimFactory.create_batch(2)
    url = reverse("admin:claims_claim_changelist")

    counts = {c.pk: history_count(c) for c in ready + drafts}
    client.post(url, {"action": "publish", "_selected_action": [c.pk for c in ready]})
    client.post(url, {"action": "move_to_review", "_selected_action": [c.pk for c in drafts]})
    client.post(
        url,
        {
            "action": "set_verdict",
            "apply": "1",
            "verdict": Verdict.MISLEADING,
            "_selected_action": [c.pk for c in drafts],
        },
    )
    for claim in ready:
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.PUBLISHED
        assert history_count(claim) == counts[claim.pk] + 1
        assert claim.history.latest().history_user == reviewer
    for claim in drafts:
        claim.refresh_from_db()
        assert (claim.status, claim.verdict) == (ClaimStatus.IN_REVIEW, Verdict.MISLEADING)
        assert history_count(claim) == counts[claim.pk] + 2
    assert not [fields for fields in watched if fields & TRACKED]


@pytest.mark.usefixtures("one_person_desk")
@pytest.mark.django_db
def test_api_and_service_writes_leave_history(client, reviewer, watched):
    from tests.api.conftest import token_headers

    claim = services.claim_create(user=reviewer, text="A claim.")
    services.evidence_add(claim=claim, url="https://example.org/evidence", user=reviewer)
    start = history_count(claim)
    headers = token_headers(reviewer)
    retract = {"status": "retracted", "correction_note": "Withdrawn."}  # a retraction is public and says why
    for change in ({"verdict": "false"}, {"explanation": "Because."}, {"status": "published"}, retract):
        response = client.patch(f"/api/v1/claims/{claim.pk}/", change, content_type="application/json", headers=headers)
        assert response.status_code == 200, response.json()
    assert history_count(claim) == start + 4
    changes = client.get(f"/api/v1/claims/{claim.pk}/history/", headers=headers).json()["results"]
    assert [c["field"] for entry in changes[:4] for c in entry["changes"]] == [
        "status",
        "status",
        "explanation",
        "verdict",
    ]
    assert not [fields for fields in watched if fields & TRACKED]


@pytest.mark.django_db
def test_claimreview_reimport_that_changes_the_verdict_leaves_history(reviewer, watched, settings):
    """Our own review imported again with another verdict (--own): our claim changes, and its history says so.
    (Another desk's review changes only its ExternalReview record, never our claim.)"""
    from claims.importers.claimreview import parse_claimreview
    from claims.importers.services import claimreview_import

    def review(rating: str):
        return {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": "https://checker.example/r/1",
            "claimReviewed": "The moon is made of cheese.",
            "datePublished": "2024-11-27",
            "author": {"@type": "Organization", "name": "Checker"},
            "reviewRating": {"@type": "Rating", "alternateName": rating},
        }

    settings.FACTCHECK_ORGANIZATION_NAME = "Checker"
    first = claimreview_import(review=parse_claimreview(review("False")), user=reviewer, own=True)
    count = history_count(first.claim)
    again = claimreview_import(review=parse_claimreview(review("True")), user=reviewer, own=True)
    assert again.claim.pk == first.claim.pk
    again.claim.refresh_from_db()
    assert again.claim.verdict == Verdict.TRUE
    assert history_count(again.claim) == count + 1
    assert not [fields for fields in watched if fields & TRACKED]
