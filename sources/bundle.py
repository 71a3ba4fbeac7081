"""The evidence bundle: a claim's captures packed as one WACZ 1.1.1 file (Webrecorder's Web Archive Collection
Zipped), which ReplayWeb.page and pywb replay as they are, with the excerpt-level receipt beside them.

The zip holds:
- ``archive/capture-<id>.warc.gz``: each capture's WARC file as we stored it, byte for byte (stored, not deflated:
  replay tools read its records by offset);
- ``indexes/index.cdx``: a CDXJ line per response record (SURT key, timestamp, url, mime, status, payload digest,
  the record's offset and length in its WARC), read from the WARCs with warcio;
- ``pages/pages.jsonl``: one page per capture (the url cited, when, its title);
- ``receipts/excerpts.json``: for each piece of evidence, its excerpt and whether the capture's text holds it (the
  drift check's matcher, sources.health), with the capture's SHA-256, time and url;
- ``datapackage.json``: every file above with its size and SHA-256, and the WACZ fields; ``datapackage-digest.json``
  the hash of that. So one hash checks the lot, and each capture's hash is its body's as the row keeps it.

Memory stays flat in the size of the captures: each WARC is read from storage in blocks twice (once to index and
hash it, once to copy it into the zip) and the zip is written into a pipe the response drains as it goes. The bytes
depend only on what goes in (the zip's dates are the bundle's ``created``), so the same bundle downloads twice as the
same file, with the same hash.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

import surt
from django.utils.translation import gettext as _
from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

from .health import excerpt_on_page, fold_text
from .models import Capture

WACZ_VERSION = "1.1.1"
WACZ_MEDIA_TYPE = "application/wacz"
RECEIPTS_PATH = "receipts/excerpts.json"
INDEX_PATH = "indexes/index.cdx"
PAGES_PATH = "pages/pages.jsonl"
# Bumped when the layout changes, so a cached bundle (its ETag) is not taken for a new one.
BUNDLE_FORMAT = 1
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Citation:
    """A piece of evidence as the bundle reads it: what it quotes of which source, and that source's latest capture
    that succeeded (None when it has none)."""

    evidence_id: int
    claim_id: int
    source_id: int
    source_url: str
    source_title: str
    excerpt: str
    capture: Capture | None


def archive_path(capture: Capture) -> str:
    """Where a capture's WARC goes in the bundle: named by the capture that holds the file (its own id, or the one
    whose body it shares)."""
    return f"archive/capture-{capture.duplicate_of_id or capture.pk}.warc.gz"


def excerpt_found(excerpt: str, capture: Capture) -> bool | None:
    """Whether the capture's text holds the excerpt, as the drift check decides it; None without an excerpt."""
    if not excerpt.strip():
        return None
    return excerpt_on_page(excerpt, fold_text(capture.text))


def receipt(citation: Citation) -> dict:
    """The excerpt-level receipt of one piece of evidence."""
    capture = citation.capture
    return {
        "evidence_id": citation.evidence_id,
        "claim_id": citation.claim_id,
        "source_id": citation.source_id,
        "source_url": citation.source_url,
        "excerpt": citation.excerpt,
        "found": excerpt_found(citation.excerpt, capture) if capture is not None else None,
        "capture": None
        if capture is None
        else {
            "id": capture.pk,
            "sha256": capture.sha256,
            "fetched_at": _iso(capture.fetched_at),
            "url": capture.url,
            "final_url": capture.final_url or capture.url,
            "http_status": capture.http_status,
            "archive": archive_path(capture),
        },
    }


def receipts_about() -> str:
    """What the receipts file says it is, in the reader's language."""
    return _(
        "Each piece of evidence the claim cites: its excerpt, and whether the text of its source's latest capture "
        "holds it (case, width and spacing folded, as the drift check reads pages), with that capture's SHA-256 (of "
        "the body: the payload of the WARC's response record), time and url."
    )


def bundle_fingerprint(citations: Sequence[Citation], *, title: str, description: str) -> str:
    """A hash of everything the bundle is made of: equal fingerprints, equal bytes (the ETag)."""
    parts = {
        "format": BUNDLE_FORMAT,
        "title": title,
        "description": description,
        "about": receipts_about(),
        "receipts": [receipt(citation) for citation in citations],
        "files": sorted({c.capture.stored_warc.name for c in citations if c.capture is not None}),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def bundle_created(citations: Sequence[Citation]) -> datetime:
    """The bundle's date: its newest capture's. Not the time of the download, so the same captures make the same file;
    a bundle holds nothing newer than that."""
    return max(c.capture.fetched_at for c in citations if c.capture is not None)


def wacz_stream(citations: Sequence[Citation], *, title: str, description: str) -> Iterator[bytes]:
    """The WACZ of these citations' captures, piece by piece. At least one must have a capture."""
    captures = list({archive_path(c.capture): c for c in citations if c.capture is not None}.values())
    created = bundle_created(citations)
    date_time = created.astimezone(UTC).timetuple()[:6]
    pipe = _Pipe()
    resources: list[dict] = []
    index_lines: list[str] = []
    pages: list[dict] = []
    with zipfile.ZipFile(pipe, "w") as bundle:
        for citation in captures:
            capture = citation.capture
            path = archive_path(capture)
            with capture.stored_warc.open("rb") as warc:
                scanned = _scan(warc, filename=path.removeprefix("archive/"))
                warc.seek(0)
                info = _info(path, date_time, zipfile.ZIP_STORED)
                info.file_size = scanned.size
                with bundle.open(info, "w") as entry:
                    while block := warc.read(CHUNK):
                        entry.write(block)
                        yield pipe.take()
            resources.append(_resource(path, size=scanned.size, sha256=scanned.sha256))
            index_lines += scanned.lines
            pages.append(
                {
                    "id": f"capture-{capture.pk}",
                    "url": scanned.first_url or capture.url,
                    "ts": scanned.first_date or _iso(capture.fetched_at),
                    "title": citation.source_title or capture.url,
                }
            )
        receipts = {"about": receipts_about(), "receipts": [receipt(citation) for citation in citations]}
        small_files = [
            (INDEX_PATH, "".join(sorted(index_lines)).encode()),
            (PAGES_PATH, _pages_jsonl(pages)),
            (RECEIPTS_PATH, _json(receipts)),
        ]
        for path, data in small_files:
            bundle.writestr(_info(path, date_time, zipfile.ZIP_DEFLATED), data)
            resources.append(_resource(path, size=len(data), sha256=hashlib.sha256(data).hexdigest()))
        first = pages[0]
        package = {
            "profile": "data-package",
            "wacz_version": WACZ_VERSION,
            "title": title,
            "description": description,
            "created": _iso(created),
            "software": "factcheck",
            "mainPageURL": first["url"],
            "mainPageDate": first["ts"],
            "resources": resources,
        }
        package_bytes = _json(package)
        bundle.writestr(_info("datapackage.json", date_time, zipfile.ZIP_DEFLATED), package_bytes)
        digest = {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}
        bundle.writestr(_info("datapackage-digest.json", date_time, zipfile.ZIP_DEFLATED), _json(digest))
        yield pipe.take()
    yield pipe.take()


# --------------------------------------------------------------------------------------------
# Pieces
# --------------------------------------------------------------------------------------------


class _Pipe(io.RawIOBase):
    """Where the zip is written: bytes held until the response takes them. Not seekable, so zipfile writes each
    entry's sizes and checksum after its data (a data descriptor), as any streamed zip does."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


class _Hashing:
    """A reader that hashes and counts what passes through it; warcio's iterator asks where it is (tell)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self.hash = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        self.hash.update(data)
        self.size += len(data)
        return data

    def tell(self) -> int:
        return self.size


@dataclass
class _Scanned:
    size: int
    sha256: str
    lines: list[str]
    first_url: str
    first_date: str


def _scan(warc: IO[bytes], *, filename: str) -> _Scanned:
    """One pass over a WARC: its CDXJ lines (a line per response record), its size and hash, the first response's
    url and date (the page the capture is of)."""
    reader = _Hashing(warc)
    lines = []
    first_url = first_date = ""
    records = ArchiveIterator(reader)
    for record in records:
        if record.rec_type != "response":
            continue
        url = record.rec_headers.get_header("WARC-Target-URI")
        date = record.rec_headers.get_header("WARC-Date")
        fields = {
            "url": url,
            "mime": (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip()
            if record.http_headers
            else "",
            "status": record.http_headers.get_statuscode() if record.http_headers else "",
            "digest": record.rec_headers.get_header("WARC-Payload-Digest") or "",
            "length": str(records.get_record_length()),  # reads the record to its end first
            "offset": str(records.get_record_offset()),
            "filename": filename,
        }
        lines.append(f"{surt.surt(url)} {iso_date_to_timestamp(date)} {json.dumps(fields)}\n")
        if not first_url:
            first_url, first_date = url, _iso_of_warc_date(date)
    while reader.read(CHUNK):  # whatever follows the last record counts in the file's hash
        pass
    return _Scanned(reader.size, reader.hash.hexdigest(), lines, first_url, first_date)


def _info(path: str, date_time: tuple, compression: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time)
    info.compress_type = compression
    info.external_attr = 0o644 << 16  # the same bytes on any machine that builds it
    info.create_system = 3
    return info


def _resource(path: str, *, size: int, sha256: str) -> dict:
    return {"name": path.rsplit("/", 1)[-1].lower(), "path": path, "hash": f"sha256:{sha256}", "bytes": size}


def _pages_jsonl(pages: list[dict]) -> bytes:
    header = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in [header, *pages]).encode()


def _json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_of_warc_date(date: str) -> str:
    # WARC-Date carries microseconds (sources.capture); pages.jsonl keeps the second, as the CDXJ timestamp does.
    return f"{date[:19]}Z" if len(date) >= 19 else date
