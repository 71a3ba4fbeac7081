"""The public correction log: a claim's own (its publication, corrections, retraction, minor updates) and the
site-wide one of corrections and retractions, newest first, a page at a time by keyset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Q

from factcheck.db import InConstants

from ..choices import CorrectionKind, Verdict
from ..corrections import SITE_LOG_KINDS
from ..models import Correction
from .visibility import restrict_corrections

SITE_LOG_PAGE_SIZE = 20

_ENTRY_FIELDS = ("id", "kind", "note", "created_at", "verdict_before", "verdict_after")
_CLAIM_FIELDS = ("claim_id", "claim__text", "claim__review_language")


@dataclass(frozen=True)
class CorrectionEntry:
    """One entry of a public log, with its labels (lazy: they render in the page's language)."""

    id: int
    kind: str
    note: str
    created_at: datetime
    verdict_before: str
    verdict_after: str
    # The claim's, for the site-wide log (its page address is the public site's rule: public.links.claim_path).
    claim_id: int | None = None
    claim_text: str = ""
    claim_review_language: str = ""

    @property
    def review_language(self) -> str:
        """The language our text and notes are written in (the claim's review language, else the desk's)."""
        return self.claim_review_language or settings.FACTCHECK_REVIEW_LANGUAGE

    @property
    def kind_label(self) -> str:
        return CorrectionKind(self.kind).label

    @property
    def verdict_before_label(self) -> str:
        return Verdict(self.verdict_before).label if self.verdict_before else ""

    @property
    def verdict_after_label(self) -> str:
        return Verdict(self.verdict_after).label

    @property
    def verdict_changed(self) -> bool:
        return bool(self.verdict_before) and self.verdict_before != self.verdict_after


def _entry(row: dict) -> CorrectionEntry:
    return CorrectionEntry(
        id=row["id"],
        kind=row["kind"],
        note=row["note"],
        created_at=row["created_at"],
        verdict_before=row["verdict_before"],
        verdict_after=row["verdict_after"],
        claim_id=row.get("claim_id"),
        claim_text=row.get("claim__text", ""),
        claim_review_language=row.get("claim__review_language", ""),
    )


def claim_correction_log(*, claim_id: int, user=None) -> list[CorrectionEntry]:
    """The claim's public log, oldest first (its publication comes first, as the story of the check goes); empty if
    the user may not see the claim. One query."""
    entries = restrict_corrections(Correction.objects.filter(claim_id=claim_id), user=user)
    rows = entries.order_by("created_at", "id").values(*_ENTRY_FIELDS, "claim__review_language")
    return [_entry(row) for row in rows]


@dataclass(frozen=True)
class Cursor:
    """A place in the site-wide log: an entry's (created_at, id), written into a page's address as a token."""

    created_at: datetime
    id: int

    def token(self) -> str:
        moment = self.created_at.astimezone(UTC)
        return f"{int(moment.timestamp()) * 1_000_000 + moment.microsecond}-{self.id}"

    @classmethod
    def parse(cls, token: str) -> Cursor:
        """The cursor of a token; ValueError for anything that is not one."""
        micros, _, entry_id = (token or "").partition("-")
        if not (micros.isascii() and micros.isdigit() and entry_id.isascii() and entry_id.isdigit()):
            raise ValueError(f"not a page token: {token!r}")
        if len(micros) > 16 or len(entry_id) > 18:
            raise ValueError(f"not a page token: {token!r}")
        seconds, micro = divmod(int(micros), 1_000_000)
        return cls(created_at=datetime.fromtimestamp(seconds, UTC).replace(microsecond=micro), id=int(entry_id))

    @classmethod
    def of(cls, entry: CorrectionEntry) -> Cursor:
        return cls(created_at=entry.created_at, id=entry.id)


@dataclass(frozen=True)
class SiteLogPage:
    entries: list[CorrectionEntry]
    older: Cursor | None  # the next page towards the oldest entry (``before``), None at the end
    newer: Cursor | None  # the page before this one (``after``), None on the first page


def site_correction_log(
    *, before: Cursor | None = None, after: Cursor | None = None, size: int = SITE_LOG_PAGE_SIZE, user=None
) -> SiteLogPage:
    """One page of every correction and retraction of the claims the user may see, newest first: the newest page,
    the page older than ``before`` or the page newer than ``after``. One query (index correction_site_log_idx);
    minor updates are left to each claim's own log."""
    entries = restrict_corrections(Correction.objects.filter(InConstants("kind", SITE_LOG_KINDS)), user=user)
    if after is not None:
        # `created_at >= t` is the index condition; the tie on time is broken by id.
        entries = entries.filter(
            Q(created_at__gte=after.created_at), Q(created_at__gt=after.created_at) | Q(id__gt=after.id)
        )
        rows = list(entries.order_by("created_at", "id").values(*_ENTRY_FIELDS, *_CLAIM_FIELDS)[: size + 1])
        more_newer = len(rows) > size
        found = [_entry(row) for row in reversed(rows[:size])]
        newer = Cursor.of(found[0]) if more_newer else None
        older = Cursor.of(found[-1]) if found else before
        return SiteLogPage(found, older=older, newer=newer)
    if before is not None:
        entries = entries.filter(
            Q(created_at__lte=before.created_at), Q(created_at__lt=before.created_at) | Q(id__lt=before.id)
        )
    rows = list(entries.order_by("-created_at", "-id").values(*_ENTRY_FIELDS, *_CLAIM_FIELDS)[: size + 1])
    found = [_entry(row) for row in rows[:size]]
    older = Cursor.of(found[-1]) if len(rows) > size else None
    newer = Cursor.of(found[0]) if before is not None and found else None
    return SiteLogPage(found, older=older, newer=newer)
