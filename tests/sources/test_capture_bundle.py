"""The evidence bundle (sources/bundle.py, GET /api/v1/claims/{id}/evidence.wacz): a WACZ of the latest capture of
each cited source, read back with zipfile and warcio, its index pointing at the records, its hashes holding, its
receipts saying which excerpts the captures hold; reviewers only; validated by the `wacz` package itself."""

import hashlib
import io
import json
import os
import subprocess
import tracemalloc
import zipfile
from pathlib import Path

import pytest
import surt
from django.core.files.storage import default_storage
from warcio.archiveiterator import ArchiveIterator

from claims import services
from claims.models import Claim
from sources.capture import source_capture
from sources.choices import CaptureReason
from sources.models import Capture
from tests import factories
from tests.api.conftest import token_headers

from .capture_farm import EXCERPT, article

pytestmark = pytest.mark.django_db

WACZ = Path(__file__).resolve().parents[2] / "var" / "wacz-venv" / "bin" / "wacz"
MISSING = "a sentence no page of the farm holds"


@pytest.fixture(autouse=True)
def _captures_on_no_throttle(settings):
    settings.CAPTURE_ENABLED = True  # off elsewhere in the tests (tests/conftest.py)
    settings.API_ANON_THROTTLE_RATE = None
    settings.API_USER_THROTTLE_RATE = None


@pytest.fixture
def cited(capture_farm, reviewer, django_capture_on_commit_callbacks):
    """A draft claim citing three pages: one that holds its excerpt, one that does not, one that answers 404 (its
    capture failed). Captured at citation."""
    claim = factories.ClaimFactory(text="The deficit fell.")
    found_url = capture_farm.page_url("budget", article())
    other_url = capture_farm.page_url("other", b"<html><head><title>Other</title></head><body>Other words.</body>")
    with django_capture_on_commit_callbacks(execute=True):
        found = services.evidence_add(claim=claim, url=found_url, excerpt=EXCERPT, source_title="Budget report")
        missing = services.evidence_add(claim=claim, url=other_url, excerpt=MISSING)
        failed = services.evidence_add(claim=claim, url=capture_farm.url("/status/404"), excerpt="anything")
    return claim, found, missing, failed


def bundle_url(claim: Claim) -> str:
    return f"/api/v1/claims/{claim.pk}/evidence.wacz"


def download(client, claim: Claim, user) -> bytes:
    response = client.get(bundle_url(claim), headers=token_headers(user))
    assert response.status_code == 200, response.content
    assert response.streaming
    return b"".join(response.streaming_content)


def test_the_bundle_holds_each_sources_latest_capture_read_back_record_by_record(client, cited, reviewer):
    claim, found, missing, failed = cited
    data = download(client, claim, reviewer)
    bundle = zipfile.ZipFile(io.BytesIO(data))
    assert bundle.testzip() is None  # every entry's CRC holds

    latest = {e.source_id: Capture.objects.filter(source_id=e.source_id, status="ok").first() for e in (found, missing)}
    assert Capture.objects.get(source_id=failed.source_id).status == "failed"
    archives = sorted(n for n in bundle.namelist() if n.startswith("archive/"))
    assert archives == sorted(f"archive/capture-{c.pk}.warc.gz" for c in latest.values())
    for capture in latest.values():
        name = f"archive/capture-{capture.pk}.warc.gz"
        # Stored, not deflated: replay tools read records at their offsets.
        assert bundle.getinfo(name).compress_type == zipfile.ZIP_STORED
        with default_storage.open(capture.warc.name, "rb") as fh:
            assert bundle.read(name) == fh.read()  # byte for byte as kept
        records = list(_records(bundle.read(name)))
        assert [r[0] for r in records] == ["request", "response", "metadata"]
        response = records[1]
        assert hashlib.sha256(response[2]).hexdigest() == capture.sha256

    # The CDXJ index: one line per response record, sorted, each pointing at its record.
    lines = bundle.read("indexes/index.cdx").decode().splitlines()
    assert lines == sorted(lines)
    assert len(lines) == 2
    for line in lines:
        key, timestamp, fields = line.split(" ", 2)
        fields = json.loads(fields)
        archive = bundle.read(f"archive/{fields['filename']}")
        offset, length = int(fields["offset"]), int(fields["length"])
        record = next(ArchiveIterator(io.BytesIO(archive[offset : offset + length])))
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Target-URI") == fields["url"]
        assert record.rec_headers.get_header("WARC-Payload-Digest") == fields["digest"]
        assert (fields["status"], fields["mime"]) == ("200", "text/html")
        assert key == surt.surt(fields["url"])  # the key pywb looks pages up by
        assert key.endswith(")/page/budget") or key.endswith(")/page/other")
        assert timestamp == record.rec_headers.get_header("WARC-Date")[:19].translate(str.maketrans("", "", "-T:"))
    # ... and together the lines cover every response record of every WARC.
    responses = sum(1 for n in archives for r in _records(bundle.read(n)) if r[0] == "response")
    assert responses == len(lines)

    # pages.jsonl: its header, then one page per capture.
    pages = [json.loads(line) for line in bundle.read("pages/pages.jsonl").decode().splitlines()]
    assert pages[0]["format"] == "json-pages-1.0"
    assert sorted(p["url"] for p in pages[1:]) == sorted([found.source.url, missing.source.url])
    assert {p["title"] for p in pages[1:]} >= {"Budget report"}
    assert all(p["ts"].endswith("Z") for p in pages[1:])


def test_every_file_is_listed_with_its_size_and_hash_and_the_digest_covers_the_package(client, cited, reviewer):
    claim = cited[0]
    bundle = zipfile.ZipFile(io.BytesIO(download(client, claim, reviewer)))
    package = json.loads(bundle.read("datapackage.json"))
    assert (package["profile"], package["wacz_version"]) == ("data-package", "1.1.1")
    assert package["title"] == f"Evidence for claim {claim.pk}"
    assert package["created"].endswith("Z")
    listed = {r["path"]: r for r in package["resources"]}
    files = set(bundle.namelist()) - {"datapackage.json", "datapackage-digest.json"}
    assert set(listed) == files
    for path, resource in listed.items():
        content = bundle.read(path)
        assert resource["bytes"] == len(content)
        assert resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest()
    digest = json.loads(bundle.read("datapackage-digest.json"))
    assert digest["hash"] == "sha256:" + hashlib.sha256(bundle.read("datapackage.json")).hexdigest()


def test_the_receipts_say_which_excerpts_the_captures_hold(client, cited, reviewer):
    claim, found, missing, failed = cited
    bundle = zipfile.ZipFile(io.BytesIO(download(client, claim, reviewer)))
    receipts = {r["evidence_id"]: r for r in json.loads(bundle.read("receipts/excerpts.json"))["receipts"]}
    assert list(receipts) == [found.pk, missing.pk, failed.pk]

    capture = Capture.objects.get(source_id=found.source_id)
    assert receipts[found.pk]["excerpt"] == EXCERPT
    assert receipts[found.pk]["found"] is True
    assert receipts[found.pk]["capture"] == {
        "id": capture.pk,
        "sha256": capture.sha256,
        "fetched_at": capture.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "url": found.source.url,
        "final_url": found.source.url,
        "http_status": 200,
        "archive": f"archive/capture-{capture.pk}.warc.gz",
    }
    assert (receipts[missing.pk]["excerpt"], receipts[missing.pk]["found"]) == (MISSING, False)
    # No capture to read: neither found nor missing, and said so.
    assert (receipts[failed.pk]["capture"], receipts[failed.pk]["found"]) == (None, None)


def test_a_recapture_replaces_the_capture_and_a_duplicate_brings_the_file_it_shares(
    client, cited, reviewer, capture_farm
):
    claim, found, _missing, _failed = cited
    first = Capture.objects.get(source_id=found.source_id)
    same = source_capture(source_id=found.source_id, reason=CaptureReason.ON_DEMAND)
    assert same.duplicate_of_id == first.pk  # same body: no second file
    bundle = zipfile.ZipFile(io.BytesIO(download(client, claim, reviewer)))
    receipts = {r["evidence_id"]: r for r in json.loads(bundle.read("receipts/excerpts.json"))["receipts"]}
    assert receipts[found.pk]["capture"]["id"] == same.pk
    assert receipts[found.pk]["capture"]["archive"] == f"archive/capture-{first.pk}.warc.gz"

    capture_farm.pages["budget"] = (article().replace(b"3.1&nbsp;per cent", b"3.4&nbsp;per cent"), "text/html")
    changed = source_capture(source_id=found.source_id, reason=CaptureReason.ON_DEMAND)
    assert changed.duplicate_of_id is None
    bundle = zipfile.ZipFile(io.BytesIO(download(client, claim, reviewer)))
    receipts = {r["evidence_id"]: r for r in json.loads(bundle.read("receipts/excerpts.json"))["receipts"]}
    assert receipts[found.pk]["capture"]["id"] == changed.pk
    assert receipts[found.pk]["found"] is False  # the excerpt left the page
    assert f"archive/capture-{first.pk}.warc.gz" not in bundle.namelist()


def test_the_same_bundle_is_the_same_file_with_an_etag(client, cited, reviewer):
    claim = cited[0]
    headers = token_headers(reviewer)
    first = client.get(bundle_url(claim), headers=headers)
    second = client.get(bundle_url(claim), headers=headers)
    assert first["ETag"] == second["ETag"]
    assert first["Content-Type"] == "application/wacz"
    assert first["Content-Disposition"] == f'attachment; filename="claim-{claim.pk}-evidence.wacz"'
    assert b"".join(first.streaming_content) == b"".join(second.streaming_content)
    assert client.get(bundle_url(claim), headers={**headers, "If-None-Match": first["ETag"]}).status_code == 304
    # An edited excerpt is another bundle.
    evidence = claim.evidence.order_by("id").first()
    type(evidence).objects.filter(pk=evidence.pk).update(excerpt="the minister said")
    third = client.get(bundle_url(claim), headers={**headers, "If-None-Match": first["ETag"]})
    assert third.status_code == 200
    assert third["ETag"] != first["ETag"]


def test_only_reviewers_get_it(client, cited, researcher):
    claim = cited[0]
    Claim.objects.filter(pk=claim.pk).update(status="published")  # even a published claim's bundle
    for headers in ({}, token_headers(researcher)):
        response = client.get(bundle_url(claim), headers=headers)
        assert response.status_code == 404
        assert not response.streaming


def test_no_such_claim_is_a_404(client, reviewer):
    assert client.get("/api/v1/claims/999999/evidence.wacz", headers=token_headers(reviewer)).status_code == 404


def test_a_claim_without_captures_has_no_bundle_and_is_told_why(client, reviewer):
    claim = factories.ClaimFactory()
    services.evidence_add(claim=claim, url="https://example.org/never-captured", excerpt="x")  # captures are off
    response = client.get(bundle_url(claim), headers=token_headers(reviewer))
    assert response.status_code == 404
    assert "has a capture yet" in response.json()["detail"]


def test_the_bundle_is_read_in_a_bounded_number_of_queries(
    client, capture_farm, reviewer, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    claim = factories.ClaimFactory()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(6):
            services.evidence_add(claim=claim, url=capture_farm.page_url(f"p{n}", article(f"<p>{n}</p>")))
    headers = token_headers(reviewer)
    client.get(bundle_url(claim), headers=headers)  # warm: the token, the permission cache
    with django_assert_max_num_queries(8) as counted:
        response = client.get(bundle_url(claim), headers=headers)
        data = b"".join(response.streaming_content)
    captures = [q["sql"] for q in counted.captured_queries if '"sources_capture"' in q["sql"]]
    assert len(captures) == 1  # one read of the captures for all six sources
    assert len([n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("archive/")]) == 6


def test_the_bundle_streams_in_flat_memory(client, capture_farm, reviewer, settings):
    """A 12 MB WARC (random bytes: gzip cannot shrink them) goes through the response in blocks, never whole."""
    settings.CAPTURE_MAX_BODY_BYTES = 32 * 1024 * 1024
    settings.LINKCHECK_DEADLINE = 30.0
    size = 12 * 1024 * 1024
    claim = factories.ClaimFactory()
    evidence = services.evidence_add(
        claim=claim, url=capture_farm.page_url("noise", os.urandom(size), "application/octet-stream")
    )
    capture = source_capture(source_id=evidence.source_id, reason=CaptureReason.ON_DEMAND)
    assert capture.size > size
    response = client.get(bundle_url(claim), headers=token_headers(reviewer))
    total, largest = 0, 0
    tracemalloc.start()
    try:
        for piece in response.streaming_content:
            total += len(piece)
            largest = max(largest, len(piece))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total > capture.size
    assert largest < 1024 * 1024, largest
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes for a {capture.size} byte WARC"


@pytest.mark.skipif(
    not WACZ.exists(), reason="var/wacz-venv is absent: `make test` creates it (scripts/ensure-wacz.sh)"
)
def test_the_wacz_package_validates_the_bundle(client, cited, reviewer, tmp_path):
    path = tmp_path / "evidence.wacz"
    path.write_bytes(download(client, cited[0], reviewer))
    result = subprocess.run(
        [str(WACZ), "validate", "-f", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded" in result.stdout


def _records(warc: bytes):
    for record in ArchiveIterator(io.BytesIO(warc), check_digests="raise"):
        yield record.rec_type, record.rec_headers, record.content_stream().read()
