from django.db import models


class Health(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    OK = "ok", "OK"
    FAILING = "failing", "Failing"
    DEAD = "dead", "Dead"


class Outcome(models.TextChoices):
    OK = "ok", "OK"
    REDIRECTED = "redirected", "Redirected (permanent)"
    NOT_FOUND = "not_found", "Not found"
    RESTRICTED = "restricted", "Restricted (paywall or bot wall)"
    CLIENT_ERROR = "client_error", "Client error"
    SERVER_ERROR = "server_error", "Server error"
    RATE_LIMITED = "rate_limited", "Rate limited"
    TIMEOUT = "timeout", "Timeout"
    DNS_ERROR = "dns_error", "DNS error"
    CONNECTION_ERROR = "connection_error", "Connection error"
    TLS_ERROR = "tls_error", "TLS error"
    TOO_MANY_REDIRECTS = "too_many_redirects", "Too many redirects"
    REDIRECT_LOOP = "redirect_loop", "Redirect loop"
    BLOCKED = "blocked", "Blocked (address not allowed)"
    INVALID_URL = "invalid_url", "Invalid url"


# Outcomes that say nothing about whether the source itself is alive: they never move it toward dead.
NEUTRAL_OUTCOMES = frozenset({Outcome.RATE_LIMITED, Outcome.RESTRICTED, Outcome.BLOCKED})
SUCCESS_OUTCOMES = frozenset({Outcome.OK, Outcome.REDIRECTED})
