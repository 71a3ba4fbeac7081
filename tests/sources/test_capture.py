"""Captures (sources/capture.py): taken at citation and on drift, deduplicated, written as WARC 1.1 that warcio reads
back with its hashes holding, failures recorded with their reasons, through the checker's guard and politeness."""

import base64
import hashlib
import json
import threading
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from warcio.archiveiterator import ArchiveIterator

from claims import services
from notifications.choices import DESK_EVENT_TYPES, EventType
from notifications.models import Event
from sources.capture import CaptureRequest, source_capture, sources_capture
from sources.choices import CaptureReason, Failure
from sources.models import Capture, Source
from sources.politeness import RedisHostLimiter
from sources.services import sources_check
from sources.tasks import source_capture as source_capture_task
from sources.tasks import sources_capture as sources_capture_task
from tests import factories

from .capture_farm import EXCERPT, article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _captures_on(settings):
    settings.CAPTURE_ENABLED = True  # off elsewhere in the tests (tests/conftest.py)


DRIFTED = article().replace(b"3.1&nbsp;per cent", b"3.4&nbsp;per cent")


def warc_records(capture: Capture) -> list:
    """Each record of the capture's WARC as (type, WARC headers, HTTP headers, payload), digests checked on the way."""
    records = []
    with default_storage.open(capture.stored_warc.name, "rb") as fh:
        for record in ArchiveIterator(fh, check_digests="raise"):
            records.append((record.rec_type, record.rec_headers, record.http_headers, record.content_stream().read()))
    return records


def gzip_members(data: bytes) -> int:
    count = 0
    while data:
        member = zlib.decompressobj(16 + zlib.MAX_WBITS)
        member.decompress(data)
        data = member.unused_data
        count += 1
    return count


def stored_bytes() -> int:
    return sum(path.stat().st_size for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())


def sha256_digest_header(hex_digest: str) -> str:
    return "sha256:" + base64.b32encode(bytes.fromhex(hex_digest)).decode()


def capture_now(source: Source, **kwargs) -> Capture:
    return source_capture(source_id=source.id, reason=CaptureReason.ON_DEMAND, **kwargs)


# --- When ----------------------------------------------------------------------------------------------------------


def test_citing_a_page_captures_it_once_the_citation_commits(capture_farm, django_capture_on_commit_callbacks):
    body = article()
    url = capture_farm.page_url("budget", body)
    with django_capture_on_commit_callbacks() as callbacks:
        evidence = services.evidence_add(claim=factories.ClaimFactory(), url=url, excerpt=EXCERPT)
    # Nothing is fetched while the citation may still roll back.
    assert (Capture.objects.count(), capture_farm.hits["/page/budget"]) == (0, 0)
    for callback in callbacks:
        callback()

    capture = Capture.objects.get()
    assert (capture.source_id, capture.evidence_id, capture.reason) == (evidence.source_id, evidence.pk, "cited")
    assert capture.key == f"cited:{evidence.pk}:{evidence.source_id}"
    assert (capture.status, capture.failure, capture.http_status, capture.final_url) == ("ok", "", 200, "")
    assert capture.content_type == "text/html"
    assert capture.sha256 == hashlib.sha256(body).hexdigest()
    assert capture.size == default_storage.size(capture.warc.name) > 0
    # The drift check's text: the visible words, not the script.
    assert "Budget report" in capture.text
    assert "deficit" in capture.text
    assert "not visible" not in capture.text
    assert list(evidence.captures.all()) == [capture]
    assert capture_farm.hits["/page/budget"] == 1

    event = Event.objects.get(type=EventType.EVIDENCE_CAPTURED)
    assert event.object_ids == {"capture": capture.pk, "source": capture.source_id, "evidence": evidence.pk}
    assert event.order_key == f"source:{capture.source_id}"
    assert event.payload["capture"]["sha256"] == capture.sha256
    assert event.payload["capture"]["status"] == "ok"
    assert event.payload["source"] == {"id": capture.source_id, "url": url}
    assert event.payload["evidence_ids"] == [evidence.pk]
    assert event.payload["excerpts"] == [{"evidence_id": evidence.pk, "found": True}]


def test_a_citation_rolled_back_takes_no_capture(capture_farm, django_capture_on_commit_callbacks):
    url = capture_farm.page_url("budget", article())
    claim = factories.ClaimFactory()

    @transaction.atomic
    def cite_then_fail():
        services.evidence_add(claim=claim, url=url)
        raise RuntimeError("the request failed after citing")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        cite_then_fail()
    assert Capture.objects.count() == 0
    assert capture_farm.hits["/page/budget"] == 0


def test_an_excerpt_gone_from_its_page_is_captured_again_beside_the_first(
    capture_farm, django_capture_on_commit_callbacks
):
    url = capture_farm.page_url("budget", article())
    with django_capture_on_commit_callbacks(execute=True):
        evidence = services.evidence_add(claim=factories.ClaimFactory(), url=url, excerpt=EXCERPT)
    capture_farm.pages["budget"] = (DRIFTED, "text/html")
    with django_capture_on_commit_callbacks(execute=True):
        report = sources_check(source_ids=[evidence.source_id], run_key="after-the-edit")
    assert report.excerpts_went_missing == [evidence.pk]

    cited, drift = Capture.objects.order_by("id")
    assert [(c.reason, c.evidence_id, c.status) for c in (cited, drift)] == [
        ("cited", evidence.pk, "ok"),
        ("drift", evidence.pk, "ok"),
    ]
    assert drift.key.startswith(f"drift:{evidence.source_id}:")
    # Both kept, each in its own file: what the page said when cited, and what it says now.
    assert cited.sha256 == hashlib.sha256(article()).hexdigest()
    assert drift.sha256 == hashlib.sha256(DRIFTED).hexdigest()
    assert cited.warc.name != drift.warc.name
    assert drift.duplicate_of is None
    assert "3.1" in cited.text
    assert "3.4" in drift.text
    found = {c.reason: json.loads(warc_records(c)[-1][3])["excerpts"][0]["found"] for c in (cited, drift)}
    assert found == {"cited": True, "drift": False}
    # The check that saw the drift asked once; a second run of it (nothing new missing) asks for nothing.
    with django_capture_on_commit_callbacks(execute=True):
        sources_check(source_ids=[evidence.source_id], run_key="the-day-after")
    assert Capture.objects.count() == 2


# --- Dedupe --------------------------------------------------------------------------------------------------------


def test_a_recapture_of_an_unchanged_page_stores_no_second_file(capture_farm):
    body = article(size=50_000)
    source = factories.SourceFactory(url=capture_farm.page_url("report", body))
    first = capture_now(source)
    after_first = stored_bytes()

    second = capture_now(source)
    assert second.duplicate_of == first
    assert (second.status, second.sha256, second.size, second.warc.name) == ("ok", first.sha256, 0, "")
    assert second.stored_warc.name == first.warc.name
    assert second.text == first.text
    assert stored_bytes() == after_first  # 0 new bytes

    # Changed: a file of its own. Changed back: the first file again, not a third.
    capture_farm.pages["report"] = (DRIFTED, "text/html")
    third = capture_now(source)
    assert third.duplicate_of is None
    assert third.size > 0
    after_third = stored_bytes()
    capture_farm.pages["report"] = (body, "text/html")
    fourth = capture_now(source)
    assert fourth.duplicate_of == first
    assert stored_bytes() == after_third
    assert capture_farm.hits["/page/report"] == 4  # each one fetched: the row says the page was unchanged then


def test_the_same_body_at_another_source_is_stored_for_that_source(capture_farm):
    body = article()
    one = factories.SourceFactory(url=capture_farm.page_url("one", body))
    two = factories.SourceFactory(url=capture_farm.page_url("two", body))
    first, second = capture_now(one), capture_now(two)
    assert first.sha256 == second.sha256
    # Its own file, whose records name its own url.
    assert second.duplicate_of is None
    assert second.size > 0
    assert warc_records(second)[1][1].get_header("WARC-Target-URI") == two.url


# --- The WARC ------------------------------------------------------------------------------------------------------


def test_the_warc_reads_back_record_by_record_with_its_hashes(capture_farm):
    body = article(size=20_000)
    source = factories.SourceFactory(url=capture_farm.page_url("doc", body, chunked="1"))
    cited = factories.EvidenceFactory(source=source, excerpt=EXCERPT)
    elsewhere = factories.EvidenceFactory(source=source, excerpt="A sentence that is on no page.")
    capture = capture_now(source, evidence_id=cited.pk)

    records = warc_records(capture)
    assert [kind for kind, *_ in records] == ["request", "response", "metadata"]
    assert {headers.protocol for _, headers, _, _ in records} == {"WARC/1.1"}
    with default_storage.open(capture.warc.name, "rb") as fh:
        assert gzip_members(fh.read()) == 3  # each record gzipped on its own

    (_, request_warc, request, _), (_, response_warc, response, payload), (_, meta_warc, _, meta) = records
    assert request.protocol == "GET"
    assert request.statusline == "/page/doc?chunked=1 HTTP/1.1"
    assert request.get_header("Accept-Encoding") == "identity"
    assert request_warc.get_header("WARC-Concurrent-To") == response_warc.get_header("WARC-Record-ID")
    assert response.statusline == "200 OK"
    # Sent chunked, kept without the framing: the header says so under the name replay tools use.
    assert response.get_header("Transfer-Encoding") is None
    assert response.get_header("X-Archive-Orig-Transfer-Encoding") == "chunked"
    assert response_warc.get_header("WARC-Target-URI") == source.url
    assert response_warc.get_header("WARC-IP-Address") == "127.0.0.1"
    assert payload == body
    assert hashlib.sha256(payload).hexdigest() == capture.sha256
    assert response_warc.get_header("WARC-Payload-Digest") == sha256_digest_header(capture.sha256)

    assert meta_warc.get_header("Content-Type") == "application/json"
    assert meta_warc.get_header("WARC-Refers-To") == response_warc.get_header("WARC-Record-ID")
    metadata = json.loads(meta)
    assert (metadata["source_id"], metadata["evidence_id"], metadata["reason"]) == (source.id, cited.pk, "on_demand")
    assert (metadata["capture_key"], metadata["sha256"]) == (capture.key, capture.sha256)
    assert metadata["excerpts"] == [
        {"evidence_id": cited.pk, "claim_id": cited.claim_id, "excerpt": EXCERPT, "found": True},
        {"evidence_id": elsewhere.pk, "claim_id": elsewhere.claim_id, "excerpt": elsewhere.excerpt, "found": False},
    ]


def test_each_record_is_gzipped_at_zlibs_default_level_not_the_slowest(capture_farm):
    # warcio's own gzip is level 9, twice the CPU of the default for under 1% fewer bytes. A gzip header's XFL byte
    # says which: 2 for level 9, 0 for the default.
    source = factories.SourceFactory(url=capture_farm.page_url("long", article(size=200_000)))
    capture = capture_now(source)

    with default_storage.open(capture.warc.name, "rb") as fh:
        data = fh.read()
    extra_flags = []
    while data:
        extra_flags.append(data[8])
        member = zlib.decompressobj(16 + zlib.MAX_WBITS)
        member.decompress(data)
        data = member.unused_data
    assert extra_flags == [0, 0, 0]  # request, response, metadata: each its own member
    assert [kind for kind, *_ in warc_records(capture)] == ["request", "response", "metadata"]  # digests hold


def test_redirects_are_kept_hop_by_hop_and_the_final_url_recorded(capture_farm):
    source = factories.SourceFactory(url=capture_farm.url("/temporary"))  # 302 to /ok
    capture = capture_now(source)
    assert (capture.status, capture.final_url, capture.http_status) == ("ok", capture_farm.url("/ok"), 200)
    records = warc_records(capture)
    assert [(kind, warc.get_header("WARC-Target-URI")) for kind, warc, _, _ in records] == [
        ("request", capture_farm.url("/temporary")),
        ("response", capture_farm.url("/temporary")),
        ("request", capture_farm.url("/ok")),
        ("response", capture_farm.url("/ok")),
        ("metadata", capture_farm.url("/ok")),
    ]
    redirect, final = records[1], records[3]
    assert redirect[2].statusline == "302 Found"
    assert redirect[2].get_header("Location") == "/ok"
    assert redirect[1].get_header("WARC-Truncated") == "length"  # its body was not read
    assert hashlib.sha256(final[3]).hexdigest() == capture.sha256


def test_a_server_that_compresses_anyway_is_kept_as_sent(capture_farm):
    body = article()
    source = factories.SourceFactory(url=capture_farm.page_url("zipped", body, gzip="1"))
    capture = capture_now(source)
    records = warc_records(capture)
    response = records[1]
    assert response[2].get_header("Content-Encoding") == "gzip"
    with default_storage.open(capture.warc.name, "rb") as fh:
        raw = next(r for r in ArchiveIterator(fh) if r.rec_type == "response").raw_stream.read()
    # The hash is of the payload as stored (compressed); the text is of the page.
    assert capture.sha256 == hashlib.sha256(raw).hexdigest() != hashlib.sha256(body).hexdigest()
    assert response[3] == body  # warcio's reader inflates it
    assert "deficit" in capture.text


# --- Failures ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "failure", "status"),
    [
        ("/status/404", Failure.NOT_FOUND, 404),
        ("/trickle", Failure.DEADLINE, 200),  # answers a byte at a time, past the deadline
        ("https:/ok", Failure.TLS, None),  # TLS asked of a server that speaks plain HTTP
        ("/big", Failure.TOO_LARGE, 200),  # 50 MB against the cap
    ],
)
def test_a_capture_that_cannot_be_taken_is_recorded_with_its_reason(capture_farm, settings, path, failure, status):
    settings.LINKCHECK_DEADLINE = 1.5
    url = f"https://127.0.0.1:{capture_farm.port}/ok" if path.startswith("https:") else capture_farm.url(path)
    evidence = factories.EvidenceFactory(source=factories.SourceFactory(url=url))
    capture = capture_now(evidence.source, evidence_id=evidence.pk)
    assert (capture.status, capture.failure, capture.http_status) == ("failed", failure, status)
    assert capture.get_failure_display() == failure.label
    assert (capture.warc.name, capture.sha256, capture.size, capture.text) == ("", "", 0, "")
    assert capture.error  # the fetcher's own words, for reviewers
    assert list(evidence.captures.all()) == [capture]  # shown on the evidence, never silent
    event = Event.objects.get(type=EventType.EVIDENCE_CAPTURE_FAILED)
    assert event.payload["capture"]["failure"] == failure
    assert event.payload["capture"]["failure_reason"] == str(failure.label)
    assert event.payload["evidence_ids"] == [evidence.pk]


def test_an_address_outside_the_allow_list_is_never_connected_to(capture_farm):
    outside = capture_farm.other  # 127.0.0.2; LINKCHECK_ALLOW_NETWORKS is 127.0.0.1/32
    direct = factories.SourceFactory(url=outside.url("/ok"))
    hop = factories.SourceFactory(url=capture_farm.url("/to-blocked"))  # a redirect there
    captures = [capture_now(direct), capture_now(hop)]
    assert [(c.status, c.failure) for c in captures] == [("failed", "blocked"), ("failed", "blocked")]
    assert "not a public address" in captures[0].error
    assert outside.log == []  # the guard refused before any connection
    assert capture_farm.hits["/to-blocked"] == 1


# --- Politeness, size, memory --------------------------------------------------------------------------------------


def test_captures_of_one_host_wait_their_turn(capture_farm, settings, monkeypatch):
    settings.LINKCHECK_HOST_INTERVAL = 1.0
    grants = []
    monkeypatch.setattr(RedisHostLimiter, "on_grant", staticmethod(lambda host, at_ms: grants.append(at_ms)))
    sources = [factories.SourceFactory(url=capture_farm.page_url(f"p{n}", article())) for n in range(2)]
    captures = sources_capture(
        requests=[CaptureRequest(s.id, CaptureReason.ON_DEMAND, key=f"polite-{s.id}") for s in sources]
    )
    assert [c.status for c in captures] == ["ok", "ok"]
    arrivals = sorted((entry["at"], entry["path"]) for entry in capture_farm.log)
    assert len(arrivals) == 2
    # At the server: the second came after the first, spaced by the interval (less whatever delayed the first
    # request after its turn was granted: a margin, not a race).
    assert arrivals[1][0] - arrivals[0][0] >= 0.5
    # The capture fetched second at the server is the one fetched later.
    by_path = {c.url.rsplit("/", 1)[1]: c.fetched_at for c in captures}
    assert by_path[arrivals[0][1].rsplit("/", 1)[1]] < by_path[arrivals[1][1].rsplit("/", 1)[1]]
    # Where the rule is kept: the limiter granted the two starts the interval apart by Redis's clock.
    assert len(grants) == 2
    assert grants[1] - grants[0] >= 1000


def test_a_long_body_streams_to_storage_in_flat_memory(capture_farm, settings):
    settings.CAPTURE_MAX_BODY_BYTES = 64 * 1024 * 1024
    size = 24 * 1024 * 1024
    source = factories.SourceFactory(url=capture_farm.url(f"/stream?size={size}"))
    tracemalloc.start()
    try:
        capture = capture_now(source)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert capture.status == "ok"
    expected = hashlib.sha256()
    for _ in range(size // 65536):
        expected.update(b"\x00" * 65536)
    assert capture.sha256 == expected.hexdigest()
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes for a {size} byte body"
    records = warc_records(capture)
    assert len(records[1][3]) == size


def test_a_body_over_the_cap_fails_as_too_large_without_being_read(capture_farm, settings):
    settings.CAPTURE_MAX_BODY_BYTES = 1024 * 1024
    size = 50 * 1024 * 1024
    source = factories.SourceFactory(url=capture_farm.url(f"/stream?size={size}"))
    tracemalloc.start()
    try:
        capture = capture_now(source)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (capture.status, capture.failure) == ("failed", Failure.TOO_LARGE)
    assert peak < 8 * 1024 * 1024
    deadline = time.monotonic() + 10
    while "stream:sent" not in capture_farm.hits and time.monotonic() < deadline:
        time.sleep(0.05)
    assert capture_farm.hits["stream:sent"] < size  # we hung up; the rest was never sent


# --- The tasks -----------------------------------------------------------------------------------------------------


def test_the_task_run_twice_takes_one_capture(capture_farm):
    source = factories.SourceFactory(url=capture_farm.page_url("once", article()))
    first = source_capture_task.delay(source.id, "on_demand", None, "demand-1").get()
    again = source_capture_task.delay(source.id, "on_demand", None, "demand-1").get()
    assert first == again == {"capture": Capture.objects.get().pk, "status": "ok"}
    assert capture_farm.hits["/page/once"] == 1

    other = factories.SourceFactory(url=capture_farm.page_url("batch", article()))
    requests = [
        CaptureRequest(source.id, CaptureReason.SCHEDULED, "run-1:a").as_task_argument(),
        CaptureRequest(other.id, CaptureReason.SCHEDULED, "run-1:b").as_task_argument(),
    ]
    sources_capture_task.delay(requests)
    sources_capture_task.delay(requests)
    assert Capture.objects.filter(key__startswith="run-1:").count() == 2
    assert (capture_farm.hits["/page/once"], capture_farm.hits["/page/batch"]) == (2, 1)


def test_a_capture_of_a_deleted_source_is_nothing(capture_farm):
    assert source_capture(source_id=987654, reason=CaptureReason.ON_DEMAND) is None
    assert Capture.objects.count() == 0


def test_with_captures_off_citing_takes_none(capture_farm, settings, django_capture_on_commit_callbacks):
    settings.CAPTURE_ENABLED = False
    url = capture_farm.page_url("quiet", article())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.evidence_add(claim=factories.ClaimFactory(), url=url)
    assert callbacks == []
    assert Capture.objects.count() == 0


def test_capture_events_are_the_desks_own():
    assert EventType.EVIDENCE_CAPTURED in DESK_EVENT_TYPES
    assert EventType.EVIDENCE_CAPTURE_FAILED in DESK_EVENT_TYPES
    assert (EventType.EVIDENCE_CAPTURED.value, EventType.EVIDENCE_CAPTURE_FAILED.value) == (
        "evidence.captured",
        "evidence.capture_failed",
    )


def test_captured_files_are_not_served_at_the_media_url(capture_farm, client):
    capture = capture_now(factories.SourceFactory(url=capture_farm.page_url("private", article())))
    assert capture.warc.name
    assert client.get(f"/{settings.MEDIA_URL}{capture.warc.name}").status_code == 404
    assert client.get(f"/media/{capture.warc.name}").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_make_one_capture_and_two_captures_at_once_one_file(capture_farm, settings):
    """Both fetch before either records: the database's constraints decide (one row per key, one file per body)."""
    from django.db import connection

    from .farm import hold_until_in_flight

    source = factories.SourceFactory(url=capture_farm.page_url("race", article()))

    def race(keys: list[str]) -> list:
        results = [None] * len(keys)

        def one(index: int) -> None:
            try:
                results[index] = source_capture(source_id=source.id, reason=CaptureReason.ON_DEMAND, key=keys[index])
            finally:
                connection.close()

        threads = [threading.Thread(target=one, args=(n,)) for n in range(len(keys))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results

    hold_until_in_flight(capture_farm, settings, 2)  # neither answer goes before both requests are in
    before = stored_bytes()
    first, second = race(["same-key", "same-key"])
    assert first.pk == second.pk
    assert Capture.objects.count() == 1
    assert capture_farm.hits["/page/race"] == 2  # both fetched
    one_file = stored_bytes() - before
    assert one_file == first.size > 0  # the loser's file was removed

    capture_farm.reset()
    capture_farm.page_url("race", article())
    hold_until_in_flight(capture_farm, settings, 2)
    a, b = race(["key-a", "key-b"])
    assert {a.duplicate_of_id, b.duplicate_of_id} == {first.pk}  # the body was stored already: no file at all
    assert stored_bytes() - before == one_file

    capture_farm.reset()
    changed = capture_farm.page_url("race", DRIFTED)
    assert changed == source.url
    hold_until_in_flight(capture_farm, settings, 2)
    c, d = race(["key-c", "key-d"])
    holder, sharer = sorted((c, d), key=lambda capture: capture.duplicate_of_id or 0)
    assert holder.duplicate_of_id is None
    assert sharer.duplicate_of_id == holder.pk
    assert stored_bytes() - before == one_file + holder.size  # one new file, not two


def test_evidence_that_no_longer_cites_the_source_is_not_named(capture_farm):
    source = factories.SourceFactory(url=capture_farm.page_url("moved-on", article()))
    elsewhere = factories.EvidenceFactory()  # cites another source (an edit pointed it there after asking)
    capture = capture_now(source, evidence_id=elsewhere.pk)
    assert (capture.status, capture.evidence_id) == ("ok", None)


def test_a_page_with_nul_characters_is_kept(capture_farm):
    body = article().replace(b"<h1>", b"<h1>\x00")
    capture = capture_now(factories.SourceFactory(url=capture_farm.page_url("nul", body)))
    assert capture.status == "ok"
    assert capture.sha256 == hashlib.sha256(body).hexdigest()  # the body as sent, NUL and all
    assert "\x00" not in capture.text
    assert "Budget report" in capture.text


@pytest.mark.django_db(transaction=True)
def test_a_capture_asked_for_where_an_event_loop_runs_is_taken_all_the_same(capture_farm, monkeypatch):
    """As in a test that drives a browser: the caller's thread runs a loop, and cannot wait on another there."""
    import asyncio

    from django.db import connections

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # what such a test sets for its own database calls
    source = factories.SourceFactory(url=capture_farm.page_url("looped", article()))

    async def inside_a_loop():
        try:
            return source_capture(source_id=source.id, reason=CaptureReason.ON_DEMAND)
        finally:
            # Django keeps connections per context, and this task's is its own: closed here, or it would stay open
            # past the suite (the test database's teardown found it "being accessed by other users").
            connections.close_all()

    capture = asyncio.run(inside_a_loop())
    assert capture.status == "ok"
    assert Capture.objects.get().pk == capture.pk
