from rest_framework import serializers

from sources.choices import check_error_shown
from sources.models import LINK_HEALTH_FIELDS, LinkCheck, Source


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "domain",
            "title",
            "publisher",
            *(name for name in LINK_HEALTH_FIELDS if name != "next_check_at"),
            "archive_url",
            "archived_at",
            "created_at",
        ]


class LinkCheckSerializer(serializers.ModelSerializer):
    """``error`` is the checker's own text for reviewers (context ``detailed``), the outcome in words for others."""

    error = serializers.SerializerMethodField()

    class Meta:
        model = LinkCheck
        fields = ["id", "checked_at", "outcome", "http_status", "final_url", "elapsed_ms", "error"]

    def get_error(self, check: LinkCheck) -> str:
        return check_error_shown(outcome=check.outcome, error=check.error, detailed=self.context.get("detailed", False))
