"""A batch of ClaimReview inputs → one report row per item; shared by the command and the admin upload."""

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DatabaseError

from .base import ParseError
from .claimreview import parse_claimreview_bytes, parse_claimreview_text
from .services import CREATED, LINKED, SKIPPED, UPDATED, claimreview_import


@dataclass
class ReportRow:
    label: str
    action: str
    claim_id: int | None = None
    detail: str = ""


@dataclass
class ImportReport:
    rows: list[ReportRow] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(row.action for row in self.rows)

    @property
    def read_anything(self) -> bool:
        return any(row.action in (CREATED, UPDATED, LINKED) for row in self.rows)

    def table(self) -> str:
        """A plain-text table for the terminal."""
        header = ("item", "result", "claim", "detail")
        # Long labels (a file path, then where in it) keep their end: that is the part that tells items apart.
        lines = [header] + [
            (r.label if len(r.label) <= 60 else "…" + r.label[-59:], r.action, str(r.claim_id or ""), r.detail)
            for r in self.rows
        ]
        widths = [min(max(len(line[i]) for line in lines), 60) for i in range(3)]
        out = []
        for index, line in enumerate(lines):
            out.append("  ".join(cell[:60].ljust(widths[i]) for i, cell in enumerate(line[:3])) + "  " + line[3])
            if index == 0:
                out.append("  ".join("-" * w for w in widths) + "  " + "-" * 6)
        counts = self.counts
        out.append("")
        out.append(", ".join(f"{counts.get(a, 0)} {a}" for a in (CREATED, UPDATED, LINKED, SKIPPED)))
        return "\n".join(out)


def fetch_claimreview_text(url: str) -> str:
    """A feed or page by url, through the safe fetcher."""
    from sources.fetch import fetch_text

    result = fetch_text(url)
    if result.text is None:
        detail = result.error or (f"HTTP {result.http_status}" if result.http_status else "")
        raise ParseError("url", f"could not be fetched: {result.outcome}" + (f", {detail}" if detail else ""))
    return result.text


def claimreviews_import(
    inputs: list[tuple[str, bytes | str]], *, user=None, publish: bool = False, report: ImportReport | None = None
) -> ImportReport:
    """Import every ClaimReview in each (label, content) input; each item in its own transaction."""
    report = report or ImportReport()
    for label, content in inputs:
        try:
            if isinstance(content, bytes):
                parsed = parse_claimreview_bytes(content, source=label)
            else:
                parsed = parse_claimreview_text(content, source=label)
        except ParseError as exc:
            report.rows.append(ReportRow(label=label, action=SKIPPED, detail=str(exc)))
            continue
        for item in parsed:
            if item.data is None:
                report.rows.append(ReportRow(label=item.label, action=SKIPPED, detail=item.error))
                continue
            try:
                result = claimreview_import(review=item.data, user=user, publish=publish)
            except ValidationError as exc:
                report.rows.append(ReportRow(label=item.label, action=SKIPPED, detail=" ".join(exc.messages)))
            except DatabaseError as exc:  # e.g. a value too long for its column: this item only
                report.rows.append(ReportRow(label=item.label, action=SKIPPED, detail=f"database refused it: {exc}"))
            else:
                report.rows.append(
                    ReportRow(label=item.label, action=result.action, claim_id=result.claim.pk, detail=result.note)
                )
    return report
