"""A batch of ClaimReview inputs → one report row per item; shared by the command and the admin upload."""

import logging
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from .base import ParseError, describe, fetch_failure, printable
from .claimreview import parse_claimreview_bytes, parse_claimreview_text
from .services import ACTION_LABELS, ACTIONS, SKIPPED, claimreview_import

logger = logging.getLogger(__name__)


@dataclass
class ReportRow:
    label: str
    action: str
    claim_id: int | None = None
    detail: str = ""
    warnings: list[str] = field(default_factory=list)  # fields dropped or read loosely; the item was imported

    def __post_init__(self) -> None:
        # Labels name files and details quote the input: shown in a terminal and on a page, they must not act.
        self.label, self.detail = printable(self.label), printable(self.detail)
        self.warnings = [printable(warning) for warning in self.warnings]

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


def _unexpected(label: str, exc: Exception) -> ReportRow:
    """An error no rule foresaw: this item is reported and logged, and the batch goes on."""
    logger.exception("import of %s failed", printable(label))
    return ReportRow(
        label=label,
        action=SKIPPED,
        detail=_("not imported: an unexpected error (%(error)s); it is logged") % {"error": type(exc).__name__},
    )


@dataclass
class ImportReport:
    rows: list[ReportRow] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(row.action for row in self.rows)

    @property
    def read_anything(self) -> bool:
        return any(row.action != SKIPPED for row in self.rows)

    @property
    def warning_count(self) -> int:
        return sum(len(row.warnings) for row in self.rows)

    def total(self) -> str:
        """The total line: each action's count, then the warnings."""
        counts = self.counts
        parts = [
            _("%(count)s %(action)s") % {"count": counts.get(action, 0), "action": ACTION_LABELS[action]}
            for action in ACTIONS
        ]
        return _("%(actions)s; %(warnings)s") % {
            "actions": ", ".join(parts),
            "warnings": _("%(count)s warning(s)") % {"count": self.warning_count},
        }

    def table(self) -> str:
        """A plain-text table for the terminal."""
        header = (_("item"), _("result"), _("claim"), _("detail"))
        # Long labels (a file path, then where in it) keep their end: that is the part that tells items apart.
        lines = [header] + [
            (r.label if len(r.label) <= 60 else "…" + r.label[-59:], r.action, str(r.claim_id or ""), r.detail)
            for r in self.rows
        ]
        widths = [min(max(len(line[i]) for line in lines), 60) for i in range(3)]
        out = []
        indent = " " * (sum(widths) + 2 * len(widths))
        for index, line in enumerate(lines):
            out.append("  ".join(cell[:60].ljust(widths[i]) for i, cell in enumerate(line[:3])) + "  " + line[3])
            if index == 0:
                out.append("  ".join("-" * w for w in widths) + "  " + "-" * 6)
            else:
                out.extend(f"{indent}! {warning}" for warning in self.rows[index - 1].warnings)
        out.append("")
        out.append(self.total())
        return "\n".join(out)


def fetch_claimreview_text(url: str) -> str:
    """A feed or page by url, through the safe fetcher."""
    from sources.fetch import fetch_text

    result = fetch_text(url)
    if result.text is None:
        raise ParseError("url", fetch_failure(result))
    return result.text


def claimreviews_import(
    inputs: list[tuple[str, bytes | str]],
    *,
    user=None,
    publish: bool = False,
    own: bool = False,
    report: ImportReport | None = None,
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
        except Exception as exc:  # one input's failure must not cut the batch off unreported
            report.rows.append(_unexpected(label, exc))
            continue
        for item in parsed:
            if item.data is None:
                report.rows.append(ReportRow(label=item.label, action=SKIPPED, detail=item.error))
                continue
            try:
                result = claimreview_import(review=item.data, user=user, publish=publish, own=own)
            except ValidationError as exc:
                report.rows.append(ReportRow(label=item.label, action=SKIPPED, detail=describe(exc)))
            except DatabaseError as exc:  # a rule the checks missed: this item only (its transaction is undone)
                detail = _("the database refused it: %(error)s") % {"error": str(exc).strip().splitlines()[0]}
                report.rows.append(ReportRow(label=item.label, action=SKIPPED, detail=detail))
            except Exception as exc:  # as above, for one item
                report.rows.append(_unexpected(item.label, exc))
            else:
                report.rows.append(
                    ReportRow(
                        label=item.label,
                        action=result.action,
                        claim_id=result.claim.pk,
                        detail=result.note,
                        warnings=result.warnings,
                    )
                )
    return report
