"""Request-level hardening that is not an app's: who the client is behind our proxies, the request size guard and
the API docs page under a CSP."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView

from .middleware import in_request_language

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# What a reverse proxy tells us about the client. Django reads X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER),
# client_ip reads X-Forwarded-For; the others we never read, and nobody downstream should either.
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_SSL",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)


def parse_address(text: str) -> IPAddress | None:
    """An IP address, IPv4-mapped IPv6 as its IPv4 form (a dual-stack socket reports ::ffff:a.b.c.d); None if
    `text` is not one."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=16)
def _parsed_networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def address_in(address: str | IPAddress | None, cidrs) -> bool:
    """Whether `address` lies in one of the networks `cidrs` (a setting: a list of CIDR strings)."""
    if isinstance(address, str):
        address = parse_address(address)
    if address is None:
        return False
    return any(address in network for network in _parsed_networks(tuple(cidrs)))


def from_trusted_proxy(request) -> bool:
    """Whether the peer that sent `request` is one of our reverse proxies (TRUSTED_PROXY_NETWORKS)."""
    return address_in(request.META.get("REMOTE_ADDR", ""), settings.TRUSTED_PROXY_NETWORKS)


def client_ip(request) -> str:
    """The client's address, for the throttle, the login lockout and /healthz's details.

    The peer's (REMOTE_ADDR), unless the peer is one of our proxies and NUM_PROXIES says they set X-Forwarded-For.
    Then, reading from the right (each proxy of ours sets or appends the address it saw, a client may put anything
    before that), the first of the last NUM_PROXIES entries that is not a proxy of ours. A client that reaches
    gunicorn directly, from anywhere else, cannot name an address to dodge the limits.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    if not settings.NUM_PROXIES or not from_trusted_proxy(request):
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-settings.NUM_PROXIES :]
    addresses = [parse_address(hop) for hop in hops]
    if None in addresses:
        return remote  # our proxies write addresses only: this header is not theirs
    for address in reversed(addresses):
        if not address_in(address, settings.TRUSTED_PROXY_NETWORKS):
            return str(address)
    return str(addresses[0])


class ForwardedHeadersMiddleware:
    """Drops X-Forwarded-* (and Forwarded, X-Real-IP) from a peer that is not one of our proxies, first of all, so
    neither Django's https detection (SECURE_PROXY_SSL_HEADER) nor anything else can be told a client's story."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not from_trusted_proxy(request):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)


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
            with in_request_language(request):
                detail = _("Send the request body with a Content-Length header; chunked bodies are not read.")
            return JsonResponse({"detail": detail}, status=411)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            with in_request_language(request):
                detail = _("The Content-Length header is not a number.")
            return JsonResponse({"detail": detail}, status=400)
        is_upload = request.content_type == "multipart/form-data"
        limit = settings.REQUEST_MAX_UPLOAD_BYTES if is_upload else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            with in_request_language(request):
                if is_upload:
                    detail = _("The request body is %(length)s bytes; an upload may be at most %(limit)s bytes.")
                else:
                    detail = _("The request body is %(length)s bytes; a request body may be at most %(limit)s bytes.")
                detail %= {"length": f"{length:,}", "limit": f"{limit:,}"}
            return JsonResponse({"detail": detail}, status=413)
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
