"""The filter backend of views whose selectors apply the FilterSet themselves."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend


class SchemaOnlyFilterBackend(DjangoFilterBackend):
    """Describes the view's FilterSet in the OpenAPI schema; the selectors apply it (views stay thin)."""

    def filter_queryset(self, request, queryset, view):
        return queryset
