"""GET /claims/{id}/evidence.wacz: the claim's evidence bundle (sources.bundle), for reviewers; for anyone else it does
not exist (404), as the claim's notes and review do not."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.selectors.captures import claim_citations
from factcheck.api.concurrency import HeldStream, export_slot
from factcheck.api.renderers import JSONRenderer
from sources.bundle import WACZ_MEDIA_TYPE, bundle_fingerprint, wacz_stream

from .review import reviewer_claim
from .views import IgnoreFormatNegotiation


def bundle_etag(claim_id: int, fingerprint: str) -> str:
    return f'"wacz-{claim_id}-{fingerprint[:32]}"'


class ClaimEvidenceBundleView(APIView):
    renderer_classes = [JSONRenderer]  # errors; the bundle itself is streamed as it is written
    content_negotiation_class = IgnoreFormatNegotiation  # a client asking for application/wacz gets it, not a 406

    @extend_schema(
        summary="The claim's evidence bundle: a WACZ of the latest capture of each source it cites, with the "
        "excerpt receipts (reviewers)",
        description=(
            "A WACZ 1.1.1 file (replay it in ReplayWeb.page or pywb): each source's latest successful capture as "
            "its WARC, a CDXJ index, pages.jsonl, receipts/excerpts.json (each excerpt, and whether the capture's "
            "text holds it, with the capture's SHA-256, time and url) and datapackage.json with every file's "
            "SHA-256. The same captures and excerpts make the same file; send If-None-Match with its ETag to skip "
            "an unchanged download. 404 for anyone but reviewers, and when no source of the claim has a capture "
            "yet (the detail says so). Counts as one of your exports while it downloads."
        ),
        parameters=[
            OpenApiParameter(
                "If-None-Match", str, OpenApiParameter.HEADER, required=False, description="The ETag of a bundle."
            )
        ],
        responses={
            (200, WACZ_MEDIA_TYPE): OpenApiTypes.BINARY,
            304: OpenApiResponse(description="Unchanged since the ETag sent."),
            404: OpenApiResponse(description="No such claim, not a reviewer, or no capture of its sources yet."),
            429: OpenApiResponse(description="Too many exports at once; see Retry-After."),
        },
    )
    def get(self, request, claim_id: int):
        claim = reviewer_claim(request, claim_id)
        citations = claim_citations(claim_id=claim.pk)
        if not any(citation.capture is not None for citation in citations):
            # An empty WACZ replays nothing and could pass for evidence; say what is missing instead.
            raise NotFound(
                _(
                    "None of this claim's sources has a capture yet, so there is no evidence bundle to make. Ask for "
                    "one with POST /api/v1/sources/{id}/capture/, or wait for the capture taken at citation."
                )
            )
        title = _("Evidence for claim %(id)s") % {"id": claim.pk}
        description = Truncator(claim.text).chars(500)
        etag = bundle_etag(claim.pk, bundle_fingerprint(citations, title=title, description=description))
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        slot = export_slot(request)  # last: a refused or bad request holds none
        response = StreamingHttpResponse(
            HeldStream(wacz_stream(citations, title=title, description=description), slot),
            content_type=WACZ_MEDIA_TYPE,
        )
        response["ETag"] = etag
        response["Content-Disposition"] = f'attachment; filename="claim-{claim.pk}-evidence.wacz"'
        response["X-Accel-Buffering"] = "no"
        return response
