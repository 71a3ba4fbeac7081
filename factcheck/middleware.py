"""Middleware for running on several machines and through faults: /healthz, 503 on a lost database, replica routing."""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views import defaults

from . import routers
from .db import database_unreachable

logger = logging.getLogger("factcheck.faults")

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1>
<p>{text}</p>
</body></html>
"""


def in_request_language(request):
    """The language the request asks for (its cookie, else Accept-Language), for answers given before
    LocaleMiddleware has run, or after it when the view failed."""
    return translation.override(translation.get_language_from_request(request))


class HealthzMiddleware:
    """Answers /healthz before anything else: no host check (load balancers ask by address), no TLS redirect,
    no session, no throttle."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in ("/healthz", "/healthz/") and request.method in ("GET", "HEAD"):
            from .healthz import healthz

            return healthz(request)
        return self.get_response(request)


def database_unavailable(request, exc: BaseException) -> HttpResponse:
    """503 with Retry-After: JSON under /api/, a plain page elsewhere; a warning in the log, not a traceback."""
    logger.warning(
        "database unavailable during %s %s: %s",
        request.method,
        request.path,
        str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
    )
    retry_after = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
    with in_request_language(request):
        if request.path.startswith("/api/"):
            detail = _("The database is temporarily unavailable; nothing was saved. Try again in %(seconds)s seconds.")
            response = JsonResponse({"detail": detail % {"seconds": retry_after}}, status=503)
        else:
            page = _PAGE.format(
                lang=escape(translation.get_language()),
                title=escape(_("Temporarily unavailable")),
                text=escape(
                    _(
                        "The database is not answering right now. Nothing you sent was saved; please try again in a "
                        "few seconds."
                    )
                ),
            )
            response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = retry_after
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view that loses the database (PostgreSQL restarting, failing over) answers 503, not a 500 traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if database_unreachable(exception):
            return database_unavailable(request, exception)
        return None


def server_error(request, *args, **kwargs):
    """handler500: errors raised outside a view (e.g. saving the session) get the same 503 when the database
    is what failed."""
    exc = sys.exc_info()[1]
    if exc is not None and database_unreachable(exc):
        return database_unavailable(request, exc)
    return defaults.server_error(request, *args, **kwargs)


class ReadReplicaMiddleware:
    """Tells factcheck.routers which request is running. The route is cleared when the response is closed,
    after a streamed export has been sent (its queries run while it streams)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        routers.route_request(request)
        return self.get_response(request)


def _clear_route(**kwargs) -> None:
    routers.route_clear()


request_finished.connect(_clear_route, dispatch_uid="factcheck.routers.clear")
