from rest_framework import serializers

from sources.choices import check_error_shown, check_reason
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
    """``error`` is the checker's own text for reviewers (context ``detailed``), the reason in words for others;
    ``reason`` is the reason in words for everyone, in the request's language."""

    error = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField(
        help_text="Why the check failed, in words in the request's language (Accept-Language); empty on success. "
        "For people: match on `outcome`, whose values do not change."
    )

    class Meta:
        model = LinkCheck
        fields = ["id", "checked_at", "outcome", "http_status", "final_url", "elapsed_ms", "error", "reason"]

    def get_error(self, check: LinkCheck) -> str:
        detailed = self.context.get("detailed", False)
        return check_error_shown(outcome=check.outcome, error=check.error, detailed=detailed, failure=check.failure)

    def get_reason(self, check: LinkCheck) -> str:
        return check_reason(outcome=check.outcome, failure=check.failure, error=check.error)
