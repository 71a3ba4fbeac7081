"""Claims for the API: the list, the detail and the export, each one statement read as plain values; and the claim a
reviewer is about to change."""

from __future__ import annotations

import functools
from datetime import datetime
from decimal import Decimal

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.db import connections, router, transaction
from django.db.models import BooleanField, CharField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL

from factcheck.db import built_once, values_list_read_ahead
from factcheck.filtersets import filtered
from sources.capture_read import capture_as_cited_sql
from sources.choices import Health

from .. import search
from ..choices import ClaimStatus, ExcerptStatus
from ..filters import ClaimFilterSet
from ..models import Claim, Evidence, ExternalReview
from .attention import needs_attention_annotation, needs_attention_sql
from .claimreview import APPEARANCES_SQL, CLAIMREVIEW_ANNOTATIONS, FIRST_APPEARED_AT_SQL
from .visibility import claims_visible, user_sees_drafts, visible_status_sql


def _claims_matching(*, filters, user, visible: QuerySet | None = None) -> QuerySet[Claim]:
    """The visible claims (or ``visible``, a queryset of them) filtered by the ClaimFilterSet; a bad parameter is a
    ValidationError naming it."""
    return filtered(ClaimFilterSet, filters, claims_visible(user=user) if visible is None else visible)


# The claims list, one column map: each key the API shows, in order, with the values it is built from (values()
# names; () for what the row builder derives, such as the api_url from the id). ClaimSerializer's fields, the
# query's select list and ClaimRows' keys all come from it; tests hold the three to each other.
CLAIM_LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "api_url": (),
    "text": ("text",),
    "quote": ("quote",),
    "claimant": ("claimant",),
    "language": ("language",),
    "value": ("value",),
    "unit": ("unit",),
    "verdict": ("verdict",),
    "status": ("status",),
    "retracted": (),
    "article": ("article_id", "article_url", "article_title"),
    "tags": ("tag_names",),
    "reviewed_at": ("reviewed_at",),
    "published_at": ("published_at",),
    "created_at": ("created_at",),
    "updated_at": ("updated_at",),
    "version": ("version",),
    "needs_recheck": ("needs_recheck",),
    "needs_attention": ("needs_attention",),
    "rank": (),  # annotated by a search (the ``q`` filter), else None
    "snippet": (),  # built from a search's ``snippet_source`` (claims.search.snippet), else None
}


def values_of(columns: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The values a column map reads, in its order."""
    return tuple(name for names in columns.values() for name in names)


CLAIM_LIST_FIELDS = values_of(CLAIM_LIST_COLUMNS)

# A claim's tag names (unsorted), as an SQL expression for the claim id {claim}.
TAG_NAMES_SQL = (
    "ARRAY(SELECT t.name FROM claims_claim_tags ct JOIN claims_tag t ON t.id = ct.tag_id WHERE ct.claim_id = {claim})"
)


# One column of a claim's article (NULL without one), as an SQL expression for the claims table {claim}.
ARTICLE_COLUMN_SQL = "(SELECT a.{column} FROM claims_article a WHERE a.id = {claim}.article_id)"


def claim_list_rows(*, filters, user) -> QuerySet:
    """The claims the user may see, filtered, as dicts of CLAIM_LIST_FIELDS (and ``rank`` when searching); no model
    instances."""
    # The filters apply to rows already shaped (fields, needs_attention, tags); a search's ``rank``, annotated
    # later, joins the values of its own accord.
    key = ("claim_list_rows", user_sees_drafts(user))
    shaped = built_once(key, lambda: _claim_list_rows(claims_visible(user=user)))
    return _claims_matching(filters=filters, user=user, visible=shaped)


def with_snippets(rows: list[dict], *, filters) -> list[dict]:
    """A page of rows from a search (``q`` in ``filters``), each with its ``snippet_source``: one statement for the
    page, after it is cut (claims.search.snippet_sources). Rows of a list without ``q`` are returned as they are."""
    q = filters.get("q")
    if q and rows:
        sources = search.snippet_sources([row["id"] for row in rows], q, language=filters.get("language") or None)
        for row in rows:
            row["snippet_source"] = sources.get(row["id"])
    return rows


def _claim_list_rows(claims: QuerySet[Claim]) -> QuerySet:
    # Raw SQL annotations cost nothing to compose; as ORM expressions they took a third of the list's Python time.
    # They name the outer table, so they belong only in a top-level query of claims, as here.
    tag_names = RawSQL(TAG_NAMES_SQL.format(claim="claims_claim.id"), (), output_field=ArrayField(CharField()))
    # The article's url and title as scalar subqueries, not a join: PostgreSQL computes them after the sort and
    # limit, for the page's rows. As a join, a search's serial plan merged all 200,000 articles' primary key
    # index with the matches before sorting them (158 ms of 195 for "render" at 1M claims).
    article_url, article_title = (
        RawSQL(ARTICLE_COLUMN_SQL.format(column=column, claim="claims_claim"), (), output_field=CharField())
        for column in ("url", "title")
    )
    claims = claims.annotate(
        needs_attention=needs_attention_annotation(),
        tag_names=tag_names,
        article_url=article_url,
        article_title=article_title,
    )
    return claims.values(*CLAIM_LIST_FIELDS)


# The export, one column map: each column of the file, in order, with the one value it is read from. The query
# selects them in this order, so a row is the file's row once claims.api.export has formatted its values.
EXPORT_COLUMNS: dict[str, str] = {
    "id": "id",
    "status": "status",
    "retracted": "export_retracted",
    "verdict": "verdict",
    "language": "language",
    "claimant": "claimant",
    "quote": "quote",
    "text": "text",
    "explanation": "explanation",
    "value": "value",
    "unit": "unit",
    "tags": "export_tags",
    "article_id": "article_id",
    "article_url": "article__url",
    "article_title": "article__title",
    "sources": "export_urls",
    "reviewed_at": "reviewed_at",
    "published_at": "published_at",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "version": "version",
}


def claim_export(*, filters, user, chunk_size: int):
    """The claims the user may see, filtered, for the streamed export: tuples of EXPORT_COLUMNS' values (tags by
    name, cited urls in evidence order), one query over a server-side cursor.

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
        export_retracted=ExpressionWrapper(Q(status=ClaimStatus.RETRACTED), output_field=BooleanField()),
        export_tags=gathered(Tagging.objects.filter(claim_id=OuterRef("pk")), "tag__name", "tag__name"),
        export_urls=gathered(Evidence.objects.filter(claim_id=OuterRef("pk")), "source__url", "id"),
    ).values_list(*EXPORT_COLUMNS.values())
    # In a transaction, so the cursor is not WITH HOLD: in autocommit PostgreSQL would compute and store the
    # whole result before the first row came back. savepoint=False: a read needs none (and a test's
    # transaction gets no extra queries). Read ahead: PostgreSQL makes the next chunk while this thread encodes
    # the last (the two take turns otherwise).
    with transaction.atomic(using=rows.db, savepoint=False):
        yield from values_list_read_ahead(rows, chunk_size=chunk_size)


# The claim detail, one column map as the list's (ClaimDetailSerializer's fields, the statement's select list and
# ClaimDetailRows' keys come from it). Evidence comes as JSON arrays of EVIDENCE_COLUMNS' values, the source's last.
# The article's outlet, date and language are read for the claim page ("where and when", and its ClaimReview) and
# the appearances for the page's ClaimReview (claims.api.claimreview.claim_review_of_row reads these names); the
# API shows the article as the list does, and the appearances with a url.
CLAIM_DETAIL_COLUMNS: dict[str, tuple[str, ...]] = {
    **{key: names for key, names in CLAIM_LIST_COLUMNS.items() if key not in ("rank", "snippet")},
    "article": (*CLAIM_LIST_COLUMNS["article"], "article__outlet", "article__published_at", "article__language"),
    "explanation": ("explanation",),
    "review_language": ("review_language",),
    "claimed_at": ("claimed_at",),
    "reviewer": ("reviewer__username", "reviewer__first_name", "reviewer__last_name"),
    # Read for everyone, shown to reviewers only (claims.selectors.visibility.user_sees_assignment).
    "assignee": ("assignee__username", "assignee__first_name", "assignee__last_name"),
    "due_at": ("due_at",),
    "recheck_after": ("recheck_after",),
    "original_rating": ("original_rating",),
    "evidence": ("evidence",),
    "external_reviews": ("external_reviews",),
    "appearances": CLAIMREVIEW_ANNOTATIONS,
}
CLAIM_DETAIL_FIELDS = values_of(CLAIM_DETAIL_COLUMNS)
EVIDENCE_SOURCE_FIELDS = ("id", "url", "title", "health", "last_checked_at", "archive_url", "archived_at")
EVIDENCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "stance": ("stance",),
    "excerpt": ("excerpt",),
    "excerpt_status": ("excerpt_status",),
    "note": ("note",),
    "source": tuple(f"source__{name}" for name in EVIDENCE_SOURCE_FIELDS),
    "created_at": ("created_at",),
}
EVIDENCE_FIELDS = tuple(name for name in values_of(EVIDENCE_COLUMNS) if not name.startswith("source__"))
# Other desks' reviews of the claim (ExternalReview), oldest first; the item's raw JSON-LD only at reviews/.
EXTERNAL_REVIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    name: (name,)
    for name in (
        "id",
        "url",
        "claim_reviewed",
        "publisher_name",
        "publisher_url",
        "rating_text",
        "rating_value",
        "best_rating",
        "worst_rating",
        "score",
        "verdict",
        "reviewed_at",
        "language",
    )
}
EXTERNAL_REVIEW_FIELDS = values_of(EXTERNAL_REVIEW_COLUMNS)
EXTERNAL_REVIEW_DECIMALS = ("rating_value", "best_rating", "worst_rating")

# Tables of the detail statement by the prefix of a values() name: the claim (c), its article (a), its reviewer (u),
# its assignee (au).
_DETAIL_TABLES = {"": "c", "article": "a", "reviewer": "u", "assignee": "au"}
# The capture readers are offered in place of a page that is gone or no longer holds the excerpt ("as we cited
# it"): read only for such evidence, so a healthy citation costs nothing. Not part of the API's evidence (its
# serializer builds each item from EVIDENCE_COLUMNS); the public claim page reads it (public.claim_page).
EVIDENCE_CAPTURE_FIELDS = ("id", "sha256", "fetched_at")
_CAPTURE_SHOWN_SQL = (
    f"CASE WHEN s.health = '{Health.DEAD}' OR e.excerpt_status = '{ExcerptStatus.MISSING}'"
    f" THEN {capture_as_cited_sql(select='json_build_array(k.id, k.sha256, k.fetched_at)')} END"
)
_EVIDENCE_JSON_SQL = (
    "(SELECT json_agg(json_build_array({columns}) ORDER BY e.id)"
    " FROM claims_evidence e JOIN sources_source s ON s.id = e.source_id WHERE e.claim_id = c.id)"
).format(
    columns=", ".join(
        [*(f"e.{n}" for n in EVIDENCE_FIELDS), *(f"s.{n}" for n in EVIDENCE_SOURCE_FIELDS), _CAPTURE_SHOWN_SQL]
    )
)

# Decimals as text, so they come back exact (JSON numbers would arrive as floats).
_EXTERNAL_REVIEWS_JSON_SQL = (
    "(SELECT json_agg(json_build_array({columns}) ORDER BY r.reviewed_at NULLS LAST, r.id)"
    " FROM claims_externalreview r WHERE r.claim_id = c.id)"
).format(
    columns=", ".join(f"r.{n}::text" if n in EXTERNAL_REVIEW_DECIMALS else f"r.{n}" for n in EXTERNAL_REVIEW_FIELDS)
)


def _detail_select_sql(name: str) -> str:
    computed = {
        "tag_names": TAG_NAMES_SQL.format(claim="c.id"),
        "needs_attention": needs_attention_sql("c.id"),
        "evidence": _EVIDENCE_JSON_SQL,
        "external_reviews": _EXTERNAL_REVIEWS_JSON_SQL,
        "appearance_urls": APPEARANCES_SQL.format(column="url", claim="c.id"),
        "appearance_dates": APPEARANCES_SQL.format(column="appeared_at", claim="c.id"),
        "first_appeared_at": FIRST_APPEARED_AT_SQL.format(claim="c.id"),
        "article_url": "a.url",
        "article_title": "a.title",
    }
    if name in computed:
        return computed[name]
    table, _, column = name.rpartition("__")
    return f"{_DETAIL_TABLES[table]}.{column}"


# The detail statement's joins, by table alias; the computed values that read a joined table.
_DETAIL_JOINS = {
    "a": "LEFT JOIN claims_article a ON a.id = c.article_id",
    "u": "LEFT JOIN auth_user u ON u.id = c.reviewer_id",
    "au": "LEFT JOIN auth_user au ON au.id = c.assignee_id",
}
_COMPUTED_TABLES = {"article_url": "a", "article_title": "a"}


def _detail_from_sql(tables) -> str:
    joins = "".join(f"\n  {join}" for alias, join in _DETAIL_JOINS.items() if alias in tables)
    return f"\n  FROM claims_claim c{joins}\n WHERE c.id = %s AND {{visible}}"


# One statement: through the ORM the detail is three queries and about ten model instances.
_CLAIM_DETAIL_FROM_SQL = _detail_from_sql(_DETAIL_JOINS)
_CLAIM_DETAIL_SELECT_SQL = ",\n       ".join(map(_detail_select_sql, CLAIM_DETAIL_FIELDS))
_CLAIM_DETAIL_SQL = f"SELECT {_CLAIM_DETAIL_SELECT_SQL}{_CLAIM_DETAIL_FROM_SQL}"
# The claim's history records, whole: the public ones are its correction log, and a record may be written or
# annotated (a public note) without the claim row changing. A claim has a few records; they are read by its index.
_HISTORY_DIGEST_SQL = (
    "(SELECT md5(string_agg(h::text, ',' ORDER BY h.history_id)) FROM claims_historicalclaim h WHERE h.id = c.id),"
    "\n       (SELECT md5(string_agg(k::text, ',' ORDER BY k.id)) FROM claims_correction k WHERE k.claim_id = c.id)"
)
# The detail row and the history, hashed where they are: only the digest comes back.
_CLAIM_DIGEST_SQL = (
    f"SELECT md5(d::text) FROM (SELECT {_CLAIM_DETAIL_SELECT_SQL},\n       {_HISTORY_DIGEST_SQL}"
    f"{_CLAIM_DETAIL_FROM_SQL}) d"
)


def claim_detail_row(*, claim_id: int, user) -> dict:
    """One claim as a dict of CLAIM_DETAIL_FIELDS (``evidence`` as dicts of EVIDENCE_FIELDS with a ``source`` dict
    of EVIDENCE_SOURCE_FIELDS); Claim.DoesNotExist if the user may not see it or there is none."""
    sql = _CLAIM_DETAIL_SQL.replace("{visible}", visible_status_sql("c.status", user=user))
    with connections[router.db_for_read(Claim)].cursor() as cursor:
        cursor.execute(sql, [claim_id])
        found = cursor.fetchone()
    if found is None:
        raise Claim.DoesNotExist(f"No claim {claim_id} that this user may see.")
    row = dict(zip(CLAIM_DETAIL_FIELDS, found, strict=True))
    row["evidence"] = [_evidence_of_json(values) for values in row["evidence"] or ()]
    row["external_reviews"] = [_external_review_of_json(values) for values in row["external_reviews"] or ()]
    return row


@functools.cache
def _claim_columns_sql(fields: tuple[str, ...], visible: str) -> str:
    """The detail statement for ``fields`` only: their expressions, and only the joins they read."""
    tables = {_COMPUTED_TABLES.get(name) or _DETAIL_TABLES[name.rpartition("__")[0]] for name in fields}
    # Named as the row's keys, so a statement can select from this one.
    select = ",\n       ".join(f'{_detail_select_sql(name)} AS "{name}"' for name in fields)
    return f"SELECT {select}{_detail_from_sql(tables)}".replace("{visible}", visible)


def claim_columns_sql(*, user, fields: tuple[str, ...]) -> str:
    """The detail statement for some of claim_detail_row's values (``fields``, named as its keys; one ``%s``: the
    claim's id), read by the same expressions without the subqueries and joins of the others: for a write that
    selects from it, as the outbox's INSERT of a public event does (claims.events), where a millisecond counts."""
    unknown = set(fields) - set(CLAIM_DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"not detail row values: {sorted(unknown)}")
    return _claim_columns_sql(tuple(fields), visible_status_sql("c.status", user=user))


# The positions of the values in each item of the detail row's evidence JSON (_EVIDENCE_JSON_SQL's columns).
_EVIDENCE_JSON_NAMES = (*EVIDENCE_FIELDS, *(f"source__{name}" for name in EVIDENCE_SOURCE_FIELDS), "capture")


def evidence_json_value_sql(item: str, name: str) -> str:
    """In SQL, the value ``name`` (of EVIDENCE_FIELDS, or ``source__`` and one of EVIDENCE_SOURCE_FIELDS) of one
    element ``item`` of the detail row's evidence JSON array, as json."""
    return f"({item} -> {_EVIDENCE_JSON_NAMES.index(name)})"


def claim_detail_digest(*, claim_id: int, user) -> str | None:
    """A digest of everything claim_detail_row returns for this claim, of its history records and of its public
    correction log, computed by PostgreSQL without sending the row: it changes whenever the row would, whatever
    wrote the change (a service, an ORM update(), the link checker, a trigger). None if the user may not see the
    claim. For caches of what is built from the row (the public claim page)."""
    sql = _CLAIM_DIGEST_SQL.replace("{visible}", visible_status_sql("c.status", user=user))
    with connections[router.db_for_read(Claim)].cursor() as cursor:
        cursor.execute(sql, [claim_id])
        found = cursor.fetchone()
    return None if found is None else found[0]


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)  # timestamps inside JSON arrive as text


def _evidence_of_json(values: list) -> dict:
    width = len(EVIDENCE_FIELDS)
    item = dict(zip(EVIDENCE_FIELDS, values[:width], strict=True))
    item["created_at"] = _moment(item["created_at"])
    *source_values, capture = values[width:]
    item["source"] = source = dict(zip(EVIDENCE_SOURCE_FIELDS, source_values, strict=True))
    item["capture"] = None
    if capture is not None:
        item["capture"] = dict(zip(EVIDENCE_CAPTURE_FIELDS, capture, strict=True))
        item["capture"]["fetched_at"] = _moment(item["capture"]["fetched_at"])
    source["last_checked_at"] = _moment(source["last_checked_at"])
    source["archived_at"] = _moment(source["archived_at"])
    return item


def _external_review_of_json(values: list) -> dict:
    item = dict(zip(EXTERNAL_REVIEW_FIELDS, values, strict=True))
    for name in EXTERNAL_REVIEW_DECIMALS:
        item[name] = None if item[name] is None else Decimal(item[name])
    item["reviewed_at"] = _moment(item["reviewed_at"])
    return item


def external_reviews_of_claim(*, claim_id: int, user) -> QuerySet[ExternalReview]:
    """Other desks' reviews of a claim the user may see, oldest first, with their raw JSON-LD; Claim.DoesNotExist
    when the user may not see the claim (its reviews are as visible as it is)."""
    claim = claims_visible(user=user).only("id").get(pk=claim_id)
    return ExternalReview.objects.filter(claim=claim).order_by(F("reviewed_at").asc(nulls_last=True), "id")


def claim_get(*, claim_id: int, user) -> Claim:
    """The claim as a model instance, for a reviewer about to change it or for similarity; Claim.DoesNotExist if
    the user may not see it."""
    return claims_visible(user=user).defer("search_vector").get(pk=claim_id)


def claims_for_recheck_flags(*, today) -> tuple[QuerySet[Claim], QuerySet[Claim]]:
    """(claims whose recheck_after has come, claims whose recheck_after has not or is unset)."""
    due = Claim.objects.filter(recheck_after__lte=today)
    not_due = Claim.objects.filter(Q(recheck_after__gt=today) | Q(recheck_after__isnull=True))
    return due, not_due
