"""The changes feeds' parts shared by the Atom and the JSON one (public.views.changes): their filters, the item built
from an event row (one builder for both), and the validators a conditional GET compares.

An item is the event as it was written: the claim's text, verdict and page as the public saw them then, and what the
change did. A claim since retracted or unpublished keeps its past items unchanged; its later events are items of
their own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import translation
from django.utils.translation import gettext as _

from claims.choices import CorrectionKind, Verdict
from claims.validators import TAG_MAX_LENGTH, validate_tag_name
from notifications.choices import EventType
from notifications.language_rule import language_filter_clean
from notifications.selectors import EventStamp

from .links import absolute

# Raised when an item's rendering changes shape, so a poller's old ETag stops matching.
FEED_FORMAT = 1

# The change kind an event type stands for, for payloads that do not name it.
KIND_OF_EVENT = {
    EventType.CLAIM_PUBLISHED: CorrectionKind.PUBLISHED,
    EventType.CLAIM_CORRECTED: CorrectionKind.CORRECTED,
    EventType.CLAIM_RETRACTED: CorrectionKind.RETRACTED,
    EventType.CLAIM_UPDATED_MINOR: CorrectionKind.UPDATED,
}


@dataclass(frozen=True)
class ChangeFilters:
    """The feed's query: the claim's language (notifications.language_rule) and a tag; '' when not asked."""

    language: str = ""
    tag: str = ""

    @classmethod
    def from_query(cls, query: QueryDict) -> ChangeFilters:
        """The filters of a request's query; ValidationError naming what is wrong with one."""
        values = {}
        for name in ("language", "tag"):
            given = query.getlist(name)
            if len(given) > 1:
                raise ValidationError(_("Give one %(name)s at a time.") % {"name": name}, code="repeated")
            values[name] = given[0] if given else ""
        return cls(language=language_filter_clean(values["language"]), tag=_tag_filter_clean(values["tag"]))

    def query_string(self) -> str:
        """The filters as the feed's own address carries them ('' with none), in a fixed order."""
        pairs = [(name, value) for name, value in (("language", self.language), ("tag", self.tag)) if value]
        return f"?{urlencode(pairs)}" if pairs else ""

    def describe(self) -> str:
        """The filters in words, for the feed's title ('' with none)."""
        parts = []
        if self.language:
            parts.append(_("language %(language)s") % {"language": self.language})
        if self.tag:
            parts.append(_("tag %(tag)s") % {"tag": self.tag})
        return ", ".join(parts)


def _tag_filter_clean(value: str) -> str:
    """A tag as claims name them (claims.validators: plain text, at most TAG_MAX_LENGTH characters)."""
    value = value.strip()
    if not value:
        return ""
    if len(value) > TAG_MAX_LENGTH:
        raise ValidationError(
            _("A tag has at most %(limit)s characters.") % {"limit": TAG_MAX_LENGTH}, code="invalid_tag"
        )
    validate_tag_name(value)
    return value


def _label(choices, value: str | None) -> str:
    """The label of a choice in the reader's language; a value no longer among the choices shows as it was stored
    (a log keeps what older code wrote)."""
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@dataclass(frozen=True)
class ChangeItem:
    """One public event as a feed item. Labels and sentences are made when read, in the response's language."""

    event_id: int
    event_type: str
    id: str  # a tag: URI holding the event id, the same in both feeds and under any filter
    at: datetime  # when the change was made: the item's published and updated time
    url: str  # the claim's public page, absolute
    kind: str  # claims.choices.CorrectionKind
    note: str
    verdict_before: str
    verdict_after: str
    claim_id: int | None
    claim_text: str
    claimant: str
    claim_language: str  # the quote's
    review_language: str  # our text's and notes'
    tags: tuple[str, ...]

    @property
    def verdict_changed(self) -> bool:
        return bool(self.verdict_before) and self.verdict_before != self.verdict_after

    @property
    def title(self) -> str:
        claim, verdict = self.claim_text, _label(Verdict, self.verdict_after)
        if self.kind == CorrectionKind.PUBLISHED:
            return _("Published: %(verdict)s: %(claim)s") % {"verdict": verdict, "claim": claim}
        if self.kind == CorrectionKind.RETRACTED:
            return _("Retracted: %(claim)s") % {"claim": claim}
        if self.kind == CorrectionKind.UPDATED:
            return _("Minor update: %(verdict)s: %(claim)s") % {"verdict": verdict, "claim": claim}
        if self.verdict_changed:
            return _("Corrected: %(before)s → %(after)s: %(claim)s") % {
                "before": _label(Verdict, self.verdict_before),
                "after": verdict,
                "claim": claim,
            }
        return _("Corrected: %(verdict)s: %(claim)s") % {"verdict": verdict, "claim": claim}

    @property
    def summary(self) -> str:
        """What changed, in one sentence."""
        verdict = _label(Verdict, self.verdict_after)
        if self.kind == CorrectionKind.PUBLISHED:
            return _("Published with the verdict %(verdict)s.") % {"verdict": verdict}
        if self.kind == CorrectionKind.RETRACTED:
            return _("Retracted: the verdict %(verdict)s no longer stands.") % {"verdict": verdict}
        if self.kind == CorrectionKind.UPDATED:
            return _("Minor update; the verdict is still %(verdict)s.") % {"verdict": verdict}
        if self.verdict_changed:
            return _("Corrected: the verdict changed from %(before)s to %(after)s.") % {
                "before": _label(Verdict, self.verdict_before),
                "after": verdict,
            }
        return _("Corrected; the verdict is still %(verdict)s.") % {"verdict": verdict}

    @property
    def verdict_label(self) -> str:
        return _label(Verdict, self.verdict_after)


def event_tag_uri(*, event_id: int, at: datetime, site: str) -> str:
    """RFC 4151: tag:<our host>,<day the event was written>:event/<id>. The host owned the name that day, which the
    RFC asks of the date; the id makes it unique; nothing in it changes later."""
    host = urlsplit(site).hostname or "localhost"
    return f"tag:{host},{at.astimezone(UTC):%Y-%m-%d}:factcheck/event/{event_id}"


def change_item_of_row(row: dict[str, Any], *, request) -> ChangeItem:
    """The feed item of a public event row (notifications.selectors.public_events)."""
    payload = row["payload"] or {}
    claim, change = payload.get("claim") or {}, payload.get("change") or {}
    # The page's address as the event recorded it; a path when the site's address was not configured then.
    url = claim.get("url") or ""
    if not urlsplit(url).scheme:
        url = absolute(request, url or "/")
    return ChangeItem(
        event_id=row["id"],
        event_type=row["type"],
        id=event_tag_uri(event_id=row["id"], at=row["created_at"], site=absolute(request, "/")),
        at=row["created_at"],
        url=url,
        kind=change.get("kind") or KIND_OF_EVENT.get(row["type"], ""),
        note=change.get("note") or "",
        verdict_before=change.get("verdict_before") or "",
        verdict_after=change.get("verdict_after") or claim.get("verdict") or "",
        claim_id=claim.get("id"),
        claim_text=claim.get("text") or "",
        claimant=claim.get("claimant") or "",
        claim_language=claim.get("language") or "",
        review_language=claim.get("review_language") or "",
        tags=tuple(claim.get("tags") or ()),
    )


@dataclass(frozen=True)
class Validators:
    """A feed version's ETag and Last-Modified (unix time, None for an empty feed)."""

    etag: str
    last_modified: int | None

    @classmethod
    def of(cls, stamps: Sequence[EventStamp], *, feed: str, filters: ChangeFilters, request) -> Validators:
        """Derived from the ids of every event the feed lists, not only the newest: an event's id is taken when its
        transaction writes it and becomes visible when that commits, so a smaller id can appear after a larger one
        (two claims published at once) and change the feed without changing its newest id. With the rest of what
        the body depends on: which feed, its filters, the response's language and the site its absolute urls
        name. Weak: the same events in the same words, not promised byte for byte."""
        key = "|".join(
            (str(FEED_FORMAT), feed, filters.language, filters.tag, translation.get_language(), absolute(request, "/"))
        )
        ids = ",".join(str(stamp.id) for stamp in stamps)
        digest = hashlib.md5(f"{key}|{ids}".encode(), usedforsecurity=False).hexdigest()
        newest = max((stamp.created_at for stamp in stamps), default=None)
        return cls(etag=f'W/"{digest}"', last_modified=int(newest.timestamp()) if newest else None)
