"""Canonical form of the urls we store, so one page is one row.

Lower-case scheme and host, IDN host to punycode, default port and fragment dropped,
tracking parameters removed. The rest of the url (path, query order, escapes) is kept
byte for byte: servers may treat any of it as significant.
"""

import re
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_URL_LENGTH = 2048
ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
TRACKING_PARAMETERS = frozenset({"fbclid", "gclid"})
# Lone surrogates (from a JSON "\\ud800" escape) are not characters: they cannot be stored or sent.
_FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x20\x7f\ud800-\udfff]")
# Underscores are not legal in host names but do occur in the wild; browsers accept them, so do we.
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


def _is_tracking_parameter(pair: str) -> bool:
    name = pair.split("=", 1)[0].lower()
    return name.startswith("utm_") or name in TRACKING_PARAMETERS


def _ascii_host(host: str) -> str:
    if host.startswith("["):  # IPv6 literal, already ASCII
        return host.lower()
    invalid = ValidationError(
        _("The host name “%(host)s” is not a valid domain name.") % {"host": host}, code="invalid_host"
    )
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
        labels = ascii_host.removesuffix(".").split(".")
        for label in labels:
            if label.startswith("xn--"):
                label.encode("ascii").decode("idna")  # a punycode label must decode
    except UnicodeError as exc:
        raise invalid from exc
    if not all(_HOST_LABEL.match(label) for label in labels):
        raise invalid
    return ascii_host


def normalize_url(raw: str) -> str:
    """Return the canonical form of ``raw`` or raise ValidationError saying what is wrong with it."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError(_("Enter a url."), code="required")
    url = raw.strip()
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(
            _("The url is %(length)d characters long; at most %(limit)d are allowed.")
            % {"length": len(url), "limit": MAX_URL_LENGTH},
            code="too_long",
        )
    if _FORBIDDEN_CHARACTERS.search(url):
        raise ValidationError(
            _("The url contains spaces, control characters or lone surrogates; percent-encode them."),
            code="bad_characters",
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(
            _("The url could not be parsed: %(problem)s.") % {"problem": exc}, code="invalid"
        ) from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        if scheme:
            message = _("Only http and https urls are accepted, not “%(scheme)s:”.") % {"scheme": scheme}
        else:
            message = _("Only http and https urls are accepted; this one has no scheme.")
        raise ValidationError(message, code="scheme")
    hostname = parts.hostname or ""
    if not hostname:
        raise ValidationError(_("The url has no host name."), code="no_host")
    host = _ascii_host(f"[{hostname}]" if ":" in hostname else hostname)
    if len(host) > 253:
        raise ValidationError(_("The host name is longer than 253 characters."), code="invalid_host")
    netloc = host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.netloc.rsplit("@", 1)[0]
        netloc = f"{userinfo}@{netloc}"
    query = "&".join(pair for pair in parts.query.split("&") if pair and not _is_tracking_parameter(pair))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def url_domain(url: str) -> str:
    """The host of an already normalised url, without port (used for filters and politeness)."""
    return (urlsplit(url).hostname or "").lower()
