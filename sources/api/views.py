"""Sources, their link checks and their captures. Sources cited only by unpublished claims are hidden like those
claims; captures are the reviewers' own (for anyone else those endpoints do not exist: 404, as a claim's notes).

Visibility is a claims rule, so these views read through claims.seam, the one module of claims that sources uses.
"""

import functools

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from claims import seam
from factcheck.api.filters import SchemaOnlyFilterBackend
from factcheck.api.rows import SerializerRows
from factcheck.filtersets import filtered
from sources.models import Source
from sources.selectors import source_captures
from sources.services import sources_capture_now

from .filters import SourceFilterSet
from .serializers import CaptureNowSerializer, CaptureSerializer, LinkCheckSerializer, SourceSerializer


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

    # --- captures (reviewers only) ------------------------------------------------------------------------------

    def _reviewers_source(self, pk) -> Source:
        if not seam.user_sees_captures(self.request.user):
            raise Http404
        return self._source(pk)

    @extend_schema(
        summary="The source's captures, newest first (reviewers)",
        description="Each capture's time, why it was taken, how it went (`failure` and the reason in words), the "
        "body's SHA-256 and the bytes stored; a capture whose body another one of this source already holds stores "
        "none and names it in `duplicate_of`.",
        responses={200: CaptureSerializer(many=True), 404: OpenApiResponse(description="Not a reviewer.")},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], serializer_class=CaptureSerializer)
    def captures(self, request, pk=None):
        source = self._reviewers_source(pk)
        page = self.paginate_queryset(source_captures(source_id=source.pk))
        return self.get_paginated_response(CaptureSerializer(page, many=True).data)

    @extend_schema(
        summary="Capture the source now (reviewers)",
        description="Fetches the page through the link checker's guard and politeness and keeps it as a WARC, "
        "while you wait: 201 with the capture, failed or not (a failure says why). 202 if it went to the "
        "captures queue instead, 503 if the queue could not take it. Taken whether or not scheduled captures are "
        "on (CAPTURE_ENABLED).",
        request=None,
        responses={
            201: CaptureSerializer,
            202: CaptureNowSerializer,
            503: OpenApiResponse(description="The task queue is unavailable; try again in a while."),
        },
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def capture(self, request, pk=None):
        source = self._reviewers_source(pk)
        done = sources_capture_now(source_ids=[source.pk])
        if done.taken:
            return Response(CaptureSerializer(done.taken[0]).data, status=status.HTTP_201_CREATED)
        if done.queued:
            return Response({"queued": done.queued, "detail": done.queued_words()}, status=status.HTTP_202_ACCEPTED)
        if done.not_queued:
            return Response({"detail": done.not_queued_words()}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        raise Http404  # the source was deleted meanwhile
