"""Chart colours for link health and check outcomes (the admin's source timeline and the reviewers' dashboard)."""

from .choices import NEUTRAL_OUTCOMES, Outcome

# Chart colours: the health labels' colours (claims/static/claims/admin.css), and outcomes in groups a reader can
# tell apart (fifteen colours would not be); green for a live page, grey for results that say nothing about it.
HEALTH_COLOURS = {"ok": "#15803d", "failing": "#b45309", "dead": "#b91c1c", "unknown": "#d1d5db"}
OUTCOME_GROUPS = (
    ("ok", "OK", "#15803d", frozenset({Outcome.OK})),
    ("redirected", "Redirected", "#65a30d", frozenset({Outcome.REDIRECTED})),
    ("neutral", "Rate limited, restricted or blocked", "#9ca3af", NEUTRAL_OUTCOMES),
    ("not_found", "Not found", "#b91c1c", frozenset({Outcome.NOT_FOUND})),
    ("server_error", "Server error", "#ea580c", frozenset({Outcome.SERVER_ERROR})),
    ("timeout", "Timeout", "#d97706", frozenset({Outcome.TIMEOUT})),
    (
        "network",
        "DNS, connection or TLS error",
        "#7e22ce",
        frozenset({Outcome.DNS_ERROR, Outcome.CONNECTION_ERROR, Outcome.TLS_ERROR}),
    ),
    ("other", "Other failure", "#475569", frozenset()),  # client errors, redirect loops, invalid urls
)


def outcome_group(outcome: str) -> tuple[str, str, str]:
    """(key, label, colour) of the chart group an outcome belongs to."""
    for key, label, colour, outcomes in OUTCOME_GROUPS:
        if outcome in outcomes:
            return key, label, colour
    key, label, colour, _ = OUTCOME_GROUPS[-1]
    return key, label, colour
