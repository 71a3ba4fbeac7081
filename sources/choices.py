from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _

from factcheck.colours import NOTHING_YET, ColouredChoices, Swatch


# Each health with its colour (the admin's labels and charts), as the verdicts have theirs.
class Health(ColouredChoices):
    UNKNOWN = "unknown", NOTHING_YET, _("Unknown")
    OK = "ok", Swatch("#15803d"), _("OK")
    FAILING = "failing", Swatch("#b45309"), _("Failing")
    DEAD = "dead", Swatch("#b91c1c"), _("Dead")


class Outcome(models.TextChoices):
    OK = "ok", _("OK")
    REDIRECTED = "redirected", _("Redirected (permanent)")
    NOT_FOUND = "not_found", _("Not found")
    RESTRICTED = "restricted", _("Restricted (paywall or bot wall)")
    CLIENT_ERROR = "client_error", _("Client error")
    SERVER_ERROR = "server_error", _("Server error")
    RATE_LIMITED = "rate_limited", _("Rate limited")
    TIMEOUT = "timeout", _("Timeout")
    DNS_ERROR = "dns_error", _("DNS error")
    CONNECTION_ERROR = "connection_error", _("Connection error")
    TLS_ERROR = "tls_error", _("TLS error")
    TOO_MANY_REDIRECTS = "too_many_redirects", _("Too many redirects")
    REDIRECT_LOOP = "redirect_loop", _("Redirect loop")
    BLOCKED = "blocked", _("Blocked (address not allowed)")
    INVALID_URL = "invalid_url", _("Invalid url")


# Outcomes that say nothing about whether the source itself is alive: they never move it toward dead.
NEUTRAL_OUTCOMES = frozenset({Outcome.RATE_LIMITED, Outcome.RESTRICTED, Outcome.BLOCKED})
SUCCESS_OUTCOMES = frozenset({Outcome.OK, Outcome.REDIRECTED})


class Failure(models.TextChoices):
    """Why a check did not find a readable page, in words a reviewer understands: the label is the sentence shown
    wherever a check's reason is (admin, API, import errors). The fetcher picks the kind from the exception or the
    answer (sources.fetch.failure_of_exception); its own text (``LinkCheck.error``, e.g. ``gaierror: [Errno -2]
    Name or service not known``) is kept beside it for diagnosis. The words never name a host or an address, so
    they may be shown to anyone."""

    UNREADABLE = "unreadable", _("the page answered, but its text could not be read")
    NOT_FOUND = "not_found", _("the page is not there")
    RESTRICTED = "restricted", _("access is restricted: a paywall or a bot wall")
    CLIENT_ERROR = "client_error", _("the server turned the request down")
    SERVER_ERROR = "server_error", _("the server had an error")
    NO_LOCATION = "no_location", _("the server redirected without saying where to")
    RATE_LIMITED = "rate_limited", _("the server asked us to slow down")
    CONNECT_TIMEOUT = "connect_timeout", _("the connection timed out")
    READ_TIMEOUT = "read_timeout", _("the server stopped answering")
    DEADLINE = "deadline", _("no complete answer in the time allowed")
    DNS = "dns", _("the name does not resolve")
    DNS_UNAVAILABLE = "dns_unavailable", _("the name could not be looked up (the name server did not answer)")
    REFUSED = "refused", _("the server refused the connection")
    RESET = "reset", _("the server closed the connection")
    UNREACHABLE = "unreachable", _("the server cannot be reached (no route to it)")
    CONNECTION = "connection", _("the connection failed")
    BAD_RESPONSE = "bad_response", _("the server's answer was broken")
    CERTIFICATE = "certificate", _("the certificate is not valid")
    TLS = "tls", _("the secure connection (TLS) failed")
    TOO_MANY_REDIRECTS = "too_many_redirects", _("too many redirects")
    REDIRECT_LOOP = "redirect_loop", _("the redirects go round in a loop")
    BAD_REDIRECT = "bad_redirect", _("a redirect leads to an unusable url")
    BLOCKED = "blocked", _("blocked: the address is on a private network")
    INVALID_URL = "invalid_url", _("not a usable url")
    # Only a capture fails so: the checker reads the first LINKCHECK_MAX_BODY_BYTES of a page and judges those.
    TOO_LARGE = "too_large", _("the page is larger than the most we keep")


# The failure an outcome stands for when nothing finer is known: checks recorded before failures were, and the
# outcomes an HTTP status decides. Success outcomes fail only when their page could not be read.
OUTCOME_FAILURES = {
    Outcome.OK: Failure.UNREADABLE,
    Outcome.REDIRECTED: Failure.UNREADABLE,
    Outcome.NOT_FOUND: Failure.NOT_FOUND,
    Outcome.RESTRICTED: Failure.RESTRICTED,
    Outcome.CLIENT_ERROR: Failure.CLIENT_ERROR,
    Outcome.SERVER_ERROR: Failure.SERVER_ERROR,
    Outcome.RATE_LIMITED: Failure.RATE_LIMITED,
    Outcome.TIMEOUT: Failure.DEADLINE,
    Outcome.DNS_ERROR: Failure.DNS,
    Outcome.CONNECTION_ERROR: Failure.CONNECTION,
    Outcome.TLS_ERROR: Failure.TLS,
    Outcome.TOO_MANY_REDIRECTS: Failure.TOO_MANY_REDIRECTS,
    Outcome.REDIRECT_LOOP: Failure.REDIRECT_LOOP,
    Outcome.BLOCKED: Failure.BLOCKED,
    Outcome.INVALID_URL: Failure.INVALID_URL,
}


def check_failure(*, outcome: str, failure: str = "", error: str = "") -> Failure | None:
    """Why a check failed (None when it did not): the kind the fetcher recorded, else the one its outcome stands
    for. A success outcome failed only if it carries an error (its body could not be read)."""
    if failure in Failure.values:
        return Failure(failure)
    if outcome in SUCCESS_OUTCOMES and not error:
        return None
    return OUTCOME_FAILURES.get(outcome, Failure.CONNECTION if error else None)


def check_reason(*, outcome: str, failure: str = "", error: str = "") -> str:
    """The reason of a check in words, in the active language ("" when it succeeded)."""
    kind = check_failure(outcome=outcome, failure=failure, error=error)
    return str(kind.label) if kind is not None else ""


def check_error_shown(*, outcome: str, error: str, detailed: bool, failure: str = "") -> str:
    """A check's error as a reader sees it: the checker's own text when ``detailed`` (reviewers; it names the hosts
    and addresses it resolved or connected to, so no one else reads it: a cited page that redirects to `postgres`
    would learn its address), else its reason in words ("" when there was no error)."""
    if not error or detailed:
        return error
    return check_reason(outcome=outcome, failure=failure, error=error) or str(_("the check failed"))


class CaptureStatus(models.TextChoices):
    OK = "ok", _("OK")
    FAILED = "failed", _("Failed")


class CaptureReason(models.TextChoices):
    """Why a capture was taken."""

    CITED = "cited", _("Cited")  # evidence was added (or pointed at another source)
    DRIFT = "drift", _("Excerpt went missing")  # the checker no longer found an excerpt on the page
    SCHEDULED = "scheduled", _("Scheduled")  # the monthly recapture of sources public claims cite
    ON_DEMAND = "on_demand", _("On demand")  # a reviewer asked


class OutcomeGroup(NamedTuple):
    key: str
    label: str
    colour: str
    outcomes: frozenset[str]


# Outcomes in the charts, in groups a reader can tell apart (fifteen colours would not be): green for a live page,
# grey for results that say nothing about it. Every outcome is in exactly one group (tests/test_colours.py).
OUTCOME_GROUPS = (
    OutcomeGroup("ok", _("OK"), Health.OK.colour, frozenset({Outcome.OK})),
    OutcomeGroup("redirected", _("Redirected"), "#65a30d", frozenset({Outcome.REDIRECTED})),
    OutcomeGroup("neutral", _("Rate limited, restricted or blocked"), "#9ca3af", NEUTRAL_OUTCOMES),
    OutcomeGroup("not_found", _("Not found"), "#b91c1c", frozenset({Outcome.NOT_FOUND})),
    OutcomeGroup("server_error", _("Server error"), "#ea580c", frozenset({Outcome.SERVER_ERROR})),
    OutcomeGroup("timeout", _("Timeout"), "#d97706", frozenset({Outcome.TIMEOUT})),
    OutcomeGroup(
        "network",
        _("DNS, connection or TLS error"),
        "#7e22ce",
        frozenset({Outcome.DNS_ERROR, Outcome.CONNECTION_ERROR, Outcome.TLS_ERROR}),
    ),
    OutcomeGroup(
        "other",
        _("Other failure"),
        "#475569",
        frozenset({Outcome.CLIENT_ERROR, Outcome.TOO_MANY_REDIRECTS, Outcome.REDIRECT_LOOP, Outcome.INVALID_URL}),
    ),
)
_GROUP_OF = {outcome: group for group in OUTCOME_GROUPS for outcome in group.outcomes}


def outcome_group(outcome: str) -> OutcomeGroup:
    """The chart group an outcome belongs to ("other" for a value no group names)."""
    return _GROUP_OF.get(outcome, OUTCOME_GROUPS[-1])
