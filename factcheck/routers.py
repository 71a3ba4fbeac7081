"""Reads that may be a little stale go to a read replica; everything else to the primary ("default").

Routers do not see the request, so `factcheck.middleware.ReadReplicaMiddleware` puts a `RequestRoute` in a
context variable for each request. A request's reads go to a replica only when all of these hold:

- there is a replica (DATABASE_REPLICA_URLS),
- the method is safe (GET, HEAD, OPTIONS) and the path is under the API (lists, details, exports, feeds),
- the caller is not a reviewer: anonymous users and researchers, whose view is published claims only,
- the path is not one of a user's own rows (PRIMARY_PATHS: their webhook subscriptions), which they have just
  written and expect to read back at once, whatever a replica's lag.

Reviewers read from the primary, so they always see what they just saved. Writes always go to the primary, and
so does everything outside a request (Celery tasks, management commands, the admin). The user is found out on
the primary the first time a query is routed (session or token, by the API's own authenticators), and only when
the request carries credentials: an anonymous request costs no extra query.
"""

from __future__ import annotations

import random
from contextvars import ContextVar

from django.conf import settings

PRIMARY = "default"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_PREFIX = "/api/"
PRIMARY_PATHS = ("/api/v1/webhooks/",)

_route: ContextVar[RequestRoute | None] = ContextVar("factcheck_db_route", default=None)


def replicas() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", []))


class RequestRoute:
    """The database one request reads from, decided on the first query that asks."""

    def __init__(self, request) -> None:
        self.request = request
        self.alias: str | None = None

    def read_alias(self) -> str:
        if self.alias is None:
            self.alias = PRIMARY  # the queries that find out who is asking go to the primary
            self.alias = self._choose()
        return self.alias

    def _choose(self) -> str:
        pool = replicas()
        request = self.request
        if not pool or request.method not in SAFE_METHODS or not request.path.startswith(API_PREFIX):
            return PRIMARY
        if request.path.startswith(PRIMARY_PATHS):
            return PRIMARY
        if _is_reviewer(request):
            return PRIMARY
        return random.choice(pool)  # spreading load, not security


def _has_credentials(request) -> bool:
    return bool(request.META.get("HTTP_AUTHORIZATION") or request.COOKIES.get(settings.SESSION_COOKIE_NAME))


def _is_reviewer(request) -> bool:
    if not _has_credentials(request):
        return False
    from rest_framework.exceptions import APIException
    from rest_framework.request import Request
    from rest_framework.settings import api_settings

    from claims.selectors.visibility import user_sees_drafts

    # The API's own authenticators (token, session), so whatever the API accepts decides here too. Safe methods
    # only, so session authentication's CSRF check does not apply.
    drf_request = Request(request, authenticators=[cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES])
    try:
        user = drf_request.user
    except APIException:  # a bad token: the API refuses it itself, from the primary
        return True
    return user_sees_drafts(user)  # they see drafts: read what they just saved


def route_request(request) -> None:
    _route.set(RequestRoute(request))


def route_clear() -> None:
    _route.set(None)


class PrimaryReplicaRouter:
    """Primary for writes and for anything outside a routed request; a replica for public API reads."""

    def db_for_read(self, model, **hints):
        route = _route.get()
        if route is None:
            return PRIMARY
        return route.read_alias()

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        pool = {PRIMARY, *replicas()}
        if obj1._state.db in pool and obj2._state.db in pool:
            return True  # the same data: a replica is a copy of the primary
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db in replicas():
            return False  # replicas get the schema by replication
        return None
