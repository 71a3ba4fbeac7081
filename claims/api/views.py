"""Claims, articles, evidence, history, ClaimReview and the streamed export. Thin: selectors read, services write."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, StreamingHttpResponse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import services
from claims.filters import ClaimFilterSet, StrictBooleanField
from claims.models import Article, Claim, Evidence
from claims.selectors import articles as article_selectors
from claims.selectors import claimreview as claimreview_selectors
from claims.selectors import claims as claim_selectors
from claims.selectors.history import claim_history
from claims.selectors.review import claim_notes
from claims.selectors.visibility import user_sees_drafts
from factcheck.api.concurrency import HeldStream, export_slot
from factcheck.api.filters import SchemaOnlyFilterBackend
from factcheck.api.pagination import KeysetPagination
from factcheck.api.renderers import JSONRenderer

from . import claimreview
from .export import EXPORT_FORMATS, export_pieces
from .review import (
    ClaimNoteSerializer,
    ClaimNoteWriteSerializer,
    RequestChangesSerializer,
    SecondReviewSerializer,
    reviewer_claim,
    second_review_data,
)
from .serializers import (
    ArticleDetailSerializer,
    ArticleSerializer,
    ClaimDetailRows,
    ClaimDetailSerializer,
    ClaimRows,
    ClaimSerializer,
    ClaimWriteSerializer,
    EvidenceSerializer,
    EvidenceWriteSerializer,
    ExternalReviewWithRawSerializer,
    HistoryEntrySerializer,
    claim_api_url_prefix,
)

_ETAG = re.compile(r'(?:W/)?"claim-(\d+)-v(\d+)"')


def claim_etag(row: dict) -> str:
    """The ETag of a row of claim_selectors.claim_detail_row: the claim's id and version."""
    return f'"claim-{row["id"]}-v{row["version"]}"'


class JSONLDRenderer(JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


def _get_or_404(fn, **kwargs):
    try:
        return fn(**kwargs)
    except (Claim.DoesNotExist, Article.DoesNotExist, Evidence.DoesNotExist) as exc:
        raise Http404 from exc


@extend_schema_view(
    list=extend_schema(summary="Claims, filtered and searched, newest first (relevance first with q)"),
    retrieve=extend_schema(summary="One claim with its article and evidence; sends an ETag"),
    create=extend_schema(
        summary="Create a claim (reviewers)", request=ClaimWriteSerializer, responses={201: ClaimDetailSerializer}
    ),
    partial_update=extend_schema(
        summary="Change a claim (reviewers); If-Match with a stale ETag is refused with 412",
        request=ClaimWriteSerializer,
        parameters=[
            OpenApiParameter(
                "If-Match",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="The ETag of the claim as last read.",
            )
        ],
        responses={200: ClaimDetailSerializer, 412: OpenApiResponse(description="The claim changed since.")},
    ),
)
class ClaimViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilterSet
    filter_backends = [SchemaOnlyFilterBackend]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    write_permissions = {"POST": ["claims.add_claim"], "PATCH": ["claims.change_claim"]}
    queryset = Claim.objects.none()  # for the schema; every action reads through a selector

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return ClaimWriteSerializer
        if self.action == "retrieve":
            return ClaimDetailSerializer
        return ClaimSerializer

    def list(self, request, *args, **kwargs):
        # Plain values shaped as ClaimSerializer would (ClaimRows): no model instance or serializer per claim.
        rows = self.paginate_queryset(claim_selectors.claim_list_rows(filters=request.query_params, user=request.user))
        claim_selectors.with_snippets(rows, filters=request.query_params)
        return self.get_paginated_response(ClaimRows(request).data(rows))

    def _detail(self, claim_id: int, *, status_code: int = status.HTTP_200_OK) -> Response:
        row = _get_or_404(claim_selectors.claim_detail_row, claim_id=claim_id, user=self.request.user)
        data = ClaimDetailRows(self.request).detail(row)
        return Response(data, status=status_code, headers={"ETag": claim_etag(row)})

    def retrieve(self, request, *args, **kwargs):
        # Plain values shaped as ClaimDetailSerializer would (ClaimDetailRows), read in one query on PostgreSQL.
        row = _get_or_404(claim_selectors.claim_detail_row, claim_id=int(kwargs["pk"]), user=request.user)
        etag = claim_etag(row)
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(ClaimDetailRows(request).detail(row), headers={"ETag": etag})

    def create(self, request, *args, **kwargs):
        serializer = ClaimWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        text = data.pop("text")
        # A new claim cannot be published yet (it has no evidence), so nothing of it is public to correct.
        for name in ("correction_note", "minor_edit"):
            data.pop(name, None)
        claim = services.claim_create(user=request.user, text=text, **data)
        response = self._detail(claim.pk, status_code=status.HTTP_201_CREATED)
        response["Location"] = f"{claim_api_url_prefix(request)}{claim.pk}/"
        return response

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return Response(
                {"detail": gettext("Use PATCH with the fields to change.")}, status=status.HTTP_405_METHOD_NOT_ALLOWED
            )
        claim_id = int(kwargs["pk"])
        _get_or_404(claim_selectors.claim_get, claim_id=claim_id, user=request.user)
        expected = self._expected_version(claim_id)
        serializer = ClaimWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        note, minor = data.pop("correction_note", ""), data.pop("minor_edit", False)
        try:
            services.claim_update(
                claim_id=claim_id,
                user=request.user,
                data=data,
                expected_version=expected,
                correction_note=note,
                minor_edit=minor,
            )
        except services.VersionConflict as conflict:
            return Response({"detail": " ".join(conflict.messages)}, status=status.HTTP_412_PRECONDITION_FAILED)
        return self._detail(claim_id)

    def _expected_version(self, claim_id: int) -> int | None:
        header = self.request.headers.get("If-Match")
        if not header or header.strip() == "*":
            return None
        for claim, version in _ETAG.findall(header):
            if int(claim) == claim_id:
                return int(version)
        # An ETag of something else cannot match this claim: a version no claim has makes the service refuse.
        return 0

    @extend_schema(
        summary="The claim's verdict, explanation and status changes, newest first",
        responses=HistoryEntrySerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        claim = _get_or_404(claim_selectors.claim_get, claim_id=int(pk), user=request.user)
        records = claim_history(claim=claim, user=request.user)
        page = self.paginate_queryset(records)
        context = {**self.get_serializer_context(), "show_who": user_sees_drafts(request.user)}
        return self.get_paginated_response(HistoryEntrySerializer(page, many=True, context=context).data)

    # --- second review and notes (reviewers only; claims.api.review) ------------------------------------------

    @extend_schema(
        summary="The claim's second review: who last changed the verdict or explanation, the approval that stands, "
        "changes requested (reviewers)",
        responses={200: SecondReviewSerializer, 404: OpenApiResponse(description="No such claim, or not a reviewer.")},
        filters=False,
    )
    @action(detail=True, methods=["get"], url_path="second-review", filter_backends=[], pagination_class=None)
    def second_review(self, request, pk=None):
        claim = reviewer_claim(request, int(pk))
        return Response(second_review_data(services.claim_second_review(claim)))

    @extend_schema(
        summary="Approve the claim's verdict and explanation for publishing (a reviewer other than their last author)",
        description=(
            "With FACTCHECK_REQUIRE_SECOND_REVIEW on (the default), a claim is published only once a reviewer other "
            "than the one who last changed its verdict or explanation approves it; a later change of either voids "
            "the approval. Send If-Match with the ETag you read to approve only what you read (412 otherwise). "
            "Approving again what you already approved changes nothing."
        ),
        request=None,
        parameters=[
            OpenApiParameter(
                "If-Match", str, OpenApiParameter.HEADER, required=False, description="The ETag of the claim as read."
            )
        ],
        responses={
            200: SecondReviewSerializer,
            400: OpenApiResponse(description="You last changed the verdict or explanation, or nothing to approve."),
            412: OpenApiResponse(description="The claim changed since."),
        },
        filters=False,
    )
    @action(
        detail=True,
        methods=["post"],
        filter_backends=[],
        pagination_class=None,
        write_permissions={"POST": ["claims.change_claim"]},
    )
    def approve(self, request, pk=None):
        claim = reviewer_claim(request, int(pk))
        try:
            review, _approved = services.claim_approve(
                claim_id=claim.pk, user=request.user, expected_version=self._expected_version(claim.pk)
            )
        except services.VersionConflict as conflict:
            return Response({"detail": " ".join(conflict.messages)}, status=status.HTTP_412_PRECONDITION_FAILED)
        return Response(second_review_data(review))

    @extend_schema(
        summary="Request changes: the claim goes (back) to review with a note its author sees (reviewers)",
        description="Only before publishing. The note joins the claim's internal notes; no approval stands until "
        "someone approves again.",
        request=RequestChangesSerializer,
        parameters=[
            OpenApiParameter(
                "If-Match", str, OpenApiParameter.HEADER, required=False, description="The ETag of the claim as read."
            )
        ],
        responses={200: SecondReviewSerializer, 412: OpenApiResponse(description="The claim changed since.")},
        filters=False,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="request-changes",
        filter_backends=[],
        pagination_class=None,
        write_permissions={"POST": ["claims.change_claim"]},
    )
    def request_changes(self, request, pk=None):
        claim = reviewer_claim(request, int(pk))
        serializer = RequestChangesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            review = services.claim_request_changes(
                claim_id=claim.pk,
                user=request.user,
                note=serializer.validated_data["note"],
                expected_version=self._expected_version(claim.pk),
            )
        except services.VersionConflict as conflict:
            return Response({"detail": " ".join(conflict.messages)}, status=status.HTTP_412_PRECONDITION_FAILED)
        return Response(second_review_data(review))

    @extend_schema(
        methods=["GET"],
        summary="The claim's internal notes, newest last (reviewers; never public)",
        responses={200: ClaimNoteSerializer(many=True), 404: OpenApiResponse(description="Not a reviewer.")},
        filters=False,
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a note to the claim's internal discussion (reviewers)",
        request=ClaimNoteWriteSerializer,
        responses={201: ClaimNoteSerializer},
        filters=False,
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filter_backends=[],
        pagination_class=None,
        write_permissions={"POST": ["claims.change_claim"]},
    )
    def notes(self, request, pk=None):
        claim = reviewer_claim(request, int(pk))
        if request.method == "POST":
            serializer = ClaimNoteWriteSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            note = services.claim_note_add(claim_id=claim.pk, user=request.user, text=serializer.validated_data["text"])
            note = claim_notes(claim_id=claim.pk, user=request.user).get(pk=note.pk)
            return Response(ClaimNoteSerializer(note).data, status=status.HTTP_201_CREATED)
        return Response(ClaimNoteSerializer(claim_notes(claim_id=claim.pk, user=request.user), many=True).data)

    @extend_schema(
        summary="Other fact-checkers' reviews of the claim, as their ClaimReview gave them (with its JSON-LD)",
        responses=ExternalReviewWithRawSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def reviews(self, request, pk=None):
        reviews = _get_or_404(claim_selectors.external_reviews_of_claim, claim_id=int(pk), user=request.user)
        return Response(ExternalReviewWithRawSerializer(reviews, many=True).data)

    @extend_schema(
        summary="schema.org ClaimReview (JSON-LD) of a published claim",
        responses={(200, "application/ld+json"): OpenApiTypes.OBJECT},
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[JSONLDRenderer, JSONRenderer],
        filter_backends=[],
        pagination_class=None,
    )
    def claimreview(self, request, pk=None):
        row = _get_or_404(claimreview_selectors.claimreview_row, claim_id=int(pk))
        return Response(claimreview.claim_review_of_row(row, claimreview.claim_page_prefix(request)))

    @extend_schema(
        summary="Cite a source for the claim (reviewers)",
        request=EvidenceWriteSerializer,
        responses={201: EvidenceSerializer},
        filters=False,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="evidence",
        filter_backends=[],
        write_permissions={"POST": ["claims.add_evidence"]},
    )
    def evidence(self, request, pk=None):
        claim = _get_or_404(claim_selectors.claim_get, claim_id=int(pk), user=request.user)
        serializer = EvidenceWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        evidence = services.evidence_add(claim=claim, user=request.user, **serializer.validated_data)
        evidence = Evidence.objects.select_related("source").get(pk=evidence.pk)
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)


class EvidenceDetailView(APIView):
    """DELETE /claims/{id}/evidence/{evidence_id}/: remove a citation (a published claim keeps one)."""

    write_permissions = {"DELETE": ["claims.delete_evidence"]}
    http_method_names = ["get", "delete", "head", "options"]

    def _evidence(self, request, claim_id: int, evidence_id: int) -> Evidence:
        claim = _get_or_404(claim_selectors.claim_get, claim_id=claim_id, user=request.user)
        return _get_or_404(Evidence.objects.select_related("source").get, pk=evidence_id, claim=claim)

    @extend_schema(summary="One piece of evidence", responses=EvidenceSerializer)
    def get(self, request, claim_id: int, evidence_id: int):
        return Response(EvidenceSerializer(self._evidence(request, claim_id, evidence_id)).data)

    @extend_schema(summary="Remove a piece of evidence (reviewers)", responses={204: None})
    def delete(self, request, claim_id: int, evidence_id: int):
        services.evidence_remove(evidence=self._evidence(request, claim_id, evidence_id), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClaimReviewFeedView(APIView):
    """Our published reviews as a schema.org DataFeed of ClaimReview items, newest first, paginated by the API's
    cursors; the neighbouring pages are in the Link header, since the body holds schema.org terms only."""

    renderer_classes = [JSONLDRenderer, JSONRenderer]
    pagination_class = KeysetPagination

    @extend_schema(
        summary="Our published reviews as a schema.org DataFeed of ClaimReview (JSON-LD)",
        parameters=[
            OpenApiParameter("cursor", str, description="Position from the `next` or `prev` link of the Link header."),
            OpenApiParameter("page_size", int, description="Items per page (capped at 200)."),
            OpenApiParameter(
                "Link",
                str,
                OpenApiParameter.HEADER,
                response=[200],
                description='RFC 8288 links to the neighbouring pages: `<url>; rel="next"`, `<url>; rel="prev"` '
                "(absent on a lone page).",
            ),
        ],
        responses={(200, "application/ld+json"): OpenApiTypes.OBJECT},
    )
    def get(self, request):
        paginator = KeysetPagination()
        rows = paginator.paginate_queryset(claimreview_selectors.claimreview_rows(), request, view=self)
        feed = claimreview.data_feed(rows, page_prefix=claimreview.claim_page_prefix(request))
        links = paginator.link_header()
        return Response(feed, headers={"Link": links} if links else None)


@extend_schema_view(
    list=extend_schema(summary="Articles (with at least one claim you may see)"),
    retrieve=extend_schema(summary="One article with its claims"),
)
class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ArticleSerializer
    lookup_value_regex = r"\d+"
    queryset = Article.objects.none()  # for the schema

    def get_queryset(self):
        return article_selectors.article_list(user=self.request.user)

    def retrieve(self, request, *args, **kwargs):
        article = _get_or_404(article_selectors.article_get, article_id=int(kwargs["pk"]), user=request.user)
        return Response(ArticleDetailSerializer(article, context=self.get_serializer_context()).data)

    def get_serializer_class(self):
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleSerializer


class IgnoreFormatNegotiation(BaseContentNegotiation):
    """Errors are JSON; `?format=` names the export format here, not DRF's renderer override."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None


class ClaimExportView(APIView):
    """Every claim that matches the filters, streamed row by row over a server-side cursor (flat memory).

    The most expensive call anyone may make: a client runs at most API_EXPORT_CONCURRENCY_PER_CLIENT at once, a web
    process API_EXPORT_CONCURRENCY (factcheck.api.concurrency), each held until its stream ends or is closed.
    """

    renderer_classes = [JSONRenderer]
    content_negotiation_class = IgnoreFormatNegotiation
    filterset_class = ClaimFilterSet
    filter_backends = [SchemaOnlyFilterBackend]
    queryset = Claim.objects.none()

    @extend_schema(
        summary="Export claims as CSV (with a header row) or NDJSON, streamed; same filters as the list",
        description=(
            "CSV is for spreadsheets: a text cell that would start a formula (= + - @, their full-width forms, a "
            "leading tab or carriage return) is written with a leading `'`; `tags` is a JSON array. NDJSON is "
            "exact. A client may run a few exports at once; beyond that, 429 with Retry-After."
        ),
        parameters=[
            OpenApiParameter("format", str, enum=list(EXPORT_FORMATS), default="csv", description="csv or ndjson."),
            OpenApiParameter(
                "bom",
                bool,
                default=False,
                description="CSV only: start with a UTF-8 byte order mark, so Excel reads Chinese text correctly.",
            ),
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/x-ndjson"): OpenApiTypes.STR,
            429: OpenApiResponse(description="Too many exports at once, or too many requests; see Retry-After."),
        },
    )
    def get(self, request):
        name, bom = _export_options(request.query_params)
        try:
            rows = claim_selectors.claim_export(
                filters=request.query_params, user=request.user, chunk_size=settings.API_EXPORT_CHUNK_SIZE
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        slot = export_slot(request)  # last: a refused or bad request holds none
        content_type = EXPORT_FORMATS[name][0]
        response = StreamingHttpResponse(
            HeldStream(export_pieces(name, rows, bom=bom), slot), content_type=content_type
        )
        response["Content-Disposition"] = f'attachment; filename="claims.{name}"'
        response["X-Accel-Buffering"] = "no"
        return response


def _export_options(params) -> tuple[str, bool]:
    """The export's format and whether to start with a byte order mark, or a 400 naming the parameter."""
    name = params.get("format", "csv")
    if name not in EXPORT_FORMATS:
        message = gettext("“%(value)s” is not an export format; use csv or ndjson.") % {"value": name}
        raise ValidationError({"format": [message]})
    try:
        bom = bool(StrictBooleanField(required=False).clean(params.get("bom")))
    except DjangoValidationError as exc:
        raise ValidationError({"bom": exc.messages}) from exc
    if bom and name != "csv":
        raise ValidationError({"bom": [gettext("A byte order mark is for CSV only; NDJSON is plain UTF-8.")]})
    return name, bom
