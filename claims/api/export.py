"""The streamed export's file formats: CSV (with a header row) and NDJSON, one row per claim in the order of
EXPORT_COLUMNS (claims.selectors.claims), which the query also reads in.

NDJSON carries every value exactly. CSV is for spreadsheets: a text cell a spreadsheet would run as a formula gets
a leading `'` (factcheck.spreadsheet), tags are one JSON array per cell (a tag may hold spaces, commas, quotes),
and `bom=True` starts the file with a UTF-8 byte order mark, without which Excel reads UTF-8 as a legacy code page.
"""

from __future__ import annotations

import io

import orjson

from claims.selectors.claims import EXPORT_COLUMNS
from factcheck.spreadsheet import SpreadsheetWriter

NAMES = list(EXPORT_COLUMNS)
_VALUE, _TAGS, _SOURCES, _RETRACTED = (NAMES.index(c) for c in ("value", "tags", "sources", "retracted"))
_MOMENTS = [NAMES.index(c) for c in ("reviewed_at", "published_at", "created_at", "updated_at")]
# Columns whose CSV cells we write from typed values (numbers, times, choices, true/false, the tags' JSON array,
# which starts with "["): nobody's text, so the spreadsheet rule need not look at them. Every other column is
# looked at, a column added later included. The figure stays a number: "-3" is a value a spreadsheet adds up.
_OURS = {"id", "status", "retracted", "verdict", "value", "tags", "article_id", "version"} | {
    NAMES[i] for i in _MOMENTS
}
_TEXT_COLUMNS = [i for i, name in enumerate(NAMES) if name not in _OURS]

# Rows are handed to the server in pieces of about this many characters: few enough pieces to be cheap, small
# enough that memory stays flat whatever the size of the export.
EXPORT_PIECE = 64 * 1024

BOM = "\ufeff"


def _values(rows):
    """Each row's values for either format: tags sorted, no NULL lists, times in ISO 8601; the figure a Decimal."""
    for row in rows:
        values = list(row)
        values[_TAGS] = sorted(values[_TAGS] or ())
        values[_SOURCES] = values[_SOURCES] or []
        for i in _MOMENTS:
            moment = values[i]
            values[i] = None if moment is None else moment.isoformat()
        yield values


def tags_cell(tags: list[str]) -> str:
    """The CSV's tags cell: a JSON array (`["AI 视频","sora"]`), so that any tag text reads back exactly."""
    return orjson.dumps(tags).decode()


def export_csv(rows, *, bom: bool = False):
    buffer = io.StringIO()
    if bom:
        buffer.write(BOM)
    writer = SpreadsheetWriter(buffer, text_columns=_TEXT_COLUMNS)
    writer.writerow(NAMES)
    for row in _values(rows):  # None is an empty cell, numbers with str()
        row[_RETRACTED] = "true" if row[_RETRACTED] else "false"
        row[_TAGS] = tags_cell(row[_TAGS])
        row[_SOURCES] = " ".join(row[_SOURCES])  # urls hold no spaces (sources.urlnorm refuses them)
        writer.writerow(row)
        if buffer.tell() >= EXPORT_PIECE:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_ndjson(rows):
    lines, size = [], 0
    for row in _values(rows):
        value = row[_VALUE]
        row[_VALUE] = None if value is None else str(value)  # the figure as text: every digit, as stored
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


def export_pieces(name: str, rows, *, bom: bool = False):
    """The export in format `name` (a key of EXPORT_FORMATS), in pieces; `bom` is for CSV only."""
    render = EXPORT_FORMATS[name][1]
    return render(rows, bom=True) if bom else render(rows)
