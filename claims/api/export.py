"""The streamed export's file formats: CSV (with a header row) and NDJSON, one row per claim in the order of
EXPORT_COLUMNS (claims.selectors.claims), which the query also reads in."""

from __future__ import annotations

import csv
import io

import orjson

from claims.selectors.claims import EXPORT_COLUMNS

NAMES = list(EXPORT_COLUMNS)
_VALUE, _TAGS, _SOURCES, _RETRACTED = (NAMES.index(c) for c in ("value", "tags", "sources", "retracted"))
_MOMENTS = [NAMES.index(c) for c in ("reviewed_at", "published_at", "created_at", "updated_at")]

# Rows are handed to the server in pieces of about this many characters: few enough pieces to be cheap, small
# enough that memory stays flat whatever the size of the export.
EXPORT_PIECE = 64 * 1024


def _values(rows):
    """Each row as JSON-ready values: the figure as text, tags sorted, no NULL lists, times in ISO 8601."""
    for row in rows:
        values = list(row)
        value = values[_VALUE]
        values[_VALUE] = None if value is None else str(value)
        values[_TAGS] = sorted(values[_TAGS] or ())
        values[_SOURCES] = values[_SOURCES] or []
        for i in _MOMENTS:
            moment = values[i]
            values[i] = None if moment is None else moment.isoformat()
        yield values


def export_csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(NAMES)
    for row in _values(rows):  # None is written as an empty cell, numbers with str()
        row[_RETRACTED] = "true" if row[_RETRACTED] else "false"
        row[_TAGS] = " ".join(row[_TAGS])
        row[_SOURCES] = " ".join(row[_SOURCES])
        writer.writerow(row)
        if buffer.tell() >= EXPORT_PIECE:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_ndjson(rows):
    lines, size = [], 0
    for row in _values(rows):
        line = orjson.dumps(dict(zip(NAMES, row, strict=True)))
        lines.append(line)
        size += len(line)
        if size >= EXPORT_PIECE:
            lines.append(b"")
            yield b"\n".join(lines)
            lines, size = [], 0
    if lines:
        lines.append(b"")
        yield b"\n".join(lines)


EXPORT_FORMATS = {
    "csv": ("text/csv; charset=utf-8", export_csv),
    "ndjson": ("application/x-ndjson; charset=utf-8", export_ndjson),
}
