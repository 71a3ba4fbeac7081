"""GET /api/v1/claims/{id}/similar/: claims that look like this one, best first (claims.similarity).

Mounted in claims/api/urls.py. Visibility is the API's: the claim itself is a 404 to whoever may not see it
(claim_get), and only claims the user may see are candidates (claims_visible).
"""

import math

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.models import Claim
from claims.selectors.claims import claim_get
from claims.selectors.visibility import claims_visible
from claims.similarity import claim_similar_list

MAX_LIMIT = 50


class SimilarClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="claim.pk")
    text = serializers.CharField(source="claim.text")
    verdict = serializers.CharField(source="claim.verdict")
    score = serializers.FloatField()


class SimilarClaimsView(APIView):
    @extend_schema(
        summary="Claims that look like this one (same language or not), best first, with a 0..1 score",
        parameters=[
            OpenApiParameter(
                "limit", int, description=f"How many (default {settings.SIMILAR_CLAIMS_LIMIT}, at most {MAX_LIMIT})."
            ),
            OpenApiParameter("min_score", float, description="Lowest score returned (default: the suggest threshold)."),
        ],
        responses={
            200: inline_serializer(
                "SimilarClaims",
                fields={
                    "results": SimilarClaimSerializer(many=True),
                    "suggest_threshold": serializers.FloatField(),
                    "link_threshold": serializers.FloatField(),
                },
            )
        },
    )
    def get(self, request, pk: int):
        try:
            claim = claim_get(claim_id=pk, user=request.user)
        except Claim.DoesNotExist as exc:
            raise Http404 from exc
        limit = _number(request.query_params.get("limit"), int, "limit", settings.SIMILAR_CLAIMS_LIMIT)
        threshold = _number(
            request.query_params.get("min_score"), float, "min_score", settings.SIMILAR_CLAIMS_SUGGEST_THRESHOLD
        )
        similar = claim_similar_list(
            claim=claim,
            queryset=claims_visible(user=request.user),
            threshold=threshold,
            limit=max(1, min(limit, MAX_LIMIT)),
        )
        return Response(
            {
                "results": SimilarClaimSerializer(similar, many=True).data,
                "suggest_threshold": settings.SIMILAR_CLAIMS_SUGGEST_THRESHOLD,
                "link_threshold": settings.SIMILAR_CLAIMS_LINK_THRESHOLD,
            }
        )


def _number(raw, kind, name, default):
    if raw in (None, ""):
        return default
    try:
        number = kind(raw)
    except (ValueError, OverflowError) as exc:
        raise serializers.ValidationError({name: [_("“%(value)s” is not a number.") % {"value": raw}]}) from exc
    if not math.isfinite(number):
        raise serializers.ValidationError({name: [_("“%(value)s” is not a finite number.") % {"value": raw}]})
    return number
