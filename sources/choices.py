from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _

from factcheck.colours import NOTHING_YET, ColouredChoices, Swatch


# Each health with its colour (the admin's labels and charts), as the verdicts have theirs.
class Health(ColouredChoices):
    UNKNOWN = "unknown", NOTHING_YET, "Unknown"
    OK = "ok", Swatch("#15803d"), "OK"
    FAILING = "failing", Swatch("#b45309"), "Failing"
    DEAD = "dead", Swatch("#b91c1c"), "Dead"


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


# What a check's `error` says to the public: its outcome in words, never the checker's own text, which names the
# hosts and addresses it resolved or connected to (a cited page that redirects to `postgres` would learn its
# address). Reviewers see the text itself (sources.api.serializers). Success outcomes carry an error only when the
# body could not be read.
PUBLIC_CHECK_ERRORS = {
    Outcome.OK: _("the page could not be read"),
    Outcome.REDIRECTED: _("the page could not be read"),
    Outcome.NOT_FOUND: _("not found"),
    Outcome.RESTRICTED: _("restricted: paywall or bot wall"),
    Outcome.CLIENT_ERROR: _("client error"),
    Outcome.SERVER_ERROR: _("server error"),
    Outcome.RATE_LIMITED: _("rate limited"),
    Outcome.TIMEOUT: _("timed out"),
    Outcome.DNS_ERROR: _("the host name could not be resolved"),
    Outcome.CONNECTION_ERROR: _("the connection failed"),
    Outcome.TLS_ERROR: _("TLS error"),
    Outcome.TOO_MANY_REDIRECTS: _("too many redirects"),
    Outcome.REDIRECT_LOOP: _("redirect loop"),
    Outcome.BLOCKED: _("blocked: not a public address"),
    Outcome.INVALID_URL: _("not a usable url"),
}


def check_error_shown(*, outcome: str, error: str, detailed: bool) -> str:
    """A check's error as a reader sees it: the checker's text when ``detailed`` (reviewers), else the outcome's
    public words ("" when there was no error)."""
    if not error or detailed:
        return error
    return str(PUBLIC_CHECK_ERRORS.get(outcome, _("the check failed")))


# Outcomes that say nothing about whether the source itself is alive: they never move it toward dead.
NEUTRAL_OUTCOMES = frozenset({Outcome.RATE_LIMITED, Outcome.RESTRICTED, Outcome.BLOCKED})
SUCCESS_OUTCOMES = frozenset({Outcome.OK, Outcome.REDIRECTED})


class OutcomeGroup(NamedTuple):
    key: str
    label: str
    colour: str
    outcomes: frozenset[str]


# Outcomes in the charts, in groups a reader can tell apart (fifteen colours would not be): green for a live page,
# grey for results that say nothing about it. Every outcome is in exactly one group (tests/test_colours.py).
OUTCOME_GROUPS = (
    OutcomeGroup("ok", "OK", Health.OK.colour, frozenset({Outcome.OK})),
    OutcomeGroup("redirected", "Redirected", "#65a30d", frozenset({Outcome.REDIRECTED})),
    OutcomeGroup("neutral", "Rate limited, restricted or blocked", "#9ca3af", NEUTRAL_OUTCOMES),
    OutcomeGroup("not_found", "Not found", "#b91c1c", frozenset({Outcome.NOT_FOUND})),
    OutcomeGroup("server_error", "Server error", "#ea580c", frozenset({Outcome.SERVER_ERROR})),
    OutcomeGroup("timeout", "Timeout", "#d97706", frozenset({Outcome.TIMEOUT})),
    OutcomeGroup(
        "network",
        "DNS, connection or TLS error",
        "#7e22ce",
        frozenset({Outcome.DNS_ERROR, Outcome.CONNECTION_ERROR, Outcome.TLS_ERROR}),
    ),
    OutcomeGroup(
        "other",
        "Other failure",
        "#475569",
        frozenset({Outcome.CLIENT_ERROR, Outcome.TOO_MANY_REDIRECTS, Outcome.REDIRECT_LOOP, Outcome.INVALID_URL}),
    ),
)
_GROUP_OF = {outcome: group for group in OUTCOME_GROUPS for outcome in group.outcomes}


def outcome_group(outcome: str) -> OutcomeGroup:
    """The chart group an outcome belongs to ("other" for a value no group names)."""
    return _GROUP_OF.get(outcome, OUTCOME_GROUPS[-1])
