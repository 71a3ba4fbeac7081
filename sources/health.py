"""The rules of link health, and the one place check results are written.

Pure rules first (what a result means for a source, when to look again, whether an excerpt is
still on a page), then the writes: a batch of results is recorded in one transaction, one
LinkCheck per (source, run_key) enforced by the constraint (INSERT ... ON CONFLICT DO NOTHING), and
only the sources whose row was inserted here get their health moved, so a run delivered twice
changes nothing the second time.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from notifications.choices import EventType
from notifications.models import Event
from notifications.outbox import events_record

from .choices import SUCCESS_OUTCOMES, Health, Outcome
from .fetch import CheckResult, SafeClient
from .health_rule import NEUTRAL, SUCCESS, DeadRule, outcome_kind
from .models import LINK_HEALTH_FIELDS, LinkCheck, Source
from .rollups import CheckChange, rollups_add_checks

# --------------------------------------------------------------------------------------------
# Health over time (pure)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HealthState:
    health: str
    consecutive_failures: int = 0
    first_failure_at: datetime | None = None


def health_after(
    state: HealthState,
    outcome: str,
    at: datetime,
    *,
    dead_after_failures: int | None = None,
    dead_after_days: float | None = None,
) -> HealthState:
    """The health a source has after a check with ``outcome`` at ``at``.

    The rule of sources/health_rule.py: dead only after N consecutive failures whose first and last are at least
    D days apart; one success clears the count; neutral outcomes leave everything as it was.
    """
    kind = outcome_kind(outcome)
    if kind == SUCCESS:
        return HealthState(Health.OK)
    if kind == NEUTRAL:
        return state
    rule = DeadRule.from_settings(failures=dead_after_failures, days=dead_after_days)
    count = state.consecutive_failures + 1
    first = state.first_failure_at if state.consecutive_failures and state.first_failure_at else at
    return HealthState(Health.DEAD if rule.is_dead(count, first, at) else Health.FAILING, count, first)


def _interval_hours(health: str) -> float:
    if health == Health.FAILING:
        return settings.LINKCHECK_FAILING_INTERVAL_HOURS
    if health == Health.DEAD:
        return settings.LINKCHECK_DEAD_INTERVAL_HOURS
    return settings.LINKCHECK_OK_INTERVAL_HOURS


def next_check_delay(
    health: str, outcome: str, *, retry_after: int | None = None, rng: random.Random | None = None
) -> timedelta:
    """How long until the next check: weekly when healthy, daily when failing, spread by jitter.

    A rate-limited source is looked at again as soon as a failing one would be; a Retry-After
    from the server is a floor under any of these.
    """
    hours = _interval_hours(Health.FAILING if outcome == Outcome.RATE_LIMITED else health)
    jitter = settings.LINKCHECK_JITTER
    factor = 1 + (rng or random).uniform(-jitter, jitter) if jitter else 1
    delay = timedelta(hours=hours * factor)
    if retry_after:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


# --------------------------------------------------------------------------------------------
# Content drift (pure)
# --------------------------------------------------------------------------------------------

_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head"})
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "td",
        "th",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "blockquote",
        "pre",
        "hr",
        "title",
        "dt",
        "dd",
        "figcaption",
        "main",
        "aside",
        "nav",
    }
)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in _SKIPPED_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The visible text of a page: tags, scripts and styles dropped, entities decoded."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except AssertionError:  # html.parser gives up on some malformed markup; keep what it read
        pass
    return "".join(parser.parts)


# Punctuation that editors and CMSs swap freely; NFKC leaves these alone.
_PUNCTUATION = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "«": '"',
        "»": '"',
        "「": '"',
        "」": '"',
        "『": '"',
        "』": '"',
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "−": "-",
        "\u00ad": None,
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\ufeff": None,
    }
)
_WHITESPACE = re.compile(r"\s+")
# A space next to a CJK character is layout, not content (Chinese has no spaces between words).
_CJK = r"\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK}]) | (?=[{_CJK}])")


def fold_text(text: str) -> str:
    """Width-, case- and whitespace-folded text for searching (NFKC, casefold, one space)."""
    # Spaces next to CJK (fullwidth punctuation included) are dropped before NFKC turns "，" into ",".
    text = _SPACE_BY_CJK.sub("", _WHITESPACE.sub(" ", text.translate(_PUNCTUATION)))
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACE_BY_CJK.sub("", _WHITESPACE.sub(" ", text)).strip()


def page_text(body: str, content_type: str = "text/html") -> str:
    if "html" in (content_type or "html") or body.lstrip()[:1] == "<":
        return html_to_text(body)
    return body


def excerpt_on_page(excerpt: str, folded_page: str) -> bool:
    needle = fold_text(excerpt)
    return bool(needle) and needle in folded_page


# --------------------------------------------------------------------------------------------
# Writes
# --------------------------------------------------------------------------------------------


@dataclass
class SourceResult:
    """One source's check, ready to record. ``excerpts`` maps evidence id to found (True) or missing."""

    source_id: int
    result: CheckResult
    excerpts: dict[int, bool] = field(default_factory=dict)


@dataclass
class RecordReport:
    recorded: list[int] = field(default_factory=list)  # source ids whose LinkCheck was written now
    duplicates: list[int] = field(default_factory=list)  # already recorded for this run: nothing done
    need_archive: list[int] = field(default_factory=list)  # dead, no archive yet
    excerpts_went_missing: list[int] = field(default_factory=list)  # evidence ids: excerpt drift seen now


_LINKCHECK_COLUMNS = (
    "source_id",
    "run_key",
    "checked_at",
    "outcome",
    "http_status",
    "final_url",
    "elapsed_ms",
    "error",
    "content_hash",
    "failure",
)


def _insert_linkchecks(rows: Sequence[tuple], chunk: int = 500) -> set[int]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING: the source ids whose row is new."""
    table = connection.ops.quote_name(LinkCheck._meta.db_table)
    columns = ", ".join(_LINKCHECK_COLUMNS)
    inserted: set[int] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            values = ", ".join(["(" + ", ".join(["%s"] * len(_LINKCHECK_COLUMNS)) + ")"] * len(part))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} "  # only placeholders interpolated
                "ON CONFLICT (source_id, run_key) DO NOTHING RETURNING source_id",
                [value for row in part for value in row],
            )
            inserted.update(row[0] for row in cursor.fetchall())
    return inserted


_SOURCE_UPDATE_SQL = """
UPDATE {table} AS s SET health = v.health, last_checked_at = v.last_checked_at, last_outcome = v.last_outcome,
    last_status = v.last_status, final_url = v.final_url, consecutive_failures = v.consecutive_failures,
    first_failure_at = v.first_failure_at, next_check_at = v.next_check_at, updated_at = v.updated_at
FROM unnest(%s::bigint[], %s::varchar[], %s::timestamptz[], %s::varchar[], %s::integer[], %s::varchar[],
            %s::integer[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[])
    AS v(id, health, last_checked_at, last_outcome, last_status, final_url, consecutive_failures,
         first_failure_at, next_check_at, updated_at)
WHERE s.id = v.id
"""


def _update_sources(sources: list[Source], fields: list[str]) -> None:
    """One UPDATE ... FROM unnest(arrays) for the batch: Django's bulk_update builds a CASE per field and row,
    much Python work for a batch of a thousand sources."""
    columns = ["id", *fields]
    params = [[getattr(source, column) for source in sources] for column in columns]
    with connection.cursor() as cursor:
        cursor.execute(_SOURCE_UPDATE_SQL.format(table=connection.ops.quote_name(Source._meta.db_table)), params)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def health_event_type(before: str, after: str) -> str | None:
    """The desk event a health change is: a source that died, or a dead one answering again."""
    if after == Health.DEAD and before != Health.DEAD:
        return EventType.SOURCE_DEAD
    if before == Health.DEAD and after == Health.OK:
        return EventType.SOURCE_RECOVERED
    return None


def health_events_record(sources: Sequence[Source], changes: Sequence[CheckChange]) -> None:
    """The outbox rows of a batch's health changes, in its transaction (``changes`` in the order of ``sources``)."""
    from claims.seam import claims_citing_sources

    moved = [
        (source, kind)
        for source, change in zip(sources, changes, strict=True)
        if (kind := health_event_type(change.health_before, change.health_after))
    ]
    if not moved:
        return
    citing = claims_citing_sources(source_ids=[source.id for source, _ in moved])
    events_record(
        Event(
            type=kind,
            order_key=f"source:{source.id}",
            object_ids={"source": source.id},
            payload={
                "source": {
                    "id": source.id,
                    "url": source.url,
                    "title": source.title,
                    "health": source.health,
                    "last_checked_at": source.last_checked_at,
                    "last_outcome": source.last_outcome,
                    "last_status": source.last_status,
                    "consecutive_failures": source.consecutive_failures,
                    "first_failure_at": source.first_failure_at,
                    "archive_url": source.archive_url or None,
                },
                "claim_ids": citing.get(source.id, []),
            },
        )
        for source, kind in moved
    )


@transaction.atomic
def linkchecks_record(
    *, results: Iterable[SourceResult], run_key: str, rng: random.Random | None = None
) -> RecordReport:
    """Record a batch of checks for one run and move each source's health, in one transaction."""
    from claims.seam import evidence_excerpt_status_record  # not at the top: claims.services imports sources

    by_source = {item.source_id: item for item in results}
    report = RecordReport()
    if not by_source:
        return report
    now = timezone.now()
    rows = []
    for item in by_source.values():
        r = item.result
        rows.append(
            (
                item.source_id,
                run_key,
                r.checked_at or now,
                r.outcome,
                r.http_status,
                _truncate(r.final_url, 2048),
                min(r.elapsed_ms, 2**31 - 1),
                _truncate(r.error, 2000),
                r.content_hash,
                r.failure,
            )
        )
    inserted = _insert_linkchecks(rows)
    report.duplicates = sorted(set(by_source) - inserted)
    if not inserted:
        return report

    fields = [*LINK_HEALTH_FIELDS, "updated_at"]
    sources = list(
        Source.objects.select_for_update()
        .filter(id__in=inserted)
        .order_by("id")
        .only("id", "url", "title", "archive_url", *fields)
    )
    changes = []
    for source in sources:
        item = by_source[source.id]
        r = item.result
        at = r.checked_at or now
        state = health_after(
            HealthState(source.health, source.consecutive_failures, source.first_failure_at), r.outcome, at
        )
        changes.append(CheckChange(at, r.outcome, state.health, source.health, source.last_checked_at))
        source.health = state.health
        source.consecutive_failures = state.consecutive_failures
        source.first_failure_at = state.first_failure_at
        source.last_checked_at = at
        source.last_outcome = r.outcome
        source.last_status = r.http_status
        if r.outcome == Outcome.REDIRECTED:
            source.final_url = _truncate(r.final_url, 2048)
        elif r.outcome == Outcome.OK:
            source.final_url = ""
        source.next_check_at = at + next_check_delay(state.health, r.outcome, retry_after=r.retry_after, rng=rng)
        source.updated_at = now
        if state.health == Health.DEAD and not source.archive_url:
            report.need_archive.append(source.id)
    _update_sources(sources, fields)
    report.recorded = sorted(inserted)

    found = [
        eid
        for item in by_source.values()
        if item.source_id in inserted
        for eid, present in item.excerpts.items()
        if present
    ]
    missing = [
        eid
        for item in by_source.values()
        if item.source_id in inserted
        for eid, present in item.excerpts.items()
        if not present
    ]
    excerpts = evidence_excerpt_status_record(source_ids=inserted, found=found, missing=missing, checked_at=now)
    health_events_record(sources, changes)
    report.excerpts_went_missing = list(excerpts.went_missing)
    # Last, so the rollup rows every batch of the week shares are held only until the commit just after.
    rollups_add_checks(changes)
    return report


# --------------------------------------------------------------------------------------------
# Archive lookup (through the same guard as every other request)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    url: str
    at: datetime


def _wayback_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def parse_availability(text: str | None) -> Snapshot | None:
    """The ``closest`` snapshot of a Wayback availability answer, if it is available."""
    if not text:
        return None
    try:
        closest = json.loads(text)["archived_snapshots"]["closest"]
        if not closest.get("available", True) or not closest.get("url"):
            return None
        at = datetime.strptime(str(closest["timestamp"])[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    url = str(closest["url"])
    if not url.startswith(("http://", "https://")):
        return None
    return Snapshot(url=url, at=at)


async def archive_lookup(client: SafeClient, url: str, *, cited_at: datetime | None) -> Snapshot | None:
    """The snapshot closest before ``cited_at`` (else the closest at all) from the availability endpoint.

    The endpoint answers "closest either side"; when that is after the citation we ask again at
    points further and further before it (at most four more requests) and take the first snapshot
    that predates the citation.
    """
    base = settings.ARCHIVE_LOOKUP_URL

    async def ask(when: datetime | None) -> Snapshot | None:
        params = {"url": url}
        if when is not None:
            params["timestamp"] = _wayback_time(when)
        separator = "&" if "?" in base else "?"
        result = await client.check(f"{base}{separator}{urlencode(params)}", want_body=True)
        if result.outcome not in SUCCESS_OUTCOMES:
            return None
        return parse_availability(result.text)

    first = await ask(cited_at)
    if first is None or cited_at is None or first.at <= cited_at:
        return first
    gap = max(first.at - cited_at, timedelta(days=1))
    for step in range(4):  # look further back each time: 1, 4, 16, 64 times the first gap
        earlier = await ask(cited_at - gap * 4**step)
        if earlier is None:
            break
        if earlier.at <= cited_at:
            return earlier
    return first


def sources_cited_at(source_ids: Iterable[int]) -> dict[int, datetime | None]:
    """When each source was first cited (the earliest evidence row), for the archive lookup."""
    return dict(
        Source.objects.filter(id__in=list(source_ids))
        .annotate(cited=Min("evidence__created_at"))
        .values_list("id", "cited")
    )


def source_set_archive(*, source_id: int, snapshot: Snapshot) -> None:
    """Store a snapshot unless one was stored meanwhile."""
    Source.objects.filter(id=source_id, archive_url="").update(
        archive_url=snapshot.url, archived_at=snapshot.at, updated_at=timezone.now()
    )
