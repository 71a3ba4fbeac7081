"""The events claims write to the outbox (notifications.outbox): the public ones, one per public change, and the
desk's excerpt drift. A public event carries what the public claim page shows and nothing else (no reviewer, note,
assignee or draft), read as the page reads it: the anonymous detail row's values, by the same expressions.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from notifications.choices import EventType
from notifications.models import Event
from notifications.outbox import event_record, events_record

from .choices import ClaimStatus, CorrectionKind
from .links import claim_path, site_url
from .models import Claim, Correction, Evidence
from .selectors.claims import claim_columns_row

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
    """What the public claim page shows of a claim, from its anonymous detail row (PUBLIC_CLAIM_ROW_FIELDS of it)."""
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


def claim_change_event_record(claim: Claim, correction: Correction) -> None:
    """The public event of a change readers see, in the transaction of the save that made it."""
    public = public_claim_of_row(claim_columns_row(claim_id=claim.pk, user=READER, fields=PUBLIC_CLAIM_ROW_FIELDS))
    event_record(
        type=EVENT_OF_CHANGE[correction.kind],
        order_key=f"claim:{claim.pk}",
        object_ids={"claim": claim.pk, "correction": correction.pk},
        language=public["language"],
        tags=public["tags"],
        claimant=claim.claimant,
        payload={
            "claim": public,
            "change": {
                "kind": correction.kind,
                "note": correction.note,
                "verdict_before": correction.verdict_before or None,
                "verdict_after": correction.verdict_after,
                "at": correction.created_at,
            },
        },
    )


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
