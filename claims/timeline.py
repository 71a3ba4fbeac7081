"""A claim's history as reviewers read it: one timeline of its saves and of what else happened to it, in words.

Each source in TIMELINE_SOURCES reads its rows through a selector (claims.selectors.history) and turns them into
TimelineEvents; claim_timeline merges them, newest first. An event written in the same database transaction as a
save of the claim (an evidence row added in the same admin save) joins that save's entry; the others stand alone.

Values are shown as people read them: choices by their label, relations by name ("nobody" for an empty user field,
"—" for any other empty value), times in the active time zone and format (django.utils.formats), long texts cut.

A new kind of event (a note written, an approval) is one more source: a function
``(*, claim_id: int, user) -> Iterable[TimelineEvent]`` added to TIMELINE_SOURCES. It reads through its own
selector, follows the visibility rule for ``user``, and sets ``txid`` (the row's ``history_txid`` or a column made
with claims.models.transaction_id_field) when its event should join the save it came with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import formats, timezone
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .labels import LABEL_KINDS
from .models import CLAIM_EDITABLE_FIELDS, Claim, Evidence
from .selectors import history as history_selectors
from .selectors.review import claim_review_events

EMPTY = "—"
TEXT_CHARS = 300  # a long text (an explanation) is cut in the timeline; its record page shows it whole

# Kept by the services, shown elsewhere on the claim's page, or changed on every save: no news in a timeline.
HIDDEN_CLAIM_FIELDS = frozenset({"id", "version", "reviewed_at", "needs_recheck", "created_at"})
EVIDENCE_FIELDS = ("source", "stance", "excerpt", "note")
_LABELLED = dict(LABEL_KINDS)  # fields whose values are shown as the admin's coloured labels


@dataclass(frozen=True)
class Value:
    """A value as shown: its text, and the classes of a coloured label where the admin has one."""

    text: str
    css: str = ""

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Line:
    """One line of an entry: "Verdict: Unrated → False" (old and new), "Evidence added: url (Supports)" (new only),
    or a label alone."""

    label: str
    new: Value | None = None
    old: Value | None = None
    sub: bool = False  # a detail of the line before it (a field of the evidence changed)

    def __str__(self) -> str:
        if self.new is None:
            return self.label
        if self.old is None:
            return pgettext("history", "%(label)s: %(new)s") % {"label": self.label, "new": self.new}
        return pgettext("history", "%(label)s: %(old)s → %(new)s") % {
            "label": self.label,
            "old": self.old,
            "new": self.new,
        }


def lines_text(lines: Iterable[Line]) -> str:
    """Lines in one run of text (a message that is not a list): "Verdict: Unrated → False; Status: …"."""
    return pgettext("history: between two lines in a run of text", "; ").join(str(line) for line in lines)


@dataclass
class TimelineEvent:
    """Something that happened to a claim, from one source. ``record`` is set on the claim's own saves (history
    records): an event of the same transaction (``txid``) and user joins the latest of them written before it."""

    at: datetime
    who: str
    lines: list[Line]
    title: str = ""
    user_id: int | None = None
    txid: int | None = None
    reason: str = ""
    record: Any = None
    order: int = 0  # among events at the same instant: the row's id


@dataclass
class TimelineEntry:
    at: datetime
    who: str
    title: str
    lines: list[Line] = field(default_factory=list)
    reason: str = ""
    record: Any = None  # the claim's history record, for its record page


# --- values ---------------------------------------------------------------------------------------------------------


def user_label(user, user_id: int | None = None, *, empty: str = EMPTY) -> str:
    """A user as the timeline names them; ``empty`` when there is none, and a deleted account by its old id."""
    if user is not None:
        return user.get_username()
    if user_id is None:
        return empty
    return _("deleted user #%(id)s") % {"id": user_id}


def when_text(value: datetime | date) -> str:
    """A date or time in the active language's format; a time in the active time zone."""
    if isinstance(value, datetime):
        return formats.localize(timezone.template_localtime(value))
    return formats.localize(value)


def field_value(record, f: models.Field) -> Value:
    """The value of ``f`` on a history record (or a model instance), as people read it."""
    if f.is_relation:
        related_id = getattr(record, f.attname)
        related = getattr(record, f.name) if related_id is not None else None
        if f.related_model._meta.label == settings.AUTH_USER_MODEL:
            return Value(user_label(related, related_id, empty=pgettext("history: an empty user field", "nobody")))
        if related_id is None:
            return Value(EMPTY)
        if related is None:
            name = f.related_model._meta.verbose_name
            return Value(_("deleted %(thing)s #%(id)s") % {"thing": name, "id": related_id})
        return Value(Truncator(str(related)).chars(120))
    value = getattr(record, f.attname)
    if value is None or value == "":
        return Value(EMPTY)
    if f.choices:
        text = str(dict(f.flatchoices).get(value, value))
        css = f"fc-label fc-{f.name}-{value}" if f.name in _LABELLED else ""
        return Value(text, css)
    if isinstance(value, bool):
        return Value(pgettext("history", "yes") if value else pgettext("history", "no"))
    if isinstance(value, datetime | date):
        return Value(when_text(value))
    if isinstance(value, Decimal):
        return Value(formats.localize(value.normalize()))
    return Value(Truncator(str(value)).chars(TEXT_CHARS))


def field_label(f: models.Field) -> str:
    return capfirst(str(f.verbose_name))


def claim_fields() -> list[models.Field]:
    """The claim's fields a timeline shows: every field its history keeps (so a new field shows up by itself), but
    the ones that are bookkeeping."""
    shown = [f for f in Claim.history.model.tracked_fields if f.name not in HIDDEN_CLAIM_FIELDS]
    # In the order the forms show them, then the ones the services keep (reviewer, dates).
    order = {name: at for at, name in enumerate(CLAIM_EDITABLE_FIELDS)}
    return sorted(shown, key=lambda f: order.get(f.name, len(order)))


def changed_lines(old, new, fields: Iterable[models.Field]) -> list[Line]:
    """A line per field whose value differs between two records."""
    return [
        Line(field_label(f), new=field_value(new, f), old=field_value(old, f))
        for f in fields
        if getattr(old, f.attname) != getattr(new, f.attname)
    ]


def set_lines(record, fields: Iterable[models.Field]) -> list[Line]:
    """A line per field that has a value (a claim's creation)."""
    lines = []
    for f in fields:
        value = getattr(record, f.attname)
        if value is not None and value != "":
            lines.append(Line(field_label(f), new=field_value(record, f)))
    return lines


# --- sources --------------------------------------------------------------------------------------------------------


def _save_title(history_type: str) -> str:
    if history_type == "+":
        return pgettext("history", "Created")
    if history_type == "-":
        return pgettext("history", "Deleted")
    return pgettext("history", "Changed")


def claim_save_events(*, claim_id: int, user) -> Iterator[TimelineEvent]:
    """The claim's saves, each compared with the save before it that ``user`` may see."""
    fields = claim_fields()
    previous = None
    for record in history_selectors.claim_records(claim_id=claim_id, user=user):
        if record.history_type == "-":
            lines = []
        elif previous is None:
            lines = set_lines(record, fields)
        else:
            lines = changed_lines(previous, record, fields)
        yield TimelineEvent(
            at=record.history_date,
            who=user_label(record.history_user, record.history_user_id),
            lines=lines,
            title=_save_title(record.history_type),
            user_id=record.history_user_id,
            txid=record.history_txid,
            reason=(record.history_change_reason or "").strip(),
            record=record,
            order=record.history_id,
        )
        previous = record


def _evidence_fields() -> dict[str, models.Field]:
    model = Evidence.history.model
    return {name: model._meta.get_field(name) for name in EVIDENCE_FIELDS}


def _source_url(record) -> str:
    if record.source is None:
        return _("deleted source #%(id)s") % {"id": record.source_id}
    return record.source.url


def _citation(record) -> str:
    url = _source_url(record)
    return pgettext("history: a cited source and its stance", "%(url)s (%(stance)s)") % {
        "url": url,
        "stance": record.get_stance_display(),
    }


def _evidence_value(record, f: models.Field) -> Value:
    if f.name == "source":  # a source is its url here, as in the evidence rows of the claim's page
        return Value(_source_url(record))
    return field_value(record, f)


def evidence_events(*, claim_id: int, user, since: datetime | None = None) -> Iterator[TimelineEvent]:
    """Evidence added, changed and removed (reviewers only: claims.selectors.history.evidence_records); only those
    after ``since`` when given (the records before are still read: a change is told against the row before it)."""
    fields = _evidence_fields()
    last: dict[int, Any] = {}  # evidence id -> its previous record
    for record in history_selectors.evidence_records(claim_id=claim_id, user=user):
        before = last.get(record.id)
        last[record.id] = record
        if since is not None and record.history_date <= since:
            continue
        if record.history_type == "+":
            lines = [Line(_("Evidence added"), new=Value(_citation(record)))]
        elif record.history_type == "-":
            lines = [Line(_("Evidence removed"), new=Value(_citation(record)))]
        elif before is not None:
            changed = [f for f in fields.values() if getattr(before, f.attname) != getattr(record, f.attname)]
            lines = [Line(_("Evidence changed"), new=Value(_citation(before)))] if changed else []
            lines += [
                Line(field_label(f), new=_evidence_value(record, f), old=_evidence_value(before, f), sub=True)
                for f in changed
            ]
        else:  # changed before its history began: what it is now
            lines = [Line(_("Evidence changed"), new=Value(_citation(record)))]
        if not lines:
            continue  # saved with nothing a reader would see changed (the excerpt's check state)
        yield TimelineEvent(
            at=record.history_date,
            who=user_label(record.history_user, record.history_user_id),
            lines=lines,
            title=pgettext("history", "Evidence"),
            user_id=record.history_user_id,
            txid=record.history_txid,
            order=record.history_id,
        )


def review_events(*, claim_id: int, user) -> Iterator[TimelineEvent]:
    """The second review's steps: approvals, requests for changes, notes added (reviewers only:
    claims.selectors.review.claim_review_events). That a note was written, never what it says."""
    for event in claim_review_events(claim_id=claim_id, user=user):
        yield TimelineEvent(
            at=event.created_at,
            who=user_label(event.actor, event.actor_id),
            lines=[Line(event.get_kind_display())],
            title=pgettext("history", "Review"),
            user_id=event.actor_id,
            order=event.id,
        )


TimelineSource = Callable[..., Iterable[TimelineEvent]]

# Every kind of event a claim's timeline shows, each a function (*, claim_id, user) -> events.
TIMELINE_SOURCES: tuple[TimelineSource, ...] = (claim_save_events, evidence_events, review_events)


# --- the timeline ---------------------------------------------------------------------------------------------------


def _entry(event: TimelineEvent) -> TimelineEntry:
    return TimelineEntry(
        at=event.at,
        who=event.who,
        title=event.title,
        lines=list(event.lines),
        reason=event.reason,
        record=event.record,
    )


def merge(events: Iterable[TimelineEvent]) -> list[TimelineEntry]:
    """Entries newest first: each save of the claim with the events of its transaction and user written after it,
    and the events that joined no save on their own."""
    events = sorted(events, key=lambda e: (e.at, e.order))
    last_save: dict[int, tuple[TimelineEvent, TimelineEntry]] = {}  # txid -> its latest save so far
    entries: list[tuple[TimelineEvent, TimelineEntry]] = []
    for event in events:
        if event.record is not None:
            entry = _entry(event)
            entries.append((event, entry))
            if event.txid is not None:
                last_save[event.txid] = (event, entry)
            continue
        # Events are taken oldest first, so the save found is the transaction's last one before this event.
        save = last_save.get(event.txid) if event.txid is not None else None
        if save is not None and save[0].user_id == event.user_id:
            save[1].lines.extend(event.lines)
        else:
            entries.append((event, _entry(event)))
    entries.sort(key=lambda pair: (pair[0].at, pair[0].order), reverse=True)
    return [entry for _event, entry in entries]


def claim_timeline(*, claim_id: int, user, sources: Iterable[TimelineSource] | None = None) -> list[TimelineEntry]:
    """The claim's timeline as ``user`` may read it, newest first."""
    sources = TIMELINE_SOURCES if sources is None else sources
    return merge(event for source in sources for event in source(claim_id=claim_id, user=user))


# --- what changed since a version (the conflict message) -------------------------------------------------------------


@dataclass(frozen=True)
class ChangesSince:
    who: list[str]  # who saved the claim since, in order, each once
    lines: list[Line]  # the claim's fields as they were then and are now, and the evidence added or removed since


def claim_changes_since(*, claim_id: int, version: int, user) -> ChangesSince | None:
    """What others changed since ``version`` of the claim, field by field; None when that version has no record."""
    records = list(history_selectors.claim_records(claim_id=claim_id, user=user, min_version=version))
    seen = [r for r in records if r.version == version]
    if not seen:
        return None
    then = seen[-1]
    later = [r for r in records if (r.history_date, r.history_id) > (then.history_date, then.history_id)]
    who = list(dict.fromkeys(user_label(r.history_user, r.history_user_id) for r in later))
    lines = changed_lines(then, later[-1], claim_fields()) if later else []
    for event in evidence_events(claim_id=claim_id, user=user, since=then.history_date):
        if event.txid is not None and (event.txid, event.user_id) == (then.history_txid, then.history_user_id):
            continue  # saved along with the version the caller opened (the rows of its admin save): not news to them
        lines.extend(event.lines)
    return ChangesSince(who=who, lines=lines)
