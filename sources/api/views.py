"""Sources and their link checks. Sources cited only by unpublished claims are hidden like those claims.

Visibility is a claims rule, so these views read through claims.seam, the one module of claims that sources uses.
"""

import functools

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action

from claims import seam
from factcheck.api.filters import SchemaOnlyFilterBackend
from factcheck.api.rows import SerializerRows
from factcheck.filtersets import filtered
from sources.models import Source

from .filters import SourceFilterSet
from .serializers import LinkCheckSerializer, SourceSerializer


@functools.cache
def _source_rows() -> SerializerRows:
    return SerializerRows(SourceSerializer)


@extend_schema_view(
    list=extend_schema(summary="Sources cited by claims, filter by health and domain"),
    retrieve=extend_schema(summary="One source and the health of its link"),
)
class SourceViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet
    filter_backends = [SchemaOnlyFilterBackend]
    lookup_value_regex = r"\d+"
    queryset = Source.objects.none()  # for the schema

    def get_queryset(self):
        visible = seam.source_list(user=self.request.user)
        if self.action != "list":
            return visible
        return filtered(SourceFilterSet, self.request.query_params, visible)

    def list(self, request, *args, **kwargs):
        # Plain values shaped as SourceSerializer would: no model instance or serializer per source.
        shape = _source_rows()
        rows = self.paginate_queryset(self.get_queryset().values(*shape.sources))
        return self.get_paginated_response(shape.data(rows))

    def _source(self, pk) -> Source:
        try:
            return seam.source_get(source_id=int(pk), user=self.request.user)
        except Source.DoesNotExist as exc:
            raise Http404 from exc

    def get_object(self):
        return self._source(self.kwargs["pk"])

    @extend_schema(
        summary="The source's link checks, newest first", responses=LinkCheckSerializer(many=True), filters=False
    )
    @action(detail=True, methods=["get"], filter_backends=[], serializer_class=LinkCheckSerializer)
    def checks(self, request, pk=None):
        checks = seam.source_checks(source=self._source(pk))
        page = self.paginate_queryset(checks)
        context = {"detailed": seam.user_sees_check_details(request.user)}
        return self.get_paginated_response(LinkCheckSerializer(page, many=True, context=context).data)
