from rest_framework import serializers

from sources.models import LinkCheck, Source


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "domain",
            "title",
            "publisher",
            "health",
            "last_checked_at",
            "last_outcome",
            "last_status",
            "final_url",
            "consecutive_failures",
            "first_failure_at",
            "archive_url",
            "archived_at",
            "created_at",
        ]


class LinkCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = LinkCheck
        fields = ["id", "checked_at", "outcome", "http_status", "final_url", "elapsed_ms", "error"]
