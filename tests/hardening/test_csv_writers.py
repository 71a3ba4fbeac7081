"""Every CSV the project writes goes through factcheck.spreadsheet.SpreadsheetWriter, so no export can forget the
formula rule: a static audit of the code (the app, the management commands, bench, loadtest, scripts)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("claims", "sources", "factcheck", "bench", "loadtest", "scripts")
THE_WRITER = Path("factcheck/spreadsheet.py")
CSV_WRITERS = {"writer", "DictWriter"}


def _code_files():
    for name in CODE_DIRS:
        for path in (ROOT / name).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def _csv_writers_made(tree: ast.AST) -> list[int]:
    """Lines that make a csv writer: csv.writer(...), csv.DictWriter(...), or `from csv import writer`."""
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in CSV_WRITERS
            and isinstance(node.value, ast.Name)
            and node.value.id == "csv"
        ):
            lines.append(node.lineno)
        if isinstance(node, ast.ImportFrom) and node.module == "csv":
            if CSV_WRITERS & {alias.name for alias in node.names}:
                lines.append(node.lineno)
    return lines


def test_no_code_writes_csv_but_the_spreadsheet_writer():
    offending = []
    for path in _code_files():
        where = path.relative_to(ROOT)
        if where == THE_WRITER:
            continue
        offending += [f"{where}:{line}" for line in _csv_writers_made(ast.parse(path.read_text(), filename=str(path)))]
    assert not offending, f"write CSV with factcheck.spreadsheet.SpreadsheetWriter, not csv.writer: {offending}"


def test_the_audit_finds_what_it_looks_for():
    assert _csv_writers_made(ast.parse("import csv\nw = csv.writer(f)\nd = csv.DictWriter(f, [])")) == [2, 3]
    assert _csv_writers_made(ast.parse("from csv import writer as w")) == [1]
    assert _csv_writers_made(ast.parse("import csv\nr = csv.reader(f)")) == []
    assert _csv_writers_made(ast.parse((ROOT / THE_WRITER).read_text()))  # the one writer: found, and excused
