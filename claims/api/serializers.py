"""Shapes of claims, evidence, articles and history in the API. Reads only what the selectors prefetched."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from claims.choices import ClaimStatus, Stance
from claims.models import Article, Claim, Evidence
from claims.validators import harden_serializer_fields
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
        fields = ["id", "stance", "excerpt", "excerpt_status", "note", "source", "created_at"]


class ClaimSerializer(serializers.ModelSerializer):
    """A claim as lists show it."""

    api_url = serializers.SerializerMethodField()
    retracted = serializers.SerializerMethodField(help_text="True when the fact-check was withdrawn.")
    article = ArticleRefSerializer(read_only=True, allow_null=True)
    tags = serializers.SerializerMethodField()
    rank = serializers.SerializerMethodField(help_text="Relevance to `q` (PostgreSQL only), else null.")
    needs_attention = serializers.SerializerMethodField(
        help_text="Every cited source is dead with no archived copy: nothing left backs the verdict."
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "api_url",
            "text",
            "quote",
            "claimant",
            "language",
            "value",
            "unit",
            "verdict",
            "status",
            "retracted",
            "article",
            "tags",
            "reviewed_at",
            "published_at",
            "created_at",
            "updated_at",
            "version",
            "needs_recheck",
            "needs_attention",
            "rank",
        ]

    def get_api_url(self, claim: Claim) -> str:
        path = reverse("api-claim-detail", kwargs={"pk": claim.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_retracted(self, claim: Claim) -> bool:
        return claim.status == ClaimStatus.RETRACTED

    def get_tags(self, claim: Claim) -> list[str]:
        return sorted(t.name for t in claim.tags.all())

    def get_needs_attention(self, claim: Claim) -> bool:
        if hasattr(claim, "needs_attention"):  # annotated by the selectors
            return claim.needs_attention
        from claims.selectors import claims_needing_attention

        return claims_needing_attention(Claim.objects.filter(pk=claim.pk)).exists()

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_rank(self, claim: Claim) -> float | None:
        return getattr(claim, "rank", None)


class ClaimDetailSerializer(ClaimSerializer):
    reviewer = serializers.SerializerMethodField()
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta(ClaimSerializer.Meta):
        fields = [
            *(f for f in ClaimSerializer.Meta.fields if f != "rank"),
            "explanation",
            "reviewer",
            "recheck_after",
            "original_rating",
            "evidence",
        ]

    def get_reviewer(self, claim: Claim) -> str | None:
        if claim.reviewer is None:
            return None
        return claim.reviewer.get_full_name() or claim.reviewer.get_username()


class HardenedTextMixin:
    """Text fields refuse control characters and have the lengths of claims.validators (a 400 naming the field)."""

    def get_fields(self):
        fields = super().get_fields()
        harden_serializer_fields(fields)
        return fields


class ClaimWriteSerializer(HardenedTextMixin, serializers.ModelSerializer):
    """What reviewers may set. The services validate transitions and the publishing rule."""

    article = serializers.PrimaryKeyRelatedField(queryset=Article.objects.only("id"), allow_null=True, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False)

    class Meta:
        model = Claim
        fields = [
            "text",
            "quote",
            "language",
            "claimant",
            "article",
            "value",
            "unit",
            "verdict",
            "explanation",
            "status",
            "recheck_after",
            "original_rating",
            "tags",
        ]


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
        from claims.selectors import HISTORY_FIELDS

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
