from rest_framework import serializers

from sources.choices import check_error_shown, check_reason
from sources.models import LINK_HEALTH_FIELDS, Capture, LinkCheck, Source


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


class CaptureSerializer(serializers.ModelSerializer):
    """A capture as reviewers list it: when, why, how it went (the reason in words, and the fetcher's own text), the
    body's hash and the bytes stored (0 when it shares the file of ``duplicate_of``, the capture with the same body)."""

    failure_reason = serializers.SerializerMethodField(
        help_text="Why the capture failed, in words in the request's language; empty when it succeeded. "
        "For programs: match on `failure`, whose values do not change."
    )

    class Meta:
        model = Capture
        fields = [
            "id",
            "source",
            "evidence",
            "fetched_at",
            "reason",
            "status",
            "failure",
            "failure_reason",
            "error",
            "url",
            "final_url",
            "http_status",
            "content_type",
            "sha256",
            "size",
            "duplicate_of",
        ]

    def get_failure_reason(self, capture: Capture) -> str:
        return str(capture.get_failure_display()) if capture.failure else ""


class CaptureNowSerializer(serializers.Serializer):
    """What POST .../capture/ did when the capture went to the worker instead of being taken at once."""

    queued = serializers.IntegerField(help_text="Captures sent to the captures queue.")
    detail = serializers.CharField()
