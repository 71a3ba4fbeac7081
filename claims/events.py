"""The events claims write to the outbox (notifications.outbox): the public ones, one per public change, and the
desk's excerpt drift. A public event carries what the public claim page shows and nothing else (no reviewer, note,
assignee or draft), read as the page reads it: the anonymous detail row's values, by the same expressions.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from notifications.choices import EventType
from notifications.models import Event
from notifications.outbox import EVENT_SELECT_COLUMNS, event_record_select, events_record, json_datetime_sql, json_text
from sources.choices import Health

from .choices import ClaimStatus, CorrectionKind
from .links import claim_path, site_url
from .models import Claim, Correction, Evidence
from .selectors.claims import claim_columns_sql, evidence_json_value_sql

READER = AnonymousUser()

# Each kind of public change (claims.corrections.public_change_kind) is one event type.
EVENT_OF_CHANGE = {
    CorrectionKind.PUBLISHED: EventType.CLAIM_PUBLISHED,
    CorrectionKind.CORRECTED: EventType.CLAIM_CORRECTED,
    CorrectionKind.RETRACTED: EventType.CLAIM_RETRACTED,
    CorrectionKind.UPDATED: EventType.CLAIM_UPDATED_MINOR,
}


def _public_evidence(item: dict) -> dict:
    source = item["source"]
    return {
        "stance": item["stance"],
        "excerpt": item["excerpt"],
        "url": source["url"],
        "title": source["title"] or source["url"],
        "dead": source["health"] == "dead",
        "archive_url": source["archive_url"] or None,
        "archived_at": source["archived_at"],
    }


# The values of the claim's detail row that public_claim_of_row reads (tests hold the two equal): the event reads
# only these, by the detail row's own expressions, on the claim's save path.
PUBLIC_CLAIM_ROW_FIELDS = (
    "id",
    "text",
    "quote",
    "claimant",
    "language",
    "review_language",
    "verdict",
    "status",
    "explanation",
    "claimed_at",
    "published_at",
    "updated_at",
    "tag_names",
    "article_id",
    "article_url",
    "article_title",
    "article__outlet",
    "article__published_at",
    "article__language",
    "evidence",
)


def public_claim_of_row(row: dict) -> dict:
    """What the public claim page shows of a claim, from its anonymous detail row (PUBLIC_CLAIM_ROW_FIELDS of it).
    The rule's definition; the claim's events are built by its SQL twin (_public_claim_json_sql) in the statement
    that writes them, and tests hold the two equal."""
    article = (
        {
            "url": row["article_url"],
            "title": row["article_title"],
            "outlet": row["article__outlet"],
            "published_at": row["article__published_at"],
            "language": row["article__language"],
        }
        if row["article_id"] is not None
        else None
    )
    return {
        "id": row["id"],
        "url": site_url(claim_path(row["id"], row["text"])),
        "text": row["text"],
        "quote": row["quote"],
        "claimant": row["claimant"],
        "language": row["language"] or row["article__language"] or "",
        "review_language": row["review_language"] or settings.FACTCHECK_REVIEW_LANGUAGE,
        "verdict": row["verdict"],
        "status": row["status"],
        "retracted": row["status"] == ClaimStatus.RETRACTED,
        "explanation": row["explanation"],
        "claimed_at": row["claimed_at"],
        "published_at": row["published_at"],
        "updated_at": row["updated_at"],
        "tags": sorted(row["tag_names"] or ()),
        "article": article,
        "evidence": [_public_evidence(item) for item in row["evidence"]],
    }


def _public_claim_json_sql(row: str) -> dict[str, str]:
    """public_claim_of_row in SQL, over ``row``: a relation of PUBLIC_CLAIM_ROW_FIELDS named as the detail row's
    keys. Each key's jsonb expression (one ``%s``, the claim's url, which the slug rule makes in Python, comes first
    in their order; another, the review language's default, second). Tests hold it equal to public_claim_of_row."""

    def column(name: str) -> str:
        return f'{row}."{name}"'

    def evidence_text(name: str) -> str:
        return f"({evidence_json_value_sql('x.item', name)} #>> '{{}}')"

    evidence_item = {
        "stance": evidence_json_value_sql("x.item", "stance"),
        "excerpt": evidence_json_value_sql("x.item", "excerpt"),
        "url": evidence_json_value_sql("x.item", "source__url"),
        "title": f"COALESCE(NULLIF({evidence_text('source__title')}, ''), {evidence_text('source__url')})",
        "dead": f"COALESCE({evidence_text('source__health')} = '{Health.DEAD}', false)",
        "archive_url": f"NULLIF({evidence_text('source__archive_url')}, '')",
        "archived_at": json_datetime_sql(f"{evidence_text('source__archived_at')}::timestamptz"),
    }
    article = {
        "url": column("article_url"),
        "title": column("article_title"),
        "outlet": column("article__outlet"),
        "published_at": json_datetime_sql(column("article__published_at")),
        "language": column("article__language"),
    }
    return {
        "id": column("id"),
        "url": "%s::text",
        "text": column("text"),
        "quote": column("quote"),
        "claimant": column("claimant"),
        "language": _public_language_sql(column),
        "review_language": f"COALESCE(NULLIF({column('review_language')}, ''), %s::text)",
        "verdict": column("verdict"),
        "status": column("status"),
        "retracted": f"{column('status')} = '{ClaimStatus.RETRACTED}'",
        "explanation": column("explanation"),
        "claimed_at": json_datetime_sql(column("claimed_at")),
        "published_at": json_datetime_sql(column("published_at")),
        "updated_at": json_datetime_sql(column("updated_at")),
        "tags": f"to_jsonb({_public_tags_sql(column)})",
        "article": f"CASE WHEN {column('article_id')} IS NOT NULL THEN {_jsonb_object_sql(article)} END",
        "evidence": (
            f"COALESCE((SELECT jsonb_agg({_jsonb_object_sql(evidence_item)} ORDER BY x.n)"
            f" FROM json_array_elements({column('evidence')}) WITH ORDINALITY x(item, n)), '[]'::jsonb)"
        ),
    }


def _public_language_sql(column) -> str:
    return f"COALESCE(NULLIF({column('language')}, ''), NULLIF({column('article__language')}, ''), '')"


def _public_tags_sql(column) -> str:
    # Sorted as Python sorts str (by code point): UTF-8's byte order under the "C" collation.
    return f"""ARRAY(SELECT t FROM unnest({column("tag_names")}) t ORDER BY t COLLATE "C")::varchar[]"""


def _jsonb_object_sql(values: dict[str, str]) -> str:
    return "jsonb_build_object(" + ", ".join(f"'{key}', {value}" for key, value in values.items()) + ")"


@functools.cache
def _claim_change_event_sql() -> str:
    """The SELECT of a claim's public change event (notifications.outbox.EVENT_SELECT_COLUMNS) from its public
    detail values. Parameters: type, object ids, order key, the claim's url, the default review language, the
    change, created at, the claim's id."""

    def column(name: str) -> str:
        return f'd."{name}"'

    values = {
        "type": "%s",
        "object_ids": "%s::jsonb",
        "order_key": "%s",
        "language": _public_language_sql(column),
        "tags": _public_tags_sql(column),
        "claimant": f"left({column('claimant')}, 255)",
        "payload": _jsonb_object_sql({"claim": _jsonb_object_sql(_public_claim_json_sql("d")), "change": "%s::jsonb"}),
        "created_at": "%s::timestamptz",
    }
    assert tuple(values) == EVENT_SELECT_COLUMNS
    detail = claim_columns_sql(user=READER, fields=PUBLIC_CLAIM_ROW_FIELDS)
    return f"SELECT {', '.join(values.values())}\n  FROM ({detail}) d"


def claim_change_event_record(claim: Claim, correction: Correction) -> None:
    """The public event of a change readers see, in the transaction of the save that made it: one statement that
    reads the claim's public values as its page does and writes the event built from them (the save path's budget
    for the outbox is under a millisecond; a read, a payload in Python and an INSERT took 1.6)."""
    change = {
        "kind": correction.kind,
        "note": correction.note,
        "verdict_before": correction.verdict_before or None,
        "verdict_after": correction.verdict_after,
        "at": correction.created_at,
    }
    written = event_record_select(
        _claim_change_event_sql(),
        [
            EventType(EVENT_OF_CHANGE[correction.kind]).value,
            json_text({"claim": claim.pk, "correction": correction.pk}),
            f"claim:{claim.pk}",
            site_url(claim_path(claim.pk, claim.text)),
            settings.FACTCHECK_REVIEW_LANGUAGE,
            json_text(change),
            timezone.now(),
            claim.pk,
        ],
    )
    if written is None:
        raise Claim.DoesNotExist(f"Claim {claim.pk} changed publicly but readers cannot see it.")


def excerpts_missing_events_record(evidence_ids: Iterable[int]) -> None:
    """A desk event for each evidence whose excerpt left its page, in the link checker's transaction."""
    rows = (
        Evidence.objects.filter(pk__in=list(evidence_ids))
        .select_related("claim", "source")
        .prefetch_related("claim__tags")
        .order_by("id")
    )
    events_record(
        Event(
            type=EventType.EVIDENCE_EXCERPT_MISSING,
            order_key=f"claim:{evidence.claim_id}",
            object_ids={"evidence": evidence.pk, "claim": evidence.claim_id, "source": evidence.source_id},
            language=evidence.claim.language,
            tags=[tag.name for tag in evidence.claim.tags.all()],
            claimant=evidence.claim.claimant,
            payload={
                "evidence": {
                    "id": evidence.pk,
                    "stance": evidence.stance,
                    "excerpt": evidence.excerpt,
                    "excerpt_checked_at": evidence.excerpt_checked_at,
                },
                "claim": {
                    "id": evidence.claim_id,
                    "text": evidence.claim.text,
                    "status": evidence.claim.status,
                    "verdict": evidence.claim.verdict,
                    "admin_url": site_url(reverse("admin:claims_claim_change", args=[evidence.claim_id])),
                },
                "source": {"id": evidence.source_id, "url": evidence.source.url, "title": evidence.source.title},
            },
        )
        for evidence in rows
    )
