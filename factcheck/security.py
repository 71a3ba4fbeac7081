"""Request-level hardening that is not an app's: the request size guard and the API docs page under a CSP."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView


def client_ip(request) -> str:
    """The client's address, for throttling and the login lockout.

    X-Forwarded-For is trusted only as far as NUM_PROXIES reverse proxies of ours append to it: with none (the
    default) it is ignored, so a client cannot name any address it likes and dodge the limits.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not settings.NUM_PROXIES or not forwarded:
        return remote
    addresses = [address.strip() for address in forwarded.split(",")]
    return addresses[-min(settings.NUM_PROXIES, len(addresses))] or remote


class RequestSizeLimitMiddleware:
    """413, with a message, for a body larger than the limits, before anything reads it.

    Django checks DATA_UPLOAD_MAX_MEMORY_SIZE only when it reads a form body itself; DRF parses JSON from the
    stream, so without this a 20 MB JSON body would be read and parsed in full.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower() and not request.META.get(
            "CONTENT_LENGTH"
        ):
            # Django reads a body only as far as Content-Length says, so a chunked one would arrive empty and fail
            # with a misleading "field required": say what is wrong instead.
            return JsonResponse(
                {"detail": "Send the request body with a Content-Length header; chunked bodies are not read."},
                status=411,
            )
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "The Content-Length header is not a number."}, status=400)
        is_upload = request.content_type == "multipart/form-data"
        limit = settings.REQUEST_MAX_UPLOAD_BYTES if is_upload else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            what = "an upload" if is_upload else "a request body"
            return JsonResponse(
                {"detail": f"The request body is {length:,} bytes; {what} may be at most {limit:,} bytes."}, status=413
            )
        return self.get_response(request)


class SwaggerDocsView(SpectacularSwaggerSplitView):
    """Swagger UI from the sidecar's static files, its initialiser a separate script, under API_DOCS_CSP."""

    template_name = "factcheck/swagger_ui.html"
    # OPTIONS would be rendered by the HTML template renderer without a template (a 500): a page needs GET only.
    http_method_names = ["get", "head"]

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = settings.API_DOCS_CSP
        return response
