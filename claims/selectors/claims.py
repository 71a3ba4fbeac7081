"""Claims for the API: the list, the detail and the export, each one statement read as plain values; and the claim a
reviewer is about to change."""

from __future__ import annotations

from datetime import datetime

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.db import connections, router, transaction
from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL

from factcheck.db import built_once, values_list_read_ahead
from factcheck.filtersets import filtered

from ..filters import ClaimFilterSet
from ..models import Claim, Evidence
from .attention import needs_attention_annotation, needs_attention_sql
from .visibility import claims_visible, user_sees_drafts, visible_status_sql


def _claims_matching(*, filters, user, visible: QuerySet | None = None) -> QuerySet[Claim]:
    """The visible claims (or ``visible``, a queryset of them) filtered by the ClaimFilterSet; a bad parameter is a
    ValidationError naming it."""
    return filtered(ClaimFilterSet, filters, claims_visible(user=user) if visible is None else visible)


# What the claims list shows, read as plain values (claims.api.serializers.ClaimRows shapes them as ClaimSerializer).
CLAIM_LIST_FIELDS = (
    "id",
    "text",
    "quote",
    "claimant",
    "language",
    "value",
    "unit",
    "verdict",
    "status",
    "reviewed_at",
    "published_at",
    "created_at",
    "updated_at",
    "version",
    "needs_recheck",
    "needs_attention",
    "article_id",
    "article__url",
    "article__title",
)

# A claim's tag names (unsorted), as an SQL expression for the claim id {claim}.
TAG_NAMES_SQL = (
    "ARRAY(SELECT t.name FROM claims_claim_tags ct JOIN claims_tag t ON t.id = ct.tag_id WHERE ct.claim_id = {claim})"
)


def claim_list_rows(*, filters, user) -> QuerySet:
    """The claims the user may see, filtered, as dicts of CLAIM_LIST_FIELDS and ``tag_names`` (and ``rank`` when
    searching); no model instances."""
    # The filters apply to rows already shaped (fields, needs_attention, tags); a search's ``rank``, annotated
    # later, joins the values of its own accord.
    key = ("claim_list_rows", user_sees_drafts(user))
    shaped = built_once(key, lambda: _claim_list_rows(claims_visible(user=user)))
    return _claims_matching(filters=filters, user=user, visible=shaped)


def _claim_list_rows(claims: QuerySet[Claim]) -> QuerySet:
    # Raw SQL annotations cost nothing to compose; as ORM expressions they took a third of the list's Python time.
    # They name the outer table, so they belong only in a top-level query of claims, as here.
    tag_names = RawSQL(TAG_NAMES_SQL.format(claim="claims_claim.id"), (), output_field=ArrayField(CharField()))
    claims = claims.annotate(needs_attention=needs_attention_annotation(), tag_names=tag_names)
    return claims.values(*CLAIM_LIST_FIELDS, "tag_names")


def claim_tag_names(*, rows: list[dict]) -> dict[int, list[str]]:
    """The tag names (unsorted) of each claim of a page of claim_list_rows, as the query read them."""
    return {row["id"]: row["tag_names"] for row in rows}


# The columns claim_export reads, in order; each row ends with the claim's tag names and its cited urls.
EXPORT_FIELDS = (
    "id",
    "status",
    "verdict",
    "language",
    "claimant",
    "quote",
    "text",
    "explanation",
    "value",
    "unit",
    "article_id",
    "article__url",
    "article__title",
    "reviewed_at",
    "published_at",
    "created_at",
    "updated_at",
    "version",
)


def claim_export(*, filters, user, chunk_size: int):
    """The claims the user may see, filtered, for the streamed export: plain tuples (EXPORT_FIELDS, tag names,
    cited urls in evidence order), one query over a server-side cursor.

    A bad filter raises the ValidationError here, before anything is streamed.
    """
    claims = _claims_matching(filters=filters, user=user)
    return _export_rows(claims, chunk_size)


def _export_rows(claims: QuerySet[Claim], chunk_size: int):
    def gathered(queryset, field: str, ordering: str):
        aggregate = ArrayAgg(field, order_by=ordering)
        per_claim = queryset.order_by().values("claim_id").annotate(items=aggregate).values("items")
        return Subquery(per_claim, output_field=ArrayField(CharField()))

    Tagging = Claim.tags.through
    rows = claims.annotate(
        export_tags=gathered(Tagging.objects.filter(claim_id=OuterRef("pk")), "tag__name", "tag__name"),
        export_urls=gathered(Evidence.objects.filter(claim_id=OuterRef("pk")), "source__url", "id"),
    ).values_list(*EXPORT_FIELDS, "export_tags", "export_urls")
    # In a transaction, so the cursor is not WITH HOLD: in autocommit PostgreSQL would compute and store the
    # whole result before the first row came back. savepoint=False: a read needs none (and a test's
    # transaction gets no extra queries). Read ahead: PostgreSQL makes the next chunk while this thread encodes
    # the last (the two take turns otherwise).
    with transaction.atomic(using=rows.db, savepoint=False):
        for row in values_list_read_ahead(rows, chunk_size=chunk_size):
            yield (*row[:-2], row[-2] or [], row[-1] or [])


# What the claim detail shows, as plain values: CLAIM_DETAIL_FIELDS, then "tags" (names), "evidence" (dicts of
# EVIDENCE_FIELDS with a "source" dict of EVIDENCE_SOURCE_FIELDS) and "needs_attention".
# claims.api.serializers.ClaimDetailRows shapes it.
CLAIM_DETAIL_FIELDS = (
    *(f for f in CLAIM_LIST_FIELDS if f != "needs_attention"),
    "explanation",
    "recheck_after",
    "original_rating",
    "reviewer__username",
    "reviewer__first_name",
    "reviewer__last_name",
)
EVIDENCE_FIELDS = ("id", "stance", "excerpt", "excerpt_status", "note", "created_at")
EVIDENCE_SOURCE_FIELDS = ("id", "url", "title", "health", "last_checked_at", "archive_url", "archived_at")

# One statement: through the ORM the detail is three queries and about ten model instances. The evidence comes as
# JSON arrays in EVIDENCE_FIELDS then EVIDENCE_SOURCE_FIELDS order.
_CLAIM_DETAIL_SQL = """
SELECT c.id, c.text, c.quote, c.claimant, c.language, c.value, c.unit, c.verdict, c.status,
       c.reviewed_at, c.published_at, c.created_at, c.updated_at, c.version, c.needs_recheck,
       c.article_id, a.url, a.title, c.explanation, c.recheck_after, c.original_rating,
       u.username, u.first_name, u.last_name,
       {tag_names},
       (SELECT json_agg(json_build_array(e.id, e.stance, e.excerpt, e.excerpt_status, e.note, e.created_at,
                                         s.id, s.url, s.title, s.health, s.last_checked_at, s.archive_url,
                                         s.archived_at) ORDER BY e.id)
          FROM claims_evidence e JOIN sources_source s ON s.id = e.source_id WHERE e.claim_id = c.id),
       {needs_attention}
  FROM claims_claim c
  LEFT JOIN claims_article a ON a.id = c.article_id
  LEFT JOIN auth_user u ON u.id = c.reviewer_id
 WHERE c.id = %s AND {visible}"""


def claim_detail_row(*, claim_id: int, user) -> dict:
    """One claim as plain values (CLAIM_DETAIL_FIELDS, tags, evidence, needs_attention); Claim.DoesNotExist if
    the user may not see it or there is none."""
    sql = _CLAIM_DETAIL_SQL.format(
        tag_names=TAG_NAMES_SQL.format(claim="c.id"),
        needs_attention=needs_attention_sql("c.id"),
        visible=visible_status_sql("c.status", user=user),
    )
    with connections[router.db_for_read(Claim)].cursor() as cursor:
        cursor.execute(sql, [claim_id])
        found = cursor.fetchone()
    if found is None:
        raise Claim.DoesNotExist(f"No claim {claim_id} that this user may see.")
    *columns, tags, evidence_rows, needs_attention = found
    row = dict(zip(CLAIM_DETAIL_FIELDS, columns, strict=True))
    row["tags"] = tags
    row["evidence"] = [_evidence_of_json(values) for values in evidence_rows or ()]
    row["needs_attention"] = needs_attention
    return row


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)  # timestamps inside JSON arrive as text


def _evidence_of_json(values: list) -> dict:
    width = len(EVIDENCE_FIELDS)
    item = dict(zip(EVIDENCE_FIELDS, values[:width], strict=True))
    item["created_at"] = _moment(item["created_at"])
    item["source"] = source = dict(zip(EVIDENCE_SOURCE_FIELDS, values[width:], strict=True))
    source["last_checked_at"] = _moment(source["last_checked_at"])
    source["archived_at"] = _moment(source["archived_at"])
    return item


def claim_get(*, claim_id: int, user) -> Claim:
    """The claim as a model instance, for a reviewer about to change it or for similarity; Claim.DoesNotExist if
    the user may not see it."""
    return claims_visible(user=user).defer("search_vector").get(pk=claim_id)


def claims_for_recheck_flags(*, today) -> tuple[QuerySet[Claim], QuerySet[Claim]]:
    """(claims whose recheck_after has come, claims whose recheck_after has not or is unset)."""
    due = Claim.objects.filter(recheck_after__lte=today)
    not_due = Claim.objects.filter(Q(recheck_after__gt=today) | Q(recheck_after__isnull=True))
    return due, not_due
