"""Reads of claims and evidence that are more than a filter call."""

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet

from factcheck.db import InConstants, sql_constants, values_list_read_ahead
from sources.choices import Health

from .choices import PUBLIC_STATUSES
from .models import Claim, Evidence

# The public statuses as an SQL list of constants (see factcheck.db.InConstants for why not parameters).
PUBLIC_STATUSES_SQL = sql_constants(PUBLIC_STATUSES)

# --- Link health (sources/health.py reaches claims only through these) --------------------


def evidence_for_sources(*, source_ids) -> QuerySet[Evidence]:
    """Evidence citing any of these sources (the link checker updates excerpt_status through it)."""
    return Evidence.objects.filter(source_id__in=list(source_ids))


def evidence_excerpts_for_sources(*, source_ids) -> dict[int, list[tuple[int, str]]]:
    """For each source, the (evidence id, excerpt) pairs the checker must look for on the page."""
    excerpts: dict[int, list[tuple[int, str]]] = {}
    rows = (
        Evidence.objects.filter(source_id__in=list(source_ids))
        .exclude(excerpt="")
        .values_list("source_id", "id", "excerpt")
    )
    for source_id, evidence_id, excerpt in rows:
        excerpts.setdefault(source_id, []).append((evidence_id, excerpt))
    return excerpts


def needs_attention_condition() -> Q:
    """True for a claim whose every cited source is dead with no archived copy: nothing left backs the verdict.

    Every piece of evidence counts (supports, refutes, context): any live or archived source is
    something a reader can still follow. Claims without evidence are not included.

    Computed from the small side: from the dead sources without an archive (a partial index holds them) to the
    claims citing them, keeping each claim whose pieces of that kind are as many as its pieces in all. The
    EXISTS pair this replaces (a claim with evidence and none of it still backed) read every claim and hashed all
    evidence joined to its sources: 1.5 s to count at make bench scale (1M claims, 2M evidence), this 0.15-0.2 s.
    The same rows (tests/claims/test_dashboard.py compares the two on data made for it).
    """
    from django.db.models import Count, IntegerField, Subquery

    all_evidence = (
        Evidence.objects.filter(claim_id=OuterRef("claim_id")).order_by().values("claim_id").annotate(n=Count("*"))
    )
    lost = (
        Evidence.objects.filter(source__health=Health.DEAD, source__archive_url="")
        .order_by()
        .values("claim_id")
        .annotate(lost=Count("*"))
        .filter(lost=Subquery(all_evidence.values("n"), output_field=IntegerField()))
        .values("claim_id")
    )
    return Q(pk__in=lost)


def claims_needing_attention(queryset: QuerySet[Claim] | None = None) -> QuerySet[Claim]:
    """Claims (of ``queryset``, all by default) whose every cited source is dead with no archived copy."""
    queryset = Claim.objects.all() if queryset is None else queryset
    return queryset.filter(needs_attention_condition())


def with_needs_attention(queryset: QuerySet[Claim]) -> QuerySet[Claim]:
    """Annotate ``needs_attention`` for the rows returned, with one correlated aggregate per row.

    Not the EXISTS pair of needs_attention_condition(): in a select list PostgreSQL plans those as hashed
    subplans that read the whole evidence table and join it to sources on every page (18 ms at 20,000
    claims, growing with the table; make bench). As a filter the EXISTS form is right (semi/anti joins).
    """
    from django.db.models import Case, IntegerField, Min, Subquery, Value, When
    from django.db.models.lookups import Exact

    dead = Case(
        When(Q(source__health=Health.DEAD) & Q(source__archive_url=""), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    all_dead = (
        Evidence.objects.filter(claim=OuterRef("pk"))
        .order_by()
        .values("claim")
        .annotate(all_dead=Min(dead))
        .values("all_dead")
    )
    # No evidence: the subquery is NULL, so not "needs attention" (as in needs_attention_condition).
    return queryset.annotate(
        needs_attention=Case(
            When(Exact(Subquery(all_dead), Value(1)), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def claims_for_recheck_flags(*, today) -> tuple[QuerySet[Claim], QuerySet[Claim]]:
    """(claims whose recheck_after has come, claims whose recheck_after has not or is unset)."""
    due = Claim.objects.filter(recheck_after__lte=today)
    not_due = Claim.objects.filter(Q(recheck_after__gt=today) | Q(recheck_after__isnull=True))
    return due, not_due


# --- The API (claims/api, sources/api) ------------------------------------------------------------------
# Anonymous users and researchers see published and retracted claims only, and what hangs off them; reviewers
# see everything. Each function returns a queryset with what its serializer reads already joined or prefetched,
# so an endpoint runs the same number of queries whatever the page size.


def user_sees_drafts(user) -> bool:
    """Reviewers (the Reviewer group, or staff given the permission) see every claim."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm("claims.change_claim"))


def claims_visible(*, user) -> QuerySet[Claim]:
    return Claim.objects.all() if user_sees_drafts(user) else public_claims()


def public_claims() -> QuerySet[Claim]:
    """What anyone may see: published and retracted claims."""
    return Claim.objects.filter(InConstants("status", PUBLIC_STATUSES))


_querysets_built: dict[tuple, QuerySet] = {}


def _built_once(key: tuple, build) -> QuerySet:
    """A copy of the queryset ``build()`` makes, built once per process for ``key``.

    For the API's busiest reads, whose query is the same for every request until filters or a page are added:
    composing it was a quarter of a feed page's time (make bench). The kept queryset is only ever copied, never
    evaluated, so it holds no rows.
    """
    queryset = _querysets_built.get(key)
    if queryset is None:
        queryset = _querysets_built[key] = build()
    return queryset.all()


def _claims_matching(*, filters, user, visible: QuerySet | None = None) -> QuerySet[Claim]:
    from django.core.exceptions import ValidationError

    from factcheck.api import filterset_for

    from .filters import ClaimFilterSet

    if visible is None:
        visible = claims_visible(user=user)
    filterset = filterset_for(ClaimFilterSet, filters)(data=filters, queryset=visible)
    if not filterset.is_valid():
        raise ValidationError({name: list(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def _claims_filtered(*, filters, user) -> QuerySet[Claim]:
    matching = _claims_matching(filters=filters, user=user)
    return matching.defer("search_vector", "explanation").select_related("article").prefetch_related("tags")


def claim_list(*, filters, user) -> QuerySet[Claim]:
    """Claims the user may see, filtered by the ClaimFilterSet; a bad parameter is a ValidationError naming it."""
    return with_needs_attention(_claims_filtered(filters=filters, user=user))


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


def claim_list_rows(*, filters, user) -> QuerySet:
    """claim_list as dicts of CLAIM_LIST_FIELDS (and ``rank`` when searching on PostgreSQL); no model instances.

    On PostgreSQL each row also has ``tag_names``, read in the same query; elsewhere claim_tag_names reads the
    tags for a page.
    """
    from django.db import connections

    # The filters apply to rows already shaped (fields, needs_attention, tags); a search's ``rank``, annotated
    # later, joins the values of its own accord.
    vendor = connections[Claim.objects.db].vendor
    shaped = _built_once(
        ("claim_list_rows", vendor, user_sees_drafts(user)),
        lambda: _claim_list_rows(claims_visible(user=user), vendor),
    )
    return _claims_matching(filters=filters, user=user, visible=shaped)


def _claim_list_rows(claims: QuerySet[Claim], vendor: str) -> QuerySet:
    if vendor == "postgresql":
        claims = claims.annotate(needs_attention=_needs_attention_sql(), tag_names=_tag_names_sql())
        return claims.values(*CLAIM_LIST_FIELDS, "tag_names")
    return with_needs_attention(claims).values(*CLAIM_LIST_FIELDS)


# A claim's tag names (unsorted), as an SQL expression for the claim id {claim}.
TAG_NAMES_SQL = (
    "ARRAY(SELECT t.name FROM claims_claim_tags ct JOIN claims_tag t ON t.id = ct.tag_id WHERE ct.claim_id = {claim})"
)


# with_needs_attention() and the tag names as SQL that costs nothing to build: the list is the API's busiest
# call, and composing those as ORM expressions took a third of its Python time (make bench). They name the outer
# table, so they belong only in a top-level query of claims, as here.
def _needs_attention_sql():
    from django.db.models.expressions import RawSQL

    return RawSQL(
        "coalesce((SELECT bool_and(s.health = 'dead' AND s.archive_url = '') FROM claims_evidence e"
        " JOIN sources_source s ON s.id = e.source_id WHERE e.claim_id = claims_claim.id), false)",
        (),
        output_field=BooleanField(),
    )


def _tag_names_sql():
    return _text_array_sql(TAG_NAMES_SQL.format(claim="claims_claim.id"))


def _text_array_sql(sql: str):
    """An SQL expression (no parameters) that gives an array of text, as an annotation."""
    from django.contrib.postgres.fields import ArrayField
    from django.db.models import CharField
    from django.db.models.expressions import RawSQL

    return RawSQL(sql, (), output_field=ArrayField(CharField()))


def claim_tag_names(*, rows: list[dict]) -> dict[int, list[str]]:
    """The tag names (unsorted) of each claim of a page of claim_list_rows: from the rows where the query read them
    (PostgreSQL), else in one query."""
    if not rows:
        return {}
    if "tag_names" in rows[0]:
        return {row["id"]: row["tag_names"] for row in rows}
    names: dict[int, list[str]] = {}
    claim_ids = [row["id"] for row in rows]
    tagging = Claim.tags.through.objects.filter(claim_id__in=claim_ids).values_list("claim_id", "tag__name")
    for claim_id, name in tagging:
        names.setdefault(claim_id, []).append(name)
    return names


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
    """claim_list for the streamed export: plain tuples (EXPORT_FIELDS, tag names, cited urls in evidence order).

    No model instances. On PostgreSQL one query over a server-side cursor, the tags and urls gathered by array
    subqueries in it; elsewhere (SQLite for `make run`) the tags and urls are read per chunk of claims. A bad
    filter raises the ValidationError here, before anything is streamed.
    """
    from django.db import connections

    claims = _claims_matching(filters=filters, user=user)
    if connections[claims.db].vendor == "postgresql":
        return _export_rows_postgresql(claims, chunk_size)
    return _export_rows_chunked(claims.values_list(*EXPORT_FIELDS), chunk_size)


def _export_rows_postgresql(claims: QuerySet[Claim], chunk_size: int):
    from django.contrib.postgres.aggregates import ArrayAgg
    from django.contrib.postgres.fields import ArrayField
    from django.db import transaction
    from django.db.models import CharField, Subquery

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
    # transaction gets no extra queries).
    # Read ahead: PostgreSQL makes the next chunk while this thread encodes the last (the two take turns
    # otherwise; make bench).
    with transaction.atomic(using=rows.db, savepoint=False):
        for row in values_list_read_ahead(rows, chunk_size=chunk_size):
            yield (*row[:-2], row[-2] or [], row[-1] or [])


def _export_rows_chunked(rows: QuerySet, chunk_size: int):
    chunk = []
    for row in rows.iterator(chunk_size=chunk_size):
        chunk.append(row)
        if len(chunk) >= chunk_size:
            yield from _with_tags_and_urls(chunk)
            chunk = []
    if chunk:
        yield from _with_tags_and_urls(chunk)


def _with_tags_and_urls(chunk: list[tuple]):
    ids = [row[0] for row in chunk]
    tags: dict[int, list[str]] = {}
    urls: dict[int, list[str]] = {}
    tagging = Claim.tags.through.objects.filter(claim_id__in=ids).values_list("claim_id", "tag__name")
    for claim_id, name in tagging:
        tags.setdefault(claim_id, []).append(name)
    cited = Evidence.objects.filter(claim_id__in=ids).order_by("id").values_list("claim_id", "source__url")
    for claim_id, url in cited:
        urls.setdefault(claim_id, []).append(url)
    for row in chunk:
        yield (*row, tags.get(row[0], []), urls.get(row[0], []))


def claim_get(*, claim_id: int, user) -> Claim:
    """One claim with its article, reviewer, tags and evidence (with sources); Claim.DoesNotExist if hidden."""
    from django.db.models import Prefetch

    evidence = Prefetch("evidence", queryset=Evidence.objects.select_related("source"))
    return with_needs_attention(
        claims_visible(user=user)
        .defer("search_vector")
        .select_related("article", "reviewer")
        .prefetch_related("tags", evidence)
    ).get(pk=claim_id)


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

# One statement on PostgreSQL: through the ORM the detail is three queries and about ten model instances (8 ms a
# request against 0.6 ms for the SQL at 1M claims, make bench). The evidence comes as JSON arrays in EVIDENCE_FIELDS
# then EVIDENCE_SOURCE_FIELDS order.
_CLAIM_DETAIL_SQL = """
SELECT c.id, c.text, c.quote, c.claimant, c.language, c.value, c.unit, c.verdict, c.status,
       c.reviewed_at, c.published_at, c.created_at, c.updated_at, c.version, c.needs_recheck,
       c.article_id, a.url, a.title, c.explanation, c.recheck_after, c.original_rating,
       u.username, u.first_name, u.last_name,
       {tag_names},
       (SELECT json_agg(json_build_array(e.id, e.stance, e.excerpt, e.excerpt_status, e.note, e.created_at,
                                         s.id, s.url, s.title, s.health, s.last_checked_at, s.archive_url,
                                         s.archived_at) ORDER BY e.id)
          FROM claims_evidence e JOIN sources_source s ON s.id = e.source_id WHERE e.claim_id = c.id)
  FROM claims_claim c
  LEFT JOIN claims_article a ON a.id = c.article_id
  LEFT JOIN auth_user u ON u.id = c.reviewer_id
 WHERE c.id = %s""".replace("{tag_names}", TAG_NAMES_SQL.format(claim="c.id"))


def claim_detail_row(*, claim_id: int, user) -> dict:
    """One claim as plain values (CLAIM_DETAIL_FIELDS, tags, evidence); Claim.DoesNotExist if hidden or missing."""
    from django.db import connections, router

    alias = router.db_for_read(Claim)
    if connections[alias].vendor == "postgresql":
        return _claim_detail_row_one_query(claim_id=claim_id, user=user, using=alias)
    return _claim_detail_row_orm(claim_id=claim_id, user=user)


def _claim_detail_row_one_query(*, claim_id: int, user, using: str) -> dict:
    from datetime import datetime

    from django.db import connections

    sql, params = _CLAIM_DETAIL_SQL, [claim_id]
    if not user_sees_drafts(user):
        sql += f" AND c.status IN {PUBLIC_STATUSES_SQL}"
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    if found is None:
        raise Claim.DoesNotExist(f"No claim {claim_id} that this user may see.")
    *columns, tags, evidence_rows = found
    row = dict(zip(CLAIM_DETAIL_FIELDS, columns, strict=True))
    row["tags"] = tags
    width = len(EVIDENCE_FIELDS)

    def moment(text):  # timestamps inside JSON arrive as text
        return None if text is None else datetime.fromisoformat(text)

    evidence = []
    for values in evidence_rows or ():
        item = dict(zip(EVIDENCE_FIELDS, values[:width], strict=True))
        item["created_at"] = moment(item["created_at"])
        item["source"] = source = dict(zip(EVIDENCE_SOURCE_FIELDS, values[width:], strict=True))
        source["last_checked_at"], source["archived_at"] = (
            moment(source["last_checked_at"]),
            moment(source["archived_at"]),
        )
        evidence.append(item)
    row["evidence"] = evidence
    row["needs_attention"] = _all_dead(evidence)
    return row


def _all_dead(evidence: list[dict]) -> bool:
    """needs_attention_condition() for evidence already read: cited, and every source dead with no archive."""
    return bool(evidence) and all(
        e["source"]["health"] == Health.DEAD and not e["source"]["archive_url"] for e in evidence
    )


def _claim_detail_row_orm(*, claim_id: int, user) -> dict:
    claims = claims_visible(user=user).filter(pk=claim_id)
    row = claims.values(*CLAIM_DETAIL_FIELDS).get()
    row["tags"] = list(Claim.tags.through.objects.filter(claim_id=claim_id).values_list("tag__name", flat=True))
    evidence = Evidence.objects.filter(claim_id=claim_id).order_by("id")
    source_fields = [f"source__{name}" for name in EVIDENCE_SOURCE_FIELDS]
    row["evidence"] = [
        {
            **dict(zip(EVIDENCE_FIELDS, values[: len(EVIDENCE_FIELDS)], strict=True)),
            "source": dict(zip(EVIDENCE_SOURCE_FIELDS, values[len(EVIDENCE_FIELDS) :], strict=True)),
        }
        for values in evidence.values_list(*EVIDENCE_FIELDS, *source_fields)
    ]
    row["needs_attention"] = _all_dead(row["evidence"])
    return row


def claim_get_for_update(*, claim_id: int, user) -> Claim:
    """The claim a reviewer is about to change (Claim.DoesNotExist if they may not see it)."""
    return claims_visible(user=user).defer("search_vector").get(pk=claim_id)


HISTORY_FIELDS = ("verdict", "explanation", "status")


def claim_history(*, claim: Claim, user) -> QuerySet:
    """The claim's verdict, explanation and status changes, newest first, each with the values before it.

    Public users see the record from publication on (the publishing itself, then corrections and retraction);
    what happened while it was a draft is the newsroom's.
    """
    from django.db.models import F, Subquery

    History = Claim.history.model
    before = History.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id")).order_by("-history_id")
    records = (
        History.objects.filter(id=claim.pk)
        .annotate(**{f"prev_{name}": Subquery(before.values(name)[:1]) for name in HISTORY_FIELDS})
        .annotate(has_prev=Exists(before))
    )
    changed = Q(has_prev=False)
    for name in HISTORY_FIELDS:
        changed |= ~Q(**{name: F(f"prev_{name}")})
    records = records.filter(changed).only(
        "history_id", "history_date", "history_type", "history_user_id", *HISTORY_FIELDS
    )
    if user_sees_drafts(user):
        return records.select_related("history_user").order_by("-history_id")
    if claim.published_at is None:
        return records.none()
    return records.filter(history_date__gte=claim.published_at).order_by("-history_id")


def claimreview_list() -> QuerySet[Claim]:
    """Published claims for the ClaimReview DataFeed (retracted ones leave the feed), newest first."""
    from .choices import ClaimStatus

    return (
        Claim.objects.filter(status=ClaimStatus.PUBLISHED)
        .defer("search_vector")
        .select_related("article")
        .prefetch_related("appearances")
        .order_by("-id")
    )


# What a ClaimReview reads, as plain values (claims.api.claimreview.claim_review_of_row).
CLAIMREVIEW_FIELDS = (
    "id",
    "text",
    "claimant",
    "language",
    "verdict",
    "explanation",
    "published_at",
    "reviewed_at",
    "updated_at",
    "created_at",
    "article_id",
    "article__url",
    "article__title",
    "article__published_at",
    "article__language",
)


def claimreview_rows() -> QuerySet:
    """claimreview_list as dicts of CLAIMREVIEW_FIELDS; on PostgreSQL with ``appearance_urls`` read in the same
    query (elsewhere with_appearance_urls adds them to a page)."""
    from django.db import connections

    claims = Claim.objects.all()
    vendor = connections[claims.db].vendor
    return _built_once(("claimreview_rows", vendor), lambda: _claimreview_rows(claims, vendor))


def _claimreview_rows(claims: QuerySet[Claim], vendor: str) -> QuerySet:
    from .choices import ClaimStatus

    claims = claims.filter(InConstants("status", [ClaimStatus.PUBLISHED])).order_by("-id")
    if vendor != "postgresql":
        return claims.values(*CLAIMREVIEW_FIELDS)
    # In Appearance's own order (appeared_at, id); see _needs_attention_sql for why raw SQL here.
    urls = _text_array_sql(
        "ARRAY(SELECT p.url FROM claims_appearance p WHERE p.claim_id = claims_claim.id AND p.url <> ''"
        " ORDER BY p.appeared_at, p.id)"
    )
    return claims.annotate(appearance_urls=urls).values(*CLAIMREVIEW_FIELDS, "appearance_urls")


def with_appearance_urls(rows: list[dict]) -> list[dict]:
    """Rows of claimreview_rows with their ``appearance_urls`` (read here, in one query, when not already)."""
    if not rows or "appearance_urls" in rows[0]:
        return rows
    from .models import Appearance

    urls: dict[int, list[str]] = {}
    found = Appearance.objects.filter(claim_id__in=[row["id"] for row in rows]).exclude(url="")
    for claim_id, url in found.order_by("appeared_at", "id").values_list("claim_id", "url"):
        urls.setdefault(claim_id, []).append(url)
    return [{**row, "appearance_urls": urls.get(row["id"], [])} for row in rows]


def claimreview_get(*, claim_id: int) -> Claim:
    return claimreview_list().get(pk=claim_id)


def article_list(*, user) -> QuerySet:
    """Articles with at least one claim the user may see (all articles for reviewers)."""
    from .models import Article

    articles = Article.objects.defer("body")
    if user_sees_drafts(user):
        return articles.order_by("-id")
    visible = claims_visible(user=user).filter(article_id=OuterRef("pk"))
    return articles.filter(Exists(visible)).order_by("-id")


def article_get(*, article_id: int, user):
    """One article with the claims the user may see (Article.DoesNotExist if it has none)."""
    from django.db.models import Prefetch

    claims = with_needs_attention(claims_visible(user=user).defer("search_vector").prefetch_related("tags"))
    return (
        article_list(user=user).prefetch_related(Prefetch("claims", queryset=claims.order_by("id"))).get(pk=article_id)
    )


def source_list(*, user) -> QuerySet:
    """Sources cited by at least one claim the user may see (all sources for reviewers)."""
    from django.db import connections

    from sources.models import Source

    sources = Source.objects.all()
    if user_sees_drafts(user):
        return sources.order_by("-id")
    vendor = connections[sources.db].vendor
    return _built_once(("public_sources", vendor), lambda: _public_sources(sources, vendor))


def _public_sources(sources: QuerySet, vendor: str) -> QuerySet:
    from django.db.models.expressions import RawSQL

    if vendor != "postgresql":
        citing = Evidence.objects.filter(source_id=OuterRef("pk"), claim__in=public_claims())
        return sources.filter(Exists(citing)).order_by("-id")
    # claims_visible()'s rule, written as SQL: composed through the ORM this EXISTS cost more to build than the
    # page costs to read (make bench).
    cited_by_public_claim = RawSQL(
        "EXISTS (SELECT 1 FROM claims_evidence e JOIN claims_claim c ON c.id = e.claim_id"
        f" WHERE e.source_id = sources_source.id AND c.status IN {PUBLIC_STATUSES_SQL})",
        (),
        output_field=BooleanField(),
    )
    return sources.filter(cited_by_public_claim).order_by("-id")


def source_get(*, source_id: int, user):
    return source_list(user=user).get(pk=source_id)


def source_checks(*, source) -> QuerySet:
    """The source's link checks, newest first."""
    from sources.models import LinkCheck

    return LinkCheck.objects.filter(source=source).order_by("-checked_at", "-id")
