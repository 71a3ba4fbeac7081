"""Captures: a cited page kept as evidence, as our own WARC file, its body's hash beside it.

Each capture goes through the link checker's fetcher (sources/fetch.py ``SafeClient.stream``: the address guard on
every hop, the host's politeness slot, the deadline, the body cap), streams the body to a temporary file while it is
hashed, and writes a WARC 1.1 file with warcio, each record gzipped on its own: a ``request`` and a ``response``
record per hop (a redirect's answer keeps its head only), then a ``metadata`` record with our ids and, for each
piece of evidence citing the source, its excerpt and whether the capture's text holds it. The file goes to Django's
default storage (the filesystem under MEDIA_ROOT, or an S3 bucket: settings "Captures").

The hash is SHA-256 of the body as the server sent it, after the transfer's chunking is undone and before any
content decoding: exactly the payload of the WARC's response record. We ask for ``Accept-Encoding: identity``, so
that payload is the page's own bytes, and anyone can check the hash against a plain download of an unchanged page
(``curl URL | sha256sum``) or against the WARC (``warcio extract --payload``). A server that compresses anyway is
kept as it answered; the hash is then of the compressed bytes, as the payload is (warcio's reader inflates it, so
check such a capture against the record's raw payload).

A body this source already has (same hash) is not stored again: the new row points to the capture that holds the
file. Only within a source: the shared WARC then names this source's url, so replaying it shows the right address,
and removing one source's captures never takes another's evidence with it. Two captures recorded at once cannot
break it, nor make two rows of one key: the database holds both rules (Capture's constraints), and the loser of a
race removes the file it wrote.

A capture that cannot be taken (blocked address, timeout, 404, too large, TLS...) is a ``failed`` row with its
reason in words (sources.choices.Failure), and a desk event, never silence. Only our own troubles (database,
storage) raise, for the task to retry; its key makes the retry take one capture, not two.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import random
import tempfile
import uuid
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import IO

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter
from yarl import URL

from notifications.choices import EventType
from notifications.outbox import event_record

from .choices import CaptureReason, CaptureStatus, check_failure
from .fetch import CheckResult, FetchConfig, Hop, SafeClient
from .health import excerpt_on_page, fold_text, page_text
from .models import Capture, Source
from .politeness import limiter_from_settings

logger = logging.getLogger(__name__)

# Identity: the stored payload is then the page's own bytes (see the module's docstring).
CAPTURE_HEADERS = {"Accept-Encoding": "identity"}
WARC_VERSION = "1.1"
# The one header whose record we change: the payload is kept without its chunk framing, so a replay tool that read
# "chunked" would try to undo framing that is not there. The original stays under the name replay tools use.
_TRANSFER_ENCODING = "transfer-encoding"
_ORIGINAL_PREFIX = "X-Archive-Orig-"
# Our metadata record: JSON, since it holds a list of excerpts (warc-fields are flat name: value lines).
_METADATA_TYPE = "application/json"


@dataclass(frozen=True)
class CaptureRequest:
    """One capture asked for. ``key`` names it: asked twice with the same key, it is taken once."""

    source_id: int
    reason: str
    key: str
    evidence_id: int | None = None

    def as_task_argument(self) -> dict:
        return asdict(self)

    @classmethod
    def of_task_argument(cls, data: dict) -> CaptureRequest:
        return cls(
            source_id=int(data["source_id"]),
            reason=CaptureReason(data["reason"]),
            key=str(data["key"]),
            evidence_id=int(data["evidence_id"]) if data.get("evidence_id") is not None else None,
        )


def new_capture_key(reason: str, source_id: int) -> str:
    """A key of its own, for a capture nothing else could ask for again (on demand)."""
    return f"{reason}:{source_id}:{uuid.uuid4().hex}"


def source_capture(
    *, source_id: int, reason: str, evidence_id: int | None = None, key: str | None = None
) -> Capture | None:
    """Capture one source now (None if the source is gone); with a ``key`` taken before, that capture."""
    request = CaptureRequest(
        source_id=source_id,
        reason=CaptureReason(reason),
        key=key or new_capture_key(reason, source_id),
        evidence_id=evidence_id,
    )
    captures = sources_capture(requests=[request])
    return captures[0] if captures else None


def sources_capture(
    *, requests: Sequence[CaptureRequest], config: FetchConfig | None = None, use_redis: bool = True
) -> list[Capture]:
    """Take the captures asked for, CAPTURE_CONCURRENCY at once, in the order asked (those of sources gone are left
    out). A key already taken returns its capture and fetches nothing."""
    wanted = list({request.key: request for request in requests}.values())
    done = {capture.key: capture for capture in Capture.objects.filter(key__in=[r.key for r in wanted])}
    todo = [request for request in wanted if request.key not in done]
    batch = _Batch.read(source_ids={r.source_id for r in todo})
    todo = [request for request in todo if request.source_id in batch.urls]
    if todo:
        config = config or FetchConfig.from_settings(max_body_bytes=settings.CAPTURE_MAX_BODY_BYTES)
        done.update(_run(_capture_all, todo, batch, config=config, use_redis=use_redis))
    return [done[request.key] for request in wanted if request.key in done]


def _run(function, *args, **kwargs):
    """Run the async ``function`` from this synchronous code, its recording back in this thread. A thread that
    already runs an event loop (a test driving a browser) cannot wait on another: there the whole of it runs in a
    thread of its own, with a database connection of its own, closed after."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return async_to_sync(function)(*args, **kwargs)

    def apart():
        try:
            return async_to_sync(function)(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(apart).result()


@dataclass
class _Batch:
    """What a batch reads once, not once per capture: the sources' urls, the evidence citing them (evidence id,
    claim id, excerpt), and the captures holding their files by (source id, hash)."""

    urls: dict[int, str]
    citing: dict[int, list[tuple[int, int, str]]]
    holders: dict[tuple[int, str], Capture]

    @classmethod
    def read(cls, *, source_ids: set[int]) -> _Batch:
        from claims.seam import evidence_citing_sources  # not at the top: claims.services imports sources

        urls = dict(Source.objects.filter(id__in=source_ids).values_list("id", "url"))
        if not urls:
            return cls(urls={}, citing={}, holders={})
        holders = (
            Capture.objects.filter(source_id__in=list(urls), status=CaptureStatus.OK, duplicate_of=None)
            .exclude(warc="")
            .only("id", "source_id", "sha256", "warc")
        )
        return cls(
            urls=urls,
            citing=evidence_citing_sources(source_ids=list(urls)),
            holders={(holder.source_id, holder.sha256): holder for holder in holders},
        )


# --------------------------------------------------------------------------------------------
# Fetching (an event loop in asgiref's thread; each result is recorded back in the caller's)
# --------------------------------------------------------------------------------------------


async def _capture_all(
    todo: list[CaptureRequest], batch: _Batch, *, config: FetchConfig, use_redis: bool
) -> dict[str, Capture]:
    # Recorded in the thread that called sources_capture: its database connection and transaction, one at a time.
    record = sync_to_async(_record, thread_sensitive=True)
    text_bytes = settings.LINKCHECK_MAX_BODY_BYTES
    # Each capture holds its place from fetch to record, so bodies waiting on disk are bounded too.
    places = asyncio.Semaphore(max(1, settings.CAPTURE_CONCURRENCY))
    captured: dict[str, Capture] = {}
    # One runner per host slot, as check_many does: a host whose turn has not come never holds a place.
    queues: dict[str, list[CaptureRequest]] = {}
    for request in todo:
        queues.setdefault(_host(batch.urls[request.source_id]), []).append(request)

    limiter = limiter_from_settings(use_redis=use_redis)
    try:
        async with SafeClient(config, limiter=limiter) as client:

            async def runner(queue: list[CaptureRequest]) -> None:
                while queue:
                    request = queue.pop(0)
                    url = batch.urls[request.source_id]
                    async with places:
                        with tempfile.TemporaryFile() as body:
                            result = await client.stream(url, body, headers=CAPTURE_HEADERS, text_bytes=text_bytes)
                            # The page's text is pure Python work: in a thread of its own it overlaps the
                            # recording thread's waits on the database, and the loop keeps fetching.
                            read = await asyncio.to_thread(_read, result, batch.citing.get(request.source_id, []))
                            capture = await record(request, url, result, body, read, batch)
                    if capture is not None:
                        captured[request.key] = capture

            try:
                async with asyncio.TaskGroup() as group:
                    for queue in queues.values():
                        for _ in range(min(config.host_concurrency, len(queue))):
                            group.create_task(runner(queue))
            except BaseExceptionGroup as errors:
                # The task retries on the database's or storage's own errors, which a group would hide.
                raise _first_error(errors) from None
    finally:
        await limiter.aclose()
    return captured


def _first_error(errors: BaseExceptionGroup) -> BaseException:
    first = errors.exceptions[0]
    return _first_error(first) if isinstance(first, BaseExceptionGroup) else first


def _host(url: str) -> str:
    try:
        return (URL(url).raw_host or "").lower()
    except ValueError:
        return ""


@dataclass(frozen=True)
class _Read:
    """What a fetch amounts to: its failure (None: a page to keep), the page's text, the citing excerpts found."""

    failure: str | None
    text: str = ""
    excerpts: tuple[dict, ...] = ()


def _read(result: CheckResult, citing: list[tuple[int, int, str]]) -> _Read:
    failure = check_failure(outcome=result.outcome, failure=result.failure, error=result.error)
    if failure is not None:
        return _Read(failure=failure)
    # PostgreSQL's text holds no NUL character; a page may (a binary file sent as text/html).
    text = page_text(result.text, result.content_type).replace("\x00", "") if result.text else ""
    return _Read(failure=None, text=text, excerpts=tuple(_excerpts_found(text, citing)))


# --------------------------------------------------------------------------------------------
# Recording
# --------------------------------------------------------------------------------------------

# The database keeps the two rules a concurrent capture could break (sources.models.Capture's constraints).
_ONE_PER_KEY = "capture_one_per_key"
_ONE_FILE_PER_BODY = "capture_one_file_per_body"


@dataclass(frozen=True)
class _Stored:
    name: str
    size: int


class _SourceGone(Exception):
    pass


def _record(
    request: CaptureRequest, url: str, result: CheckResult, body: IO[bytes], read: _Read, batch: _Batch
) -> Capture | None:
    """The capture's row (and its file unless the source has this body already), its event, the source's next
    scheduled capture: one transaction. None when the source was deleted meanwhile."""
    citing = batch.citing.get(request.source_id, [])
    row = Capture(
        source_id=request.source_id,
        # Only while it still cites this source (an edit may have pointed it elsewhere, or removed it).
        evidence_id=request.evidence_id if any(request.evidence_id == e for e, _c, _x in citing) else None,
        reason=request.reason,
        key=request.key,
        url=url,
        final_url=result.final_url,
        fetched_at=result.hops[-1].at if result.hops else (result.checked_at or timezone.now()),
        http_status=result.http_status,
        content_type=result.content_type[:255],
        status=CaptureStatus.OK if read.failure is None else CaptureStatus.FAILED,
        failure=read.failure or "",
        # A refusal the status says (404, 403...) has no text of the fetcher's own: the answer's status line is it.
        error=(result.error or (_status_line(result) if read.failure else ""))[:2000],
    )
    stored = None
    try:
        if read.failure is None:
            row.sha256, row.text = result.content_hash, read.text
            row.duplicate_of = batch.holders.get((row.source_id, row.sha256))
            if row.duplicate_of is None:
                stored = _warc_store(row, result, body, list(read.excerpts))
                row.warc.name, row.size = stored.name, stored.size
        try:
            _insert(row, citing, read.excerpts)
        except IntegrityError as exc:
            constraint = _constraint_of(exc)
            if constraint == _ONE_PER_KEY:  # taken meanwhile under the same key (a redelivered task)
                _discard(stored)
                return Capture.objects.get(key=request.key)
            if constraint != _ONE_FILE_PER_BODY or stored is None:
                raise
            # Another capture of this source stored the same body meanwhile: share its file.
            _discard(stored)
            stored = None
            row.pk, row.warc, row.size = None, "", 0
            row.duplicate_of = _file_holder(row.source_id, row.sha256)
            _insert(row, citing, read.excerpts)
    except _SourceGone:
        _discard(stored)
        return None
    except BaseException:
        _discard(stored)
        raise
    if stored is not None:
        batch.holders[(row.source_id, row.sha256)] = row
    return row


def _insert(row: Capture, citing: list[tuple[int, int, str]], excerpts: Sequence[dict]) -> None:
    with transaction.atomic():
        # First: it fails on a source deleted meanwhile, and holds the source's row until the capture commits.
        if not Source.objects.filter(id=row.source_id).update(next_capture_at=next_capture_at(row.fetched_at)):
            raise _SourceGone
        row.save(force_insert=True)
        _event_record(row, citing, list(excerpts))


def _constraint_of(exc: IntegrityError) -> str:
    return getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) or ""


def _status_line(result: CheckResult) -> str:
    if not result.hops:
        return ""
    last = result.hops[-1]
    return f"HTTP/{last.version} {last.status} {last.reason}".strip()


def _file_holder(source_id: int, sha256: str) -> Capture | None:
    """The capture of this source whose file holds a body with this hash, if any."""
    return (
        Capture.objects.filter(source_id=source_id, sha256=sha256, status=CaptureStatus.OK, duplicate_of=None)
        .exclude(warc="")
        .order_by("id")
        .first()
    )


def next_capture_at(fetched_at: datetime, *, rng: random.Random | None = None) -> datetime:
    """When the scheduled recapture of a source captured at ``fetched_at`` is due: CAPTURE_INTERVAL_DAYS later,
    spread by the link checker's jitter so a day's citations do not all come back on one day."""
    jitter = settings.LINKCHECK_JITTER
    factor = 1 + (rng or random).uniform(-jitter, jitter) if jitter else 1
    return fetched_at + timedelta(days=settings.CAPTURE_INTERVAL_DAYS * factor)


def _excerpts_found(text: str, citing: list[tuple[int, int, str]]) -> list[dict]:
    """Each citing piece of evidence with its excerpt and whether the capture's text holds it, as the drift check
    decides it (None for evidence without an excerpt)."""
    if not any(excerpt.strip() for _evidence, _claim, excerpt in citing):
        return [
            {"evidence_id": evidence_id, "claim_id": claim_id, "excerpt": excerpt, "found": None}
            for evidence_id, claim_id, excerpt in citing
        ]
    folded = fold_text(text)
    return [
        {
            "evidence_id": evidence_id,
            "claim_id": claim_id,
            "excerpt": excerpt,
            "found": excerpt_on_page(excerpt, folded) if excerpt.strip() else None,
        }
        for evidence_id, claim_id, excerpt in citing
    ]


def _event_record(capture: Capture, citing: list[tuple[int, int, str]], excerpts: list[dict]) -> None:
    ok = capture.status == CaptureStatus.OK
    evidence_ids = [evidence_id for evidence_id, _claim, _excerpt in citing]
    event_record(
        type=EventType.EVIDENCE_CAPTURED if ok else EventType.EVIDENCE_CAPTURE_FAILED,
        order_key=f"source:{capture.source_id}",
        object_ids={"capture": capture.pk, "source": capture.source_id}
        | ({"evidence": capture.evidence_id} if capture.evidence_id else {}),
        payload={
            "capture": {
                "id": capture.pk,
                "status": capture.status,
                "reason": capture.reason,
                "fetched_at": capture.fetched_at,
                "http_status": capture.http_status,
                "final_url": capture.final_url or None,
                "content_type": capture.content_type,
                "sha256": capture.sha256 or None,
                "size": capture.size,
                "duplicate_of": capture.duplicate_of_id,
                # The reason in words, as a reviewer reads it; the fetcher's own text names hosts and addresses, and
                # stays on the row for reviewers (sources.choices.check_error_shown).
                "failure": capture.failure or None,
                "failure_reason": str(capture.get_failure_display()) if capture.failure else None,
            },
            "source": {"id": capture.source_id, "url": capture.url},
            "evidence_id": capture.evidence_id,
            "evidence_ids": evidence_ids,
            "claim_ids": sorted({claim_id for _evidence, claim_id, _excerpt in citing}),
            "excerpts": [{"evidence_id": e["evidence_id"], "found": e["found"]} for e in excerpts],
        },
    )


# --------------------------------------------------------------------------------------------
# The WARC file
# --------------------------------------------------------------------------------------------


class _Writer(WARCWriter):
    """warcio's writer with SHA-256 digests (its default is SHA-1), the hash our rows keep."""

    @staticmethod
    def _create_digester():
        return Digester("sha256")


# zlib's default. warcio's own gzip (gzip=True) is level 9: twice the CPU for under 1% fewer bytes on news pages, in the
# thread that records every capture of a task one after the other (make bench, captures).
_GZIP_LEVEL = 6


class _GzipPerRecord:
    """What warcio writes, gzipped one member per record as its gzip=True does (a reader can seek to a record), at
    _GZIP_LEVEL. warcio flushes once, at the end of each record: that ends the member."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self._member = None

    def write(self, data: bytes) -> None:
        if self._member is None:
            self._member = zlib.compressobj(_GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        self.out.write(self._member.compress(data))

    def flush(self) -> None:
        if self._member is not None:
            self.out.write(self._member.flush())
            self._member = None
        self.out.flush()


def _warc_store(row: Capture, result: CheckResult, body: IO[bytes], excerpts: list[dict]) -> _Stored:
    """Write the capture's WARC to a temporary file, then to storage; its name and size there."""
    with tempfile.TemporaryFile() as out:
        warc_write(out, row=row, result=result, body=body, excerpts=excerpts)
        size = out.tell()
        out.seek(0)
        name = row.warc.field.storage.save(_warc_name(row), File(out))
    return _Stored(name=name, size=size)


def _warc_name(row: Capture) -> str:
    stamp = row.fetched_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"captures/{row.source_id}/{stamp}-{uuid.uuid4().hex[:12]}.warc.gz"


def _discard(stored: _Stored | None) -> None:
    """Remove a file no row will name. Best effort: an orphan file is waste, not a wrong answer."""
    if stored is None:
        return
    try:
        Capture._meta.get_field("warc").storage.delete(stored.name)
    except Exception:  # the error being handled, if any, matters more
        logger.warning("could not remove the unused capture file %s", stored.name, exc_info=True)


def _warc_date(at: datetime) -> str:
    return datetime_to_iso_date(at.astimezone(UTC).replace(tzinfo=None), use_micros=True)


def _stored_headers(headers: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (f"{_ORIGINAL_PREFIX}{name}" if name.lower() == _TRANSFER_ENCODING else name, value) for name, value in headers
    ]


def _target(url: str) -> str:
    parsed = URL(url)
    return parsed.raw_path_qs or "/"


def warc_write(out: IO[bytes], *, row: Capture, result: CheckResult, body: IO[bytes], excerpts: list[dict]) -> str:
    """The WARC records of one capture into ``out``; the response record's id (what the metadata refers to)."""
    writer = _Writer(_GzipPerRecord(out), gzip=False, warc_version=WARC_VERSION)
    response_id = ""
    for number, hop in enumerate(result.hops, start=1):
        final = number == len(result.hops)
        response_id = _hop_write(
            writer,
            hop,
            body=body if final else None,
            length=result.body_bytes,
            payload_sha256=result.content_hash if final else None,
        )
    metadata = {
        "software": "factcheck",
        "capture_key": row.key,
        "reason": row.reason,
        "source_id": row.source_id,
        "source_url": row.url,
        "evidence_id": row.evidence_id,
        "fetched_at": row.fetched_at.isoformat(),
        "final_url": row.final_url or row.url,
        "http_status": row.http_status,
        "sha256": row.sha256,
        "redirects": [{"status": status, "url": url} for status, url in result.redirects],
        "excerpts": excerpts,
    }
    payload = json.dumps(metadata, ensure_ascii=False, indent=1).encode("utf-8")
    record = writer.create_warc_record(
        row.final_url or row.url,
        "metadata",
        payload=BytesIO(payload),
        length=len(payload),
        warc_content_type=_METADATA_TYPE,
        warc_headers_dict={"WARC-Date": _warc_date(row.fetched_at), "WARC-Refers-To": response_id},
    )
    writer.write_record(record)
    return response_id


def _hop_write(
    writer: _Writer, hop: Hop, *, body: IO[bytes] | None, length: int, payload_sha256: str | None = None
) -> str:
    """A request record and its response record; a redirect's response keeps its head only (WARC-Truncated)."""
    date = _warc_date(hop.at)
    response_headers = {"WARC-Date": date}
    if hop.peer:
        response_headers["WARC-IP-Address"] = hop.peer
    if body is not None and payload_sha256:
        # The fetcher hashed the body as it came: warcio need not read it once more for the same digest.
        response_headers["WARC-Payload-Digest"] = "sha256:" + base64.b32encode(bytes.fromhex(payload_sha256)).decode()
    if body is not None:
        body.seek(0)
    response = writer.create_warc_record(
        hop.url,
        "response",
        payload=body if body is not None else BytesIO(),
        length=length if body is not None else 0,
        http_headers=StatusAndHeaders(
            f"{hop.status} {hop.reason}".strip(), _stored_headers(hop.headers), protocol=f"HTTP/{hop.version}"
        ),
        warc_headers_dict=response_headers,
    )
    if body is None:
        response.rec_headers.add_header("WARC-Truncated", "length")
    response_id = response.rec_headers.get_header("WARC-Record-ID")
    request = writer.create_warc_record(
        hop.url,
        "request",
        http_headers=StatusAndHeaders(
            f"{_target(hop.url)} HTTP/{hop.version}", list(hop.request_headers), protocol=hop.method
        ),
        warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": response_id},
    )
    writer.write_record(request)
    writer.write_record(response)
    return response_id
