"""/api/v1/webhooks/: a user's own webhook subscriptions, with their token (or session). Thin: reads through
notifications.selectors (ownership is the rule: anyone else's subscription is a 404), writes through
notifications.services (every check on targets, events and filters)."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from notifications import selectors, services
from notifications.choices import DeliveryState
from notifications.models import WebhookSubscription

from .serializers import (
    DeliverySerializer,
    WebhookSubscriptionChangeSerializer,
    WebhookSubscriptionCreatedSerializer,
    WebhookSubscriptionSerializer,
    WebhookSubscriptionWriteSerializer,
    subscription_with_secret,
)

_NOT_YOURS = OpenApiResponse(description="No subscription of yours has this id.")
_REFUSED = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="The url, events or filters were refused; each field names why (a desk event asked for by a "
    "researcher, an address outside the public internet, ...).",
)


def _with_secret(data: dict, *, status_code: int, headers: dict | None = None) -> Response:
    """A response that carries a secret: never stored by a browser or a proxy."""
    response = Response(data, status=status_code, headers=headers)
    add_never_cache_headers(response)
    return response


@extend_schema_view(
    list=extend_schema(summary="Your webhook subscriptions, newest first"),
    retrieve=extend_schema(
        summary="One of your webhook subscriptions", responses={200: WebhookSubscriptionSerializer, 404: _NOT_YOURS}
    ),
    create=extend_schema(
        summary="Subscribe a url to events; the answer holds the secret, shown this once",
        request=WebhookSubscriptionWriteSerializer,
        responses={201: WebhookSubscriptionCreatedSerializer, 400: _REFUSED},
    ),
    partial_update=extend_schema(
        summary="Change a subscription's url, events or filters, or switch it off and on (on resumes a paused one)",
        request=WebhookSubscriptionChangeSerializer,
        responses={200: WebhookSubscriptionSerializer, 400: _REFUSED, 404: _NOT_YOURS},
    ),
    destroy=extend_schema(
        summary="Remove a subscription, with its deliveries and their log",
        responses={204: None, 404: _NOT_YOURS},
    ),
)
class WebhookViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    # Anyone with an account manages their own subscriptions: no model permission, ownership is the rule.
    permission_classes = [IsAuthenticated]
    serializer_class = WebhookSubscriptionSerializer
    filter_backends = []
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    queryset = WebhookSubscription.objects.none()  # for the schema; every action reads through a selector

    def _own(self, pk) -> WebhookSubscription:
        try:
            return selectors.subscription_owned(user=self.request.user, subscription_id=int(pk))
        except WebhookSubscription.DoesNotExist as exc:
            raise Http404 from exc

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(selectors.subscriptions_owned(user=request.user))
        return self.get_paginated_response(WebhookSubscriptionSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(WebhookSubscriptionSerializer(self._own(kwargs["pk"])).data)

    def create(self, request, *args, **kwargs):
        serializer = WebhookSubscriptionWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        made = services.webhook_subscribe(owner=request.user, **serializer.validated_data)
        location = request.build_absolute_uri(reverse("api-webhook-detail", args=[made.subscription.pk]))
        return _with_secret(
            subscription_with_secret(made.subscription, made.secret),
            status_code=status.HTTP_201_CREATED,
            headers={"Location": location},
        )

    def partial_update(self, request, *args, **kwargs):
        subscription = self._own(kwargs["pk"])
        serializer = WebhookSubscriptionChangeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            changed = services.webhook_change(subscription_id=subscription.pk, changes=serializer.validated_data)
        except WebhookSubscription.DoesNotExist as exc:  # removed meanwhile
            raise Http404 from exc
        return Response(WebhookSubscriptionSerializer(changed).data)

    def destroy(self, request, *args, **kwargs):
        services.webhook_unsubscribe(subscription=self._own(kwargs["pk"]))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="The subscription's deliveries, newest first: state, attempts, last answer",
        parameters=[
            OpenApiParameter(
                "state",
                str,
                OpenApiParameter.QUERY,
                required=False,
                enum=DeliveryState.values,
                description="Only these.",
            )
        ],
        responses={200: DeliverySerializer(many=True), 404: _NOT_YOURS},
    )
    @action(detail=True, methods=["get"], serializer_class=DeliverySerializer)
    def deliveries(self, request, pk=None):
        state = request.query_params.get("state") or None
        if state is not None and state not in DeliveryState.values:
            raise ValidationError(
                {"state": [_("Choose one of: %(states)s.") % {"states": ", ".join(DeliveryState.values)}]}
            )
        try:
            deliveries = selectors.subscription_deliveries(user=request.user, subscription_id=int(pk), state=state)
        except WebhookSubscription.DoesNotExist as exc:
            raise Http404 from exc
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(
        summary="A new secret for the subscription, shown this once; the old one stops signing at once",
        request=None,
        responses={200: WebhookSubscriptionCreatedSerializer, 404: _NOT_YOURS},
    )
    @action(
        detail=True, methods=["post"], url_path="rotate-secret", serializer_class=WebhookSubscriptionCreatedSerializer
    )
    def rotate_secret(self, request, pk=None):
        subscription = self._own(pk)
        try:
            rotated = services.webhook_secret_rotate(subscription_id=subscription.pk)
        except WebhookSubscription.DoesNotExist as exc:  # removed meanwhile
            raise Http404 from exc
        return _with_secret(
            subscription_with_secret(rotated.subscription, rotated.secret), status_code=status.HTTP_200_OK
        )
