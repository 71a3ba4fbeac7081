"""Reads of the site's lists: the home page, the archive, the feeds and the sitemap list published fact-checks through
one selector (``listed_claims``) and one row builder (``listed_claim``), so a row means the same everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import CharField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString, mark_safe

from claims import search
from claims.choices import ClaimStatus, Verdict
from claims.filters import ClaimFilterSet
from claims.selectors.claims import TAG_NAMES_SQL
from claims.selectors.visibility import public_claims, public_status_sql
from factcheck import filtersets

from .links import claim_path

# What a list shows of a fact-check, read as plain values: no model instances on a list page.
LISTED_FIELDS = (
    "id",
    "text",
    "claimant",
    "verdict",
    "status",
    "language",
    "review_language",
    "published_at",
    "updated_at",
)
# Newest publication first; the id breaks ties (claims published in one import share a moment).
NEWEST_FIRST = ("-published_at", "-id")


def listed_claims(*, with_tags: bool = True, with_explanation: bool = False) -> QuerySet:
    """Public fact-checks (published and retracted, by the one visibility rule) as dicts of LISTED_FIELDS, with
    ``tag_names`` unless ``with_tags`` is False (the sitemap needs none) and the ``explanation`` when asked (the
    feeds). Unordered: callers order and slice."""
    claims, fields = public_claims(), [*LISTED_FIELDS]
    if with_tags:
        tag_names = RawSQL(TAG_NAMES_SQL.format(claim="claims_claim.id"), (), output_field=ArrayField(CharField()))
        claims = claims.annotate(tag_names=tag_names)
        fields.append("tag_names")
    if with_explanation:
        fields.append("explanation")
    return claims.values(*fields)


def latest_claims(*, limit: int, with_explanation: bool = False) -> list[ListedClaim]:
    """The newest public fact-checks (the home page, the feeds): one statement."""
    rows = listed_claims(with_explanation=with_explanation).order_by(*NEWEST_FIRST)[:limit]
    return [listed_claim(row) for row in rows]


@dataclass(frozen=True)
class ListedClaim:
    """A published (or retracted) fact-check in a list."""

    id: int
    text: str
    claimant: str
    verdict: str
    verdict_label: str
    retracted: bool
    language: str  # the quote's
    review_language: str  # our text's and explanation's
    published_at: datetime | None
    updated_at: datetime
    path: str  # the canonical page, public.links.claim_path
    tags: tuple[str, ...]
    snippet: SafeString | None  # the matched passage, words in <mark>, when the list is a search's
    rank: float | None
    explanation: str  # "" unless read (the feeds)


def listed_claim(row: dict) -> ListedClaim:
    """The row builder: a dict of listed_claims (and of a search's rank and snippet_source) as a ListedClaim."""
    marked = search.snippet(row.get("snippet_source"))
    return ListedClaim(
        id=row["id"],
        text=row["text"],
        claimant=row["claimant"],
        verdict=row["verdict"],
        verdict_label=str(Verdict(row["verdict"]).label),
        retracted=row["status"] == ClaimStatus.RETRACTED,
        language=row["language"],
        review_language=row["review_language"] or settings.FACTCHECK_REVIEW_LANGUAGE,
        published_at=row["published_at"],
        updated_at=row["updated_at"],
        path=claim_path(row["id"], row["text"]),
        tags=tuple(sorted(row.get("tag_names") or ())),
        # snippet() escapes everything but its own <mark> tags (claims.search.snippet).
        snippet=mark_safe(marked) if marked else None,
        rank=row.get("rank"),
        explanation=row.get("explanation") or "",
    )


# --- The archive's filters: the API's FilterSet, narrowed to what readers filter by ---------------------------------

ARCHIVE_FILTERS = ("q", "verdict", "tag", "language", "claimant", "published_after", "published_before")


class ArchiveFilterSet(ClaimFilterSet):
    """ClaimFilterSet (the API's q, verdict, tag, language and claimant, as the API reads them) with the publication
    date, newest publication first, and none of the reviewers' filters (status, source health, attention)."""

    published_after = filtersets.DayFilter(field_name="published_at", edge="after")
    published_before = filtersets.DayFilter(field_name="published_at", edge="before")

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        # The API orders by id; readers want the newest publication first, after relevance when searching.
        ranked = bool(self.form.cleaned_data.get("q"))
        return queryset.order_by(*(("-rank", *NEWEST_FIRST) if ranked else NEWEST_FIRST))


ArchiveFilterSet.base_filters = {name: ArchiveFilterSet.base_filters[name] for name in ARCHIVE_FILTERS}


def archive_rows(*, filters) -> QuerySet:
    """Public fact-checks filtered and searched as the API does, newest publication first (relevance first with
    ``q``), as dicts for listed_claim; unevaluated, for the keyset pager. A bad filter is a ValidationError naming
    it."""
    params = {name: filters[name] for name in ARCHIVE_FILTERS if filters.get(name)}
    return filtersets.filtered(ArchiveFilterSet, params, listed_claims())


# --- Tags for the home page ---------------------------------------------------------------------------------------

# Tags of the given claims weighted by each claim's reads; public claims only (a claim read while published and then
# sent back to review must not name its tags).
_TAGS_BY_READS_SQL = f"""
SELECT t.name, SUM(r.reads)::bigint AS weight
  FROM unnest(%s::bigint[], %s::bigint[]) AS r(claim_id, reads)
  JOIN claims_claim c ON c.id = r.claim_id AND {public_status_sql("c.status")}
  JOIN claims_claim_tags ct ON ct.claim_id = c.id
  JOIN claims_tag t ON t.id = ct.tag_id
 GROUP BY t.name
 ORDER BY weight DESC, t.name
 LIMIT %s"""

# Tags of the latest public claims, by how many of them carry each: the home page's tags before any read is counted.
_TAGS_OF_LATEST_SQL = f"""
SELECT t.name, COUNT(*) AS weight
  FROM (SELECT c.id FROM claims_claim c WHERE {public_status_sql("c.status")}
         ORDER BY c.published_at DESC, c.id DESC LIMIT %s) AS latest
  JOIN claims_claim_tags ct ON ct.claim_id = latest.id
  JOIN claims_tag t ON t.id = ct.tag_id
 GROUP BY t.name
 ORDER BY weight DESC, t.name
 LIMIT %s"""

RECENT_CLAIMS_FOR_TAGS = 200


def tags_by_reads(reads: dict[int, int], *, limit: int) -> list[str]:
    """Tag names of the read claims (claim id -> reads), most read first: one statement."""
    if not reads:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_TAGS_BY_READS_SQL, [list(reads), list(reads.values()), limit])
        return [name for name, _weight in cursor.fetchall()]


def tags_of_latest(*, limit: int, claims: int = RECENT_CLAIMS_FOR_TAGS) -> list[str]:
    """Tag names of the latest ``claims`` public fact-checks, the most carried first: one statement."""
    with connection.cursor() as cursor:
        cursor.execute(_TAGS_OF_LATEST_SQL, [claims, limit])
        return [name for name, _weight in cursor.fetchall()]


# --- The sitemap: claim pages by id range ---------------------------------------------------------------------------


def last_public_claim_id() -> int:
    """The highest id of a public claim (0 with none): how many id ranges the sitemap index lists."""
    return public_claims().order_by("-id").values_list("id", flat=True).first() or 0


def claims_in_id_range(*, after: int, up_to: int) -> list[ListedClaim]:
    """Public fact-checks with ``after < id <= up_to``, by id: a sitemap page, read by the (status, id) index with no
    OFFSET at any depth."""
    rows = listed_claims(with_tags=False).filter(id__gt=after, id__lte=up_to).order_by("id")
    return [listed_claim(row) for row in rows]
