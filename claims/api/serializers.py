"""Shapes of claims, evidence, articles and history in the API. Reads only what the selectors prefetched."""

from __future__ import annotations

import functools

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from claims.choices import ClaimStatus, Stance
from claims.models import CLAIM_EDITABLE_FIELDS, Appearance, Article, Claim, Evidence, ExternalReview
from claims.search.snippet import snippet
from claims.selectors.claims import (
    CLAIM_DETAIL_COLUMNS,
    CLAIM_LIST_COLUMNS,
    EVIDENCE_COLUMNS,
    EXTERNAL_REVIEW_COLUMNS,
    EXTERNAL_REVIEW_DECIMALS,
)
from claims.selectors.visibility import user_sees_assignment
from claims.validators import (
    TAG_MAX_LENGTH,
    TAGS_MAX_PER_CLAIM,
    harden_serializer_fields,
    validate_tag_count,
    validate_tag_name,
)
from factcheck.api.rows import datetime_representation
from sources.choices import Health
from sources.urlnorm import normalize_url


class ArticleRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = ["id", "url", "title"]


class EvidenceSourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    title = serializers.CharField()
    health = serializers.ChoiceField(choices=Health.choices)
    last_checked_at = serializers.DateTimeField(allow_null=True)
    archive_url = serializers.URLField(allow_blank=True)
    archived_at = serializers.DateTimeField(allow_null=True)


class EvidenceSerializer(serializers.ModelSerializer):
    source = EvidenceSourceSerializer(read_only=True)

    class Meta:
        model = Evidence
        fields = list(EVIDENCE_COLUMNS)


class ExternalReviewSerializer(serializers.ModelSerializer):
    """Another desk's review of the claim, as its ClaimReview gave it (the claim detail's ``external_reviews``)."""

    class Meta:
        model = ExternalReview
        fields = list(EXTERNAL_REVIEW_COLUMNS)


class AppearanceSerializer(serializers.ModelSerializer):
    """A further place the claim was made, with its url (the claim detail's ``appearances``)."""

    class Meta:
        model = Appearance
        fields = ["url", "appeared_at"]


class ExternalReviewWithRawSerializer(ExternalReviewSerializer):
    """The same with the item's JSON-LD as received (the claim's reviews/)."""

    class Meta(ExternalReviewSerializer.Meta):
        fields = [*EXTERNAL_REVIEW_COLUMNS, "raw"]


class ClaimSerializer(serializers.ModelSerializer):
    """A claim as lists show it."""

    api_url = serializers.SerializerMethodField()
    retracted = serializers.SerializerMethodField(help_text="True when the fact-check was withdrawn.")
    article = ArticleRefSerializer(read_only=True, allow_null=True)
    tags = serializers.SerializerMethodField()
    rank = serializers.SerializerMethodField(help_text="Relevance to `q` when it is given, else null.")
    snippet = serializers.SerializerMethodField(
        help_text="With `q`: the best passage of quote or text, HTML-escaped, matched words in <mark>…</mark>; "
        "else null."
    )
    needs_attention = serializers.SerializerMethodField(
        help_text="Every cited source is dead with no archived copy: nothing left backs the verdict."
    )

    class Meta:
        model = Claim
        fields = list(CLAIM_LIST_COLUMNS)

    def get_api_url(self, claim: Claim) -> str:
        # reverse() and build_absolute_uri() once per serializer (a list shares one child), not once per claim.
        prefix = self.__dict__.get("_api_url_prefix")
        if prefix is None:
            prefix = self._api_url_prefix = claim_api_url_prefix(self.context.get("request"))
        return f"{prefix}{claim.pk}/"

    def get_retracted(self, claim: Claim) -> bool:
        return claim.status == ClaimStatus.RETRACTED

    def get_tags(self, claim: Claim) -> list[str]:
        return sorted(t.name for t in claim.tags.all())

    def get_needs_attention(self, claim: Claim) -> bool:
        return claim.needs_attention  # annotated by the selectors (claims.selectors.attention)

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_rank(self, claim: Claim) -> float | None:
        return getattr(claim, "rank", None)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_snippet(self, claim: Claim) -> str | None:
        return snippet(getattr(claim, "snippet_source", None))


def claim_api_url_prefix(request) -> str:
    """The claim's api_url without its id and the final slash: "https://host/api/v1/claims/"."""
    path = reverse("api-claim-list")
    return request.build_absolute_uri(path) if request else path


@functools.cache
def _claim_field_representations():
    """ClaimSerializer's to_representation of ``value``, and its datetime fields (built once: they keep no state)."""
    fields = ClaimSerializer().fields
    return fields["value"].to_representation, {name: fields[name] for name in ClaimRows.DATETIMES}


@functools.lru_cache(maxsize=8)
def _datetime_representations(zone) -> dict:
    """ClaimRows' datetime representers in this (the current) time zone, built once per zone."""
    _, fields = _claim_field_representations()
    return {name: datetime_representation(field) for name, field in fields.items()}


class ClaimRows:
    """ClaimSerializer's output for rows of claim_list_rows (claims.selectors.claims), without a serializer per row.

    The same keys in the same order and the same values: the value and the datetimes go through ClaimSerializer's
    own fields; tests/api/test_claims_list.py compares the two.
    """

    DATETIMES = ("reviewed_at", "published_at", "created_at", "updated_at")

    def __init__(self, request):
        self.prefix = claim_api_url_prefix(request)
        self.value, fields = _claim_field_representations()
        self.datetime = _datetime_representations(timezone.get_current_timezone())

    def data(self, rows: list[dict]) -> list[dict]:
        return [self.one(row) for row in rows]

    def one(self, row: dict) -> dict:
        pk, value, article_id = row["id"], row["value"], row["article_id"]
        reviewed_at, published_at, created_at, updated_at = (row[name] for name in self.DATETIMES)
        represent = self.datetime
        return {
            "id": pk,
            "api_url": f"{self.prefix}{pk}/",
            "text": row["text"],
            "quote": row["quote"],
            "claimant": row["claimant"],
            "language": row["language"],
            "value": None if value is None else self.value(value),
            "unit": row["unit"],
            "verdict": row["verdict"],
            "status": row["status"],
            "retracted": row["status"] == ClaimStatus.RETRACTED.value,
            "article": None
            if article_id is None
            else {"id": article_id, "url": row["article_url"], "title": row["article_title"]},
            "tags": sorted(row["tag_names"]),
            "reviewed_at": None if reviewed_at is None else represent["reviewed_at"](reviewed_at),
            "published_at": None if published_at is None else represent["published_at"](published_at),
            "created_at": None if created_at is None else represent["created_at"](created_at),
            "updated_at": None if updated_at is None else represent["updated_at"](updated_at),
            "version": row["version"],
            "needs_recheck": row["needs_recheck"],
            "needs_attention": row["needs_attention"],
            "rank": row.get("rank"),
            "snippet": snippet(row.get("snippet_source")),
        }


def _user_name(username: str | None, first: str | None, last: str | None) -> str | None:
    """User.get_full_name(), else the username; None for no user."""
    if username is None:
        return None
    return f"{first or ''} {last or ''}".strip() or username


# The claim detail's due_at: one field for the serializer and the row builder alike.
DUE_AT_FIELD = serializers.DateTimeField(allow_null=True, read_only=True)


@functools.cache
def _detail_field_representations():
    """ClaimDetailSerializer's representation of recheck_after and claimed_at, and EvidenceSerializer's of its
    datetimes."""
    return (
        ClaimDetailSerializer().fields["recheck_after"].to_representation,
        ClaimDetailSerializer().fields["claimed_at"],
        EvidenceSerializer().fields["created_at"],
        EvidenceSourceSerializer().fields["last_checked_at"],
        EvidenceSourceSerializer().fields["archived_at"],
        ExternalReviewSerializer().fields["reviewed_at"],
        AppearanceSerializer().fields["appeared_at"],
        DUE_AT_FIELD,
        {name: ExternalReviewSerializer().fields[name].to_representation for name in EXTERNAL_REVIEW_DECIMALS},
    )


@functools.lru_cache(maxsize=8)
def _detail_representations(zone) -> tuple:
    recheck_after, *fields, decimals = _detail_field_representations()
    return (recheck_after, *map(datetime_representation, fields), decimals)


class ClaimDetailRows(ClaimRows):
    """ClaimDetailSerializer's output for a row of claims.selectors.claims.claim_detail_row; tests compare the two."""

    def __init__(self, request):
        super().__init__(request)
        (
            self.recheck_after,
            self.claimed_at,
            self.evidence_created_at,
            self.last_checked_at,
            self.archived_at,
            self.review_reviewed_at,
            self.appeared_at,
            self.due_at,
            self.review_decimals,
        ) = _detail_representations(timezone.get_current_timezone())
        self.sees_assignment = user_sees_assignment(getattr(request, "user", None))

    def detail(self, row: dict) -> dict:
        evidence = [self._evidence(item) for item in row["evidence"]]
        out = self.one(row)
        del out["rank"], out["snippet"]
        recheck_after, claimed_at = row["recheck_after"], row["claimed_at"]
        assignee, due_at = None, None
        if self.sees_assignment:
            assignee = _user_name(row["assignee__username"], row["assignee__first_name"], row["assignee__last_name"])
            due_at = None if row["due_at"] is None else self.due_at(row["due_at"])
        out.update(
            {
                "explanation": row["explanation"],
                "review_language": row["review_language"],
                "claimed_at": None if claimed_at is None else self.claimed_at(claimed_at),
                "reviewer": _user_name(
                    row["reviewer__username"], row["reviewer__first_name"], row["reviewer__last_name"]
                ),
                "assignee": assignee,
                "due_at": due_at,
                "recheck_after": None if recheck_after is None else self.recheck_after(recheck_after),
                "original_rating": row["original_rating"],
                "evidence": evidence,
                "external_reviews": [self._external_review(item) for item in row["external_reviews"]],
                "appearances": [
                    {"url": url, "appeared_at": None if moment is None else self.appeared_at(moment)}
                    for url, moment in zip(row["appearance_urls"], row["appearance_dates"], strict=True)
                ],
            }
        )
        return out

    def _external_review(self, item: dict) -> dict:
        out = dict(item)
        for name, represent in self.review_decimals.items():
            out[name] = None if item[name] is None else represent(item[name])
        reviewed_at = item["reviewed_at"]
        out["reviewed_at"] = None if reviewed_at is None else self.review_reviewed_at(reviewed_at)
        return out

    def _evidence(self, item: dict) -> dict:
        source = item["source"]
        checked, archived = source["last_checked_at"], source["archived_at"]
        return {
            "id": item["id"],
            "stance": item["stance"],
            "excerpt": item["excerpt"],
            "excerpt_status": item["excerpt_status"],
            "note": item["note"],
            "source": {
                "id": source["id"],
                "url": source["url"],
                "title": source["title"],
                "health": source["health"],
                "last_checked_at": None if checked is None else self.last_checked_at(checked),
                "archive_url": source["archive_url"],
                "archived_at": None if archived is None else self.archived_at(archived),
            },
            "created_at": self.evidence_created_at(item["created_at"]),
        }


class ClaimDetailSerializer(ClaimSerializer):
    reviewer = serializers.SerializerMethodField()
    assignee = serializers.SerializerMethodField(
        help_text="Who the claim is assigned to (full name, else user name); shown to reviewers only, null for "
        "everyone else. Set in the admin (“Assign to…”)."
    )
    due_at = serializers.SerializerMethodField(
        help_text="When the assignee should be done; shown to reviewers only, null for everyone else."
    )
    evidence = EvidenceSerializer(many=True, read_only=True)
    external_reviews = ExternalReviewSerializer(many=True, read_only=True)
    appearances = serializers.SerializerMethodField(help_text="Further places the claim was made, with a url.")

    class Meta(ClaimSerializer.Meta):
        fields = list(CLAIM_DETAIL_COLUMNS)

    @extend_schema_field(AppearanceSerializer(many=True))
    def get_appearances(self, claim: Claim) -> list[dict]:
        return AppearanceSerializer(claim.appearances.exclude(url=""), many=True).data

    def get_reviewer(self, claim: Claim) -> str | None:
        if claim.reviewer is None:
            return None
        return claim.reviewer.get_full_name() or claim.reviewer.get_username()

    def _sees_assignment(self) -> bool:
        return user_sees_assignment(getattr(self.context.get("request"), "user", None))

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assignee(self, claim: Claim) -> str | None:
        if not self._sees_assignment() or claim.assignee_id is None:
            return None
        return claim.assignee.get_full_name() or claim.assignee.get_username()

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_due_at(self, claim: Claim) -> str | None:
        if not self._sees_assignment() or claim.due_at is None:
            return None
        return DUE_AT_FIELD.to_representation(claim.due_at)


class HardenedTextMixin:
    """Text fields refuse control characters and have the lengths of claims.validators (a 400 naming the field)."""

    def get_fields(self):
        fields = super().get_fields()
        harden_serializer_fields(fields)
        return fields


class TagsField(serializers.ListField):
    """Tag names, counted before each is checked: a body of 600,000 tags is refused at once, not tag by tag."""

    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.CharField(max_length=TAG_MAX_LENGTH, validators=[validate_tag_name]),
            max_length=TAGS_MAX_PER_CLAIM,
            **kwargs,
        )

    def to_internal_value(self, data):
        if isinstance(data, list):
            try:
                validate_tag_count(data)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.messages) from exc
        return super().to_internal_value(data)


class ClaimWriteSerializer(HardenedTextMixin, serializers.ModelSerializer):
    """What reviewers may set. The services validate transitions and the publishing rule."""

    article = serializers.PrimaryKeyRelatedField(queryset=Article.objects.only("id"), allow_null=True, required=False)
    tags = TagsField(required=False)
    # Not the claim's fields: what the public log says of this change (claims.corrections decides when it must).
    correction_note = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text=(
            "The public note of this change, shown on the claim's page and in the corrections log. Required when a "
            "published claim's verdict changes, when it is retracted or published again after a retraction (also "
            "through a re-review), and when its explanation changes unless `minor_edit` is true; ignored when "
            "readers see no change."
        ),
    )
    minor_edit = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text=(
            "Marks an explanation edit of a published claim as minor (a typo, a link): logged publicly as "
            "“updated”, no note needed. A verdict change is never minor."
        ),
    )

    class Meta:
        model = Claim
        fields = [*CLAIM_EDITABLE_FIELDS, "tags", "correction_note", "minor_edit"]


class EvidenceWriteSerializer(HardenedTextMixin, serializers.Serializer):
    url = serializers.CharField(max_length=2048, help_text="The source page; stored in canonical form.")
    stance = serializers.ChoiceField(choices=Stance.choices, default=Stance.SUPPORTS)
    excerpt = serializers.CharField(allow_blank=True, required=False, default="")
    note = serializers.CharField(allow_blank=True, required=False, default="")
    source_title = serializers.CharField(allow_blank=True, required=False, default="", max_length=500)
    publisher = serializers.CharField(allow_blank=True, required=False, default="", max_length=255)

    def validate_url(self, value: str) -> str:
        # The service normalises again; checking here names the field in the 400.
        try:
            return normalize_url(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


HistoryChangeSerializer = inline_serializer(
    "HistoryChange",
    many=True,
    fields={
        "field": serializers.CharField(),
        "from": serializers.CharField(allow_null=True),
        "to": serializers.CharField(),
    },
)


class HistoryEntrySerializer(serializers.Serializer):
    when = serializers.DateTimeField(source="history_date")
    changes = serializers.SerializerMethodField()
    who = serializers.SerializerMethodField(help_text="The user who made the change; shown to reviewers only.")

    @extend_schema_field(HistoryChangeSerializer)
    def get_changes(self, record) -> list[dict]:
        from claims.selectors.history import HISTORY_FIELDS

        changes = []
        for name in HISTORY_FIELDS:
            old = getattr(record, f"prev_{name}") if record.has_prev else None
            new = getattr(record, name)
            if not record.has_prev or old != new:
                changes.append({"field": name, "from": old, "to": new})
        return changes

    def get_who(self, record) -> str | None:
        if not self.context.get("show_who") or record.history_user_id is None:
            return None
        return record.history_user.get_username()


class ArticleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = ["id", "url", "title", "outlet", "author", "published_at", "language", "place", "created_at"]


class ArticleDetailSerializer(ArticleSerializer):
    claims = ClaimSerializer(many=True, read_only=True)

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "claims"]
