"""Reviewers' capture API: POST /api/v1/sources/{id}/capture/ takes a capture now, GET .../captures/ lists a source's
captures; for anyone else neither exists."""

import hashlib

import pytest

from claims import services
from sources.choices import CaptureReason
from sources.models import Capture, Source
from sources.services import CAPTURE_NOW_INLINE
from tests import factories
from tests.api.conftest import token_headers

from .capture_farm import article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.API_ANON_THROTTLE_RATE = None
    settings.API_USER_THROTTLE_RATE = None


@pytest.fixture
def source(capture_farm):
    """A source cited by a published claim (so researchers may see the source itself); captures are off."""
    claim = factories.PublishedClaimFactory()
    evidence = services.evidence_add(claim=claim, url=capture_farm.page_url("budget", article()))
    return Source.objects.get(pk=evidence.source_id)


def capture_url(source: Source) -> str:
    return f"/api/v1/sources/{source.pk}/capture/"


def captures_url(source: Source) -> str:
    return f"/api/v1/sources/{source.pk}/captures/"


def test_a_reviewer_captures_a_source_now_and_reads_it_in_the_list(client, source, reviewer, capture_farm):
    assert not Capture.objects.exists()  # CAPTURE_ENABLED is off: taken on demand all the same
    headers = token_headers(reviewer)
    response = client.post(capture_url(source), headers=headers)
    assert response.status_code == 201, response.content
    capture = Capture.objects.get()
    body = response.json()
    assert body["id"] == capture.pk
    assert (body["status"], body["reason"], body["failure"], body["failure_reason"]) == ("ok", "on_demand", "", "")
    assert body["sha256"] == hashlib.sha256(article()).hexdigest()
    assert body["size"] == capture.size > 0
    assert body["duplicate_of"] is None
    assert capture_farm.hits["/page/budget"] == 1

    # The same body again: a row that shares the first file.
    again = client.post(capture_url(source), headers=headers).json()
    assert (again["duplicate_of"], again["size"]) == (capture.pk, 0)

    listed = client.get(captures_url(source), headers=headers)
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert [r["id"] for r in rows] == [again["id"], capture.pk]  # newest first
    assert rows[1] == body


def test_a_failed_capture_is_answered_with_its_reason(client, reviewer, capture_farm):
    claim = factories.ClaimFactory()
    evidence = services.evidence_add(claim=claim, url=capture_farm.url("/status/404"))
    response = client.post(f"/api/v1/sources/{evidence.source_id}/capture/", headers=token_headers(reviewer))
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["failure"], body["http_status"]) == ("failed", "not_found", 404)
    assert body["failure_reason"] == "the page is not there"
    assert body["sha256"] == ""
    chinese = client.get(
        f"/api/v1/sources/{evidence.source_id}/captures/",
        headers={**token_headers(reviewer), "Accept-Language": "zh-hans"},
    ).json()["results"][0]
    assert chinese["failure"] == "not_found"
    assert chinese["failure_reason"] != body["failure_reason"]  # in the reader's language


def test_the_capture_endpoints_are_for_reviewers_only(client, source, researcher, capture_farm):
    source_capture_row = Capture.objects.create(
        source=source,
        reason=CaptureReason.ON_DEMAND,
        key="listed",
        status="failed",
        failure="not_found",
        error="ZQXERROR from 10.0.0.7",
        url=source.url,
        fetched_at=source.created_at,
    )
    for headers in ({}, token_headers(researcher)):
        assert client.get(f"/api/v1/sources/{source.pk}/", headers=headers).status_code == 200  # the source: public
        listed = client.get(captures_url(source), headers=headers)
        assert listed.status_code == 404
        assert b"ZQXERROR" not in listed.content
        assert client.post(capture_url(source), headers=headers).status_code in (401, 403)
    assert list(Capture.objects.all()) == [source_capture_row]
    assert capture_farm.hits["/page/budget"] == 0


def test_more_captures_than_are_taken_inline_are_queued(client, reviewer, capture_farm, monkeypatch):
    """One source is always taken at once; the 202 path is the service's when it queues (many sources)."""
    from sources import services as source_services

    def queued(**kwargs):
        return source_services.CaptureNow(queued=CAPTURE_NOW_INLINE + 1)

    monkeypatch.setattr("sources.api.views.sources_capture_now", queued)
    claim = factories.ClaimFactory()
    evidence = services.evidence_add(claim=claim, url=capture_farm.page_url("q", article()))
    response = client.post(f"/api/v1/sources/{evidence.source_id}/capture/", headers=token_headers(reviewer))
    assert response.status_code == 202
    assert response.json()["queued"] == CAPTURE_NOW_INLINE + 1
    assert "queued" in response.json()["detail"]


def test_the_list_reads_captures_in_one_query(client, source, reviewer, django_assert_num_queries):
    for n in range(5):
        Capture.objects.create(
            source=source,
            reason=CaptureReason.ON_DEMAND,
            key=f"k{n}",
            status="failed",
            failure="not_found",
            url=source.url,
            fetched_at=source.created_at,
        )
    headers = token_headers(reviewer)
    client.get(captures_url(source), headers=headers)
    # The token and its user, the two reads of permissions (own and groups), the source, the captures.
    with django_assert_num_queries(5) as counted:
        response = client.get(captures_url(source), headers=headers)
    assert len(response.json()["results"]) == 5
    assert sum('"sources_capture"' in q["sql"] for q in counted.captured_queries) == 1


def test_the_schema_documents_the_capture_endpoints_and_the_bundle(client):
    paths = client.get("/api/schema/", headers={"Accept": "application/json"}).json()["paths"]
    capture = paths["/api/v1/sources/{id}/capture/"]["post"]
    assert set(capture["responses"]) >= {"201", "202", "503"}
    assert "reviewers" in capture["summary"]
    assert "reviewers" in paths["/api/v1/sources/{id}/captures/"]["get"]["summary"]
    bundle = paths["/api/v1/claims/{claim_id}/evidence.wacz"]["get"]
    assert "application/wacz" in bundle["responses"]["200"]["content"]
    assert set(bundle["responses"]) >= {"200", "304", "404"}
