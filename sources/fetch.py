"""The safe fetcher: checks a url people typed without letting it reach what it must not.

Every request goes through the same steps, on every redirect hop:
1. the url must be http(s) with a host;
2. the host is resolved once (an IP literal is parsed the way the C resolver would take it, so
   ``0177.1`` or ``2130706433`` are 127.0.0.1), and every address it resolves to must be public
   or inside ``LINKCHECK_ALLOW_NETWORKS``; an IP literal must then be written plainly (four decimal
   numbers, IPv6 without a zone), and a host that only looks like one (``1.2.3.4.5``) is refused
   before any lookup, since aiohttp would connect to it without asking the pinned resolver;
3. the connection goes to those checked addresses only: the aiohttp connector asks a resolver
   that answers from the addresses we pinned, never from DNS again (no rebinding window), while
   the url keeps its host name so TLS SNI, certificate verification and the Host header use it.

aiohttp rather than requests/httpx: one event loop in a Celery task checks hundreds of urls at
once (the batch task), the resolver hook is public API (``AbstractResolver``), and bodies are
streamed, so the cap is counted in decoded bytes by our own zlib loop, not after inflation.

The same guard sends webhooks (``SafeClient.post``): one POST, no redirect followed at all, the answer read up to
the cap and then the connection dropped.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import email.utils
import errno
import functools
import hashlib
import ipaddress
import re
import socket
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from .choices import Failure, Outcome

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
RESTRICTED_STATUSES = frozenset({401, 402, 403})
MAX_RETRY_AFTER = 30 * 24 * 3600  # a Retry-After of years is a misconfiguration, not a request

# --------------------------------------------------------------------------------------------
# Address rules (pure functions: tested over a table, no network)
# --------------------------------------------------------------------------------------------

# Ranges refused beyond what the ipaddress flags say (they change between Python versions; this
# list does not). Sources: IANA IPv4/IPv6 special-purpose registries.
_BLOCKED_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.31.196.0/24",
        "192.52.193.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "192.175.48.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "255.255.255.255/32",
        "::/96",  # unspecified, loopback and the deprecated IPv4-compatible ::a.b.c.d
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215): always a private translator
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "3fff::/20",
        "5f00::/16",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_V4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT "IPv4-translated" (RFC 2765)


_DIGITS = {8: set("01234567"), 10: set("0123456789"), 16: set("0123456789abcdefABCDEF")}


class InvalidHost(ValueError):
    """The host of a url is neither a name nor an address the resolver would accept."""


def _inet_aton(text: str) -> ipaddress.IPv4Address | None:
    """Parse ``text`` as glibc's inet_aton does (1 to 4 parts, decimal/octal/hex); None if it is a name."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        if part[:2] in ("0x", "0X"):
            digits, base = part[2:], 16
        elif len(part) > 1 and part.startswith("0"):
            digits, base = part[1:], 8
        else:
            digits, base = part, 10
        if not digits or not set(digits) <= _DIGITS[base]:
            return None
        numbers.append(int(digits, base))
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 1 << (8 * (4 - len(head))):
        return None
    value = last
    for index, number in enumerate(head):
        value |= number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def parse_ip_host(host: str) -> IPAddress | None:
    """The address a url host denotes if it is an IP literal in any form the resolver accepts, else None."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
        if ":" not in text:
            raise InvalidHost(f"“{host}” is not an IPv6 address.")
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text)
        except ValueError as exc:
            raise InvalidHost(f"“{host}” is not an IPv6 address.") from exc
    return _inet_aton(text)


def taken_for_ip_by_aiohttp(host: str) -> bool:
    """aiohttp's own test (``aiohttp.helpers.is_ip_address``): a host with a colon, or of digits and dots only, is
    connected to as it stands, without asking the pinned resolver. tests/sources holds the two equal."""
    return ":" in host or host.replace(".", "").isdigit()


def _plain_dotted_quad(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 4 and all(
        1 <= len(p) <= 3 and p.isascii() and p.isdigit() and (p == "0" or p[0] != "0") and int(p) <= 255 for p in parts
    )


def ip_spelling_problem(host: str) -> str | None:
    """Why a host that looks like an IP address is refused whatever it points to, or None.

    Only the spellings every parser reads alike are fetched: four decimal numbers, or IPv6 without a zone. A host
    aiohttp takes for an address but ours does not (``1.2.3.4.5``, ``127.0.0.1.``) would bypass the pinned resolver
    and be resolved a second time (aiohttp 3.13 did so: a rebinding window); octal, hex and short forms
    (``0177.1``, ``0x7f.1``, ``2130706433``) are read differently by different parsers; a zone (``%eth0``) picks an
    interface.
    """
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if "%" in text:
        return f"“{host}” names a network interface (an IPv6 zone); not fetched."
    if ":" in text:
        return None  # parse_ip_host has read it as IPv6 or refused it
    if _plain_dotted_quad(text):
        return None
    if taken_for_ip_by_aiohttp(text) or _inet_aton(text) is not None:
        return f"“{host}” looks like an IP address but is not written as one (four decimal numbers); not fetched."
    return None


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, translated, NAT64, 6to4), if any."""
    if ip.version == 4:
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _V4_TRANSLATED or ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    return None


def unwrap(ip: IPAddress) -> IPAddress:
    """An IPv4-mapped IPv6 address is the IPv4 address on a dual-stack socket: judge it as such."""
    if ip.version == 6:
        ip = ip.ipv4_mapped or ip
    if ip.version == 6 and ip.scope_id:
        ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
    return ip


def address_is_public(ip: IPAddress) -> bool:
    """True for an address anyone on the internet could reach; False for every special range."""
    ip = unwrap(ip)
    if ip.version == 6 and ip in _NAT64:
        # Python calls all of ::/8 reserved, but on an IPv6-only network with DNS64 every IPv4-only
        # site resolves into 64:ff9b::/96: judge the IPv4 address the translator will reach.
        return address_is_public(embedded_ipv4(ip))
    if (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    ):
        return False
    if ip.version == 6 and ip.is_site_local:
        return False
    if any(ip in network for network in _BLOCKED_NETWORKS if network.version == ip.version):
        return False
    inner = embedded_ipv4(ip)
    return inner is None or address_is_public(inner)


def address_is_allowed(ip: IPAddress, allow_networks: Iterable[IPNetwork] = ()) -> bool:
    """May the fetcher connect to ``ip``? Public addresses, and those inside an allowed network."""
    ip = unwrap(ip)
    if any(ip.version == network.version and ip in network for network in allow_networks):
        return True
    return address_is_public(ip)


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v and v.strip())


# --------------------------------------------------------------------------------------------
# Configuration and result
# --------------------------------------------------------------------------------------------

Resolve = Callable[[str, int], Awaitable[list[IPAddress]]]


@dataclass(frozen=True)
class FetchConfig:
    connect_timeout: float = 10.0
    read_timeout: float = 10.0
    deadline: float = 20.0
    max_body_bytes: int = 2 * 1024 * 1024
    max_redirects: int = 10
    user_agent: str = "factcheck-linkcheck/1.0"
    allow_networks: tuple[IPNetwork, ...] = ()
    concurrency: int = 100
    host_concurrency: int = 2
    # The host interval spaces the starts of checks, as LinkChecker's per-host wait does (it comes before a url's
    # first request, not its redirects). True spaces every request of a check too (a hop, the GET after a HEAD).
    pace_follow_ups: bool = False

    @classmethod
    def from_settings(cls, **overrides) -> FetchConfig:
        from django.conf import settings

        values = {
            "connect_timeout": settings.LINKCHECK_CONNECT_TIMEOUT,
            "read_timeout": settings.LINKCHECK_READ_TIMEOUT,
            "deadline": settings.LINKCHECK_DEADLINE,
            "max_body_bytes": settings.LINKCHECK_MAX_BODY_BYTES,
            "max_redirects": settings.LINKCHECK_MAX_REDIRECTS,
            "user_agent": user_agent_from_settings(),
            "allow_networks": parse_networks(settings.LINKCHECK_ALLOW_NETWORKS),
            "concurrency": settings.LINKCHECK_BATCH_CONCURRENCY,
            "host_concurrency": settings.LINKCHECK_HOST_CONCURRENCY,
            "pace_follow_ups": settings.LINKCHECK_PACE_FOLLOW_UPS,
        }
        values.update(overrides)
        return cls(**values)


def user_agent_from_settings() -> str:
    from django.conf import settings

    if settings.LINKCHECK_USER_AGENT:
        return settings.LINKCHECK_USER_AGENT
    return f"factcheck-linkcheck/1.0 (+{settings.LINKCHECK_CONTACT_URL}; {settings.FACTCHECK_ORGANIZATION_NAME})"


@dataclass(frozen=True)
class Hop:
    """One request of a fetch and the head of its answer, as sent and as received: a capture keeps each of them in
    its WARC (sources.capture)."""

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    status: int
    reason: str
    version: str  # "1.1"
    # In the order received; values as their bytes came (latin-1 is HTTP's own: every byte maps to one character).
    headers: tuple[tuple[str, str], ...]
    at: datetime
    peer: str = ""  # the address connected to, when the host had only one


class BodySink(Protocol):
    """Where a streamed body goes, chunk by chunk (a temporary file and a hash, for a capture)."""

    def write(self, data: bytes, /) -> object: ...


@dataclass
class CheckResult:
    """What one check found. ``text`` is the decoded page (up to the cap) when a body was asked for."""

    url: str
    outcome: str
    http_status: int | None = None
    final_url: str = ""
    elapsed_ms: int = 0
    error: str = ""
    failure: str = ""  # why it failed, a Failure ("" for a success or when the outcome says it all)
    content_hash: str = ""
    text: str | None = None
    retry_after: int | None = None
    truncated: bool = False
    content_type: str = ""
    redirects: list[tuple[int, str]] = field(default_factory=list)
    checked_at: datetime | None = None
    hops: list[Hop] = field(default_factory=list)  # filled by ``SafeClient.stream`` only
    body_bytes: int = 0  # bytes streamed to the sink (``SafeClient.stream``)


@dataclass
class PostResult:
    """What one POST got back. ``status`` is None when no answer came; ``failure`` (a Failure) then says why and
    ``error`` is the exception's own text. ``excerpt`` is the start of the answer, decoded, for a log."""

    url: str
    status: int | None = None
    elapsed_ms: int = 0
    error: str = ""
    failure: str = ""
    excerpt: str = ""
    retry_after: int | None = None
    location: str = ""  # a redirect's Location: reported, never followed
    truncated: bool = False
    started_at: datetime | None = None


class Blocked(Exception):
    pass


class InvalidTarget(Exception):
    pass


class BadRedirect(InvalidTarget):
    """A redirect whose Location is not a url the fetcher may follow."""


# --------------------------------------------------------------------------------------------
# The pinned resolver
# --------------------------------------------------------------------------------------------


class PinnedResolver(AbstractResolver):
    """Answers aiohttp's lookups only with the addresses the guard checked; never asks DNS."""

    def __init__(self) -> None:
        self._pins: dict[tuple[str, int], list[IPAddress]] = {}

    def pin(self, host: str, port: int, addresses: Sequence[IPAddress]) -> None:
        self._pins[(host.lower(), port)] = list(addresses)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = self._pins.get((host.lower(), port))
        if not addresses:
            # Only reachable if aiohttp connects to a host the guard did not see: refuse.
            raise OSError(f"{host}:{port} was not checked by the address guard")
        return [
            ResolveResult(
                hostname=host,
                host=str(ip),
                port=port,
                family=socket.AF_INET6 if ip.version == 6 else socket.AF_INET,
                proto=socket.IPPROTO_TCP,
                flags=socket.AI_NUMERICHOST,
            )
            for ip in addresses
            if family in (socket.AF_UNSPEC, 0) or family == (socket.AF_INET6 if ip.version == 6 else socket.AF_INET)
        ]

    async def close(self) -> None:
        self._pins.clear()


async def system_resolve(host: str, port: int) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    seen: dict[IPAddress, None] = {}
    for _family, _type, _proto, _canon, sockaddr in infos:
        seen[ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])] = None
    return list(seen)


def resolve_once(resolve: Resolve = system_resolve) -> Resolve:
    """``resolve`` asked once per host and port for as long as the returned function lives (one batch): the guard
    still checks every address on every request, and a batch of POSTs to one receiver costs one lookup. A failed
    lookup is remembered too, so the batch's other requests to that host fail alike without asking again."""
    answers: dict[tuple[str, int], asyncio.Future[list[IPAddress]]] = {}

    async def resolve_memoized(host: str, port: int) -> list[IPAddress]:
        key = (host.lower(), port)
        if key not in answers:
            answers[key] = asyncio.ensure_future(resolve(host, port))
        return list(await answers[key])

    return resolve_memoized


# --------------------------------------------------------------------------------------------
# Politeness hook (the Redis limiter lives in health.py's neighbour, sources/politeness in tasks)
# --------------------------------------------------------------------------------------------


class NoLimiter:
    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        yield

    async def pace(self, host: str) -> None:
        return None


# --------------------------------------------------------------------------------------------
# Body decoding
# --------------------------------------------------------------------------------------------


class _Decoder:
    """Inflates a body chunk by chunk, never producing more than the caller asks for."""

    def __init__(self, encoding: str) -> None:
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib or gzip header, auto
            self._raw_fallback = True
        else:
            raise ValueError(f"unsupported content encoding “{encoding}”")
        self._first = True

    def feed(self, data: bytes, limit: int) -> bytes:
        if self._zlib is None:
            return data[:limit]
        try:
            out = self._zlib.decompress(data, limit)
        except zlib.error:
            if not (self._first and getattr(self, "_raw_fallback", False)):
                raise
            # Some servers send raw deflate without the zlib header.
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._zlib.decompress(data, limit)
        self._first = False
        return out


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
}
_TEXT_TYPES = ("text/", "application/xhtml", "application/xml", "application/json", "application/ld+json")


def decode_body(body: bytes, *, charset: str | None, content_type: str) -> str | None:
    """The body as text if it is a text type; charset from the header, else a <meta>, else UTF-8."""
    if content_type and not content_type.lower().startswith(_TEXT_TYPES):
        return None
    if not charset:
        match = _META_CHARSET.search(body[:4096])
        charset = match.group(1).decode("ascii") if match else "utf-8"
    charset = _CHARSET_ALIASES.get(charset.lower(), charset.lower())
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    return body.decode(charset, errors="replace")


def parse_retry_after(value: str | None, *, now: float | None = None) -> int | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), capped; None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(int(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = int(when.timestamp() - (time.time() if now is None else now))
    return min(max(seconds, 0), MAX_RETRY_AFTER)


def outcome_for_status(status: int, *, retry_after: int | None = None) -> str:
    if 200 <= status < 300:
        return Outcome.OK
    if status in (404, 410):
        return Outcome.NOT_FOUND
    if status == 429 or (status == 503 and retry_after is not None):
        return Outcome.RATE_LIMITED
    if status in RESTRICTED_STATUSES:
        return Outcome.RESTRICTED
    if 400 <= status < 500:
        return Outcome.CLIENT_ERROR
    # 5xx, and 1xx/3xx that did not lead anywhere: the server's fault.
    return Outcome.SERVER_ERROR


# "Temporary failure in name resolution": the name server did not answer, which says nothing of the name.
_DNS_UNAVAILABLE = frozenset({socket.EAI_AGAIN})
_FAILURE_OF_ERRNO = {
    errno.ECONNREFUSED: Failure.REFUSED,
    errno.ECONNRESET: Failure.RESET,
    errno.ECONNABORTED: Failure.RESET,
    errno.EPIPE: Failure.RESET,
    errno.ENETUNREACH: Failure.UNREACHABLE,
    errno.EHOSTUNREACH: Failure.UNREACHABLE,
    errno.ENETDOWN: Failure.UNREACHABLE,
    errno.EHOSTDOWN: Failure.UNREACHABLE,
    errno.ETIMEDOUT: Failure.CONNECT_TIMEOUT,
}


def _os_error(exc: BaseException) -> OSError | None:
    """The operating system's error under an aiohttp connection error (or the error itself)."""
    inner = getattr(exc, "os_error", None)
    if isinstance(inner, OSError):
        return inner
    return exc if isinstance(exc, OSError) else None


def failure_of_exception(exc: BaseException) -> Failure:
    """Why a request that raised ``exc`` failed, as a reviewer would say it (sources.choices.Failure).

    By the exception's type and its errno, never its text: a refused connection and an unreachable network have the
    same message from asyncio ("Connect call failed"), and messages change between Python and aiohttp versions."""
    if isinstance(exc, Blocked):
        return Failure.BLOCKED
    if isinstance(exc, (aiohttp.ClientConnectorCertificateError, ssl.SSLCertVerificationError)):
        return Failure.CERTIFICATE
    if isinstance(exc, (aiohttp.ClientSSLError, ssl.SSLError, aiohttp.ServerFingerprintMismatch)):
        return Failure.TLS
    if isinstance(exc, BadRedirect):
        return Failure.BAD_REDIRECT
    if isinstance(exc, (InvalidTarget, InvalidHost, aiohttp.InvalidURL, ValueError)):
        return Failure.INVALID_URL
    if isinstance(exc, (aiohttp.ClientConnectorDNSError, socket.gaierror)):
        code = getattr(_os_error(exc), "errno", None)
        return Failure.DNS_UNAVAILABLE if code in _DNS_UNAVAILABLE else Failure.DNS
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return Failure.CONNECT_TIMEOUT
    if isinstance(exc, (aiohttp.SocketTimeoutError, aiohttp.ServerTimeoutError)):
        return Failure.READ_TIMEOUT
    if isinstance(exc, TimeoutError):
        return Failure.DEADLINE
    if isinstance(exc, (aiohttp.ServerDisconnectedError, ConnectionResetError, aiohttp.ClientConnectionResetError)):
        return Failure.RESET
    if isinstance(exc, (aiohttp.ClientResponseError, aiohttp.ClientPayloadError, zlib.error)):
        return Failure.BAD_RESPONSE
    return _FAILURE_OF_ERRNO.get(getattr(_os_error(exc), "errno", None), Failure.CONNECTION)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip().rstrip(":")


def _charset(name: str | None) -> str:
    """A codec for a declared charset; UTF-8 when none is declared or it is unknown."""
    try:
        return codecs.lookup(name or "utf-8").name
    except LookupError:
        return "utf-8"


def _outcome_for_exception(exc: BaseException) -> tuple[str, str, str]:
    """(outcome, failure, error) of a request that raised ``exc``; ``error`` is the exception's own text."""
    text = _error_text(exc)
    failure = failure_of_exception(exc)
    if isinstance(exc, Blocked):
        return Outcome.BLOCKED, failure, str(exc)
    # TLS before ValueError: a certificate error is a ValueError too (ssl.SSLCertVerificationError).
    if isinstance(
        exc,
        (
            aiohttp.ClientConnectorCertificateError,
            aiohttp.ClientSSLError,
            ssl.SSLError,
            aiohttp.ServerFingerprintMismatch,
        ),
    ):
        return Outcome.TLS_ERROR, failure, text
    if isinstance(exc, (InvalidTarget, InvalidHost, aiohttp.InvalidURL, ValueError)):
        return Outcome.INVALID_URL, failure, str(exc) or text
    if isinstance(exc, (aiohttp.ClientConnectorDNSError, socket.gaierror)):
        return Outcome.DNS_ERROR, failure, text
    if isinstance(exc, (TimeoutError, aiohttp.ServerTimeoutError)):
        return Outcome.TIMEOUT, failure, text or "timed out"
    if isinstance(exc, (aiohttp.ClientError, OSError, zlib.error)):
        return Outcome.CONNECTION_ERROR, failure, text
    raise exc


# --------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------


def _without_fragment(url: URL) -> str:
    return str(url.with_fragment(None))


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process, shared by the clients: loading the CA store takes tens of
    milliseconds, which a client per batch (the link checker's, each round of webhooks) would pay again each time."""
    return ssl.create_default_context()


class SafeClient:
    """One aiohttp session behind the address guard. Use as ``async with SafeClient(config) as client``."""

    def __init__(self, config: FetchConfig | None = None, *, limiter=None, resolve: Resolve | None = None) -> None:
        self.config = config or FetchConfig.from_settings()
        self.limiter = limiter or NoLimiter()
        self._resolve = resolve or system_resolve
        self._resolver = PinnedResolver()
        self._session: aiohttp.ClientSession | None = None
        self._global = asyncio.Semaphore(self.config.concurrency)

    async def __aenter__(self) -> SafeClient:
        connector = aiohttp.TCPConnector(
            resolver=self._resolver,
            use_dns_cache=False,
            limit=0,
            limit_per_host=self.config.host_concurrency,
            ssl=_tls_context(),
            enable_cleanup_closed=False,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,  # we inflate ourselves so the cap counts decoded bytes
            trust_env=False,  # never a proxy from the environment: it would bypass the guard
            headers={
                "User-Agent": self.config.user_agent,
                "Accept-Encoding": "gzip, deflate",
                "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            },
            timeout=aiohttp.ClientTimeout(
                total=None, sock_connect=self.config.connect_timeout, sock_read=self.config.read_timeout
            ),
        )
        return self

    async def __aexit__(self, *exc_info) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- the guard --------------------------------------------------------------------------

    def _target(self, url: str | URL) -> URL:
        try:
            parsed = url if isinstance(url, URL) else URL(url)
        except (ValueError, TypeError) as exc:
            raise InvalidTarget(f"The url could not be parsed: {exc}.") from exc
        if parsed.scheme not in ("http", "https"):
            raise InvalidTarget(f"Only http and https urls are fetched, not “{parsed.scheme}:”.")
        if not parsed.raw_host:
            raise InvalidTarget("The url has no host.")
        if parsed.user or parsed.password:
            # Credentials in a url people typed would be sent to whoever the url names.
            parsed = parsed.with_user(None)
        return parsed

    async def guard(self, url: URL) -> list[IPAddress]:
        """Resolve the url's host once, check every address, pin them for the connector."""
        host, port = url.raw_host or "", url.port or (443 if url.scheme == "https" else 80)
        literal = parse_ip_host(host)
        odd_spelling = ip_spelling_problem(host)
        if odd_spelling and literal is None:
            raise InvalidHost(odd_spelling)  # never asked of DNS: no name looks like this
        addresses = [literal] if literal is not None else await self._resolve(host, port)
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address")
        for ip in addresses:
            if not address_is_allowed(ip, self.config.allow_networks):
                shown = f"{host} resolves to {ip}" if literal is None or str(literal) != host else str(ip)
                raise Blocked(f"{shown}, which is not a public address; not fetched.")
        if odd_spelling:
            raise InvalidHost(odd_spelling)  # after the address rule: an internal address is reported as blocked
        self._resolver.pin(host, port, addresses)
        return addresses

    # -- checks -----------------------------------------------------------------------------

    async def check(self, url: str, *, want_body: bool = False) -> CheckResult:
        """Check one url: HEAD (or GET when a body is wanted), redirects by hand, all under the deadline."""
        return await self._run(url, want_body=want_body)

    async def stream(
        self, url: str, sink: BodySink, *, headers: dict[str, str] | None = None, text_bytes: int | None = None
    ) -> CheckResult:
        """GET a url as ``check(want_body=True)`` does (the guard on every hop, the host's slot, the deadline), but
        hand a 2xx body to ``sink`` as it arrives: as the server sent it, after the transfer's chunking and before any
        content decoding, and never held whole. The decoded size still counts against the cap: past it the fetch
        stops with ``failure`` too_large. ``text`` is the decoded text of the first ``text_bytes`` (default: the
        cap); ``content_hash`` is the SHA-256 of what the sink got; ``hops`` holds each request and answer head."""
        return await self._run(url, want_body=True, sink=sink, headers=headers, text_bytes=text_bytes)

    async def _run(
        self,
        url: str,
        *,
        want_body: bool,
        sink: BodySink | None = None,
        headers: dict[str, str] | None = None,
        text_bytes: int | None = None,
    ) -> CheckResult:
        started = time.monotonic()
        result = CheckResult(url=url, outcome=Outcome.OK)
        try:
            target = self._target(url)
        except InvalidTarget as exc:
            result.outcome, result.failure, result.error = Outcome.INVALID_URL, Failure.INVALID_URL, str(exc)
            return self._finish(result, started)
        async with self.limiter.slot(target.raw_host or ""), self._global:
            started = time.monotonic()  # waiting for our turn is politeness, not the server's slowness
            try:
                async with asyncio.timeout(self.config.deadline):
                    await self._follow(
                        target, result, want_body=want_body, sink=sink, headers=headers, text_bytes=text_bytes
                    )
            except TimeoutError as exc:
                # aiohttp's connect and read timeouts are TimeoutErrors too; the deadline's is a plain one.
                if result.outcome == Outcome.OK and not result.error:
                    result.error = f"no complete answer within the {self.config.deadline:g} s deadline"
                result.outcome, result.failure = Outcome.TIMEOUT, failure_of_exception(exc)
                result.text = None
            except Exception as exc:
                result.outcome, result.failure, result.error = _outcome_for_exception(exc)
                result.text = None
        return self._finish(result, started)

    @staticmethod
    def _finish(result: CheckResult, started: float) -> CheckResult:
        result.elapsed_ms = int((time.monotonic() - started) * 1000)
        result.checked_at = datetime.now(UTC)
        return result

    async def _follow(
        self,
        target: URL,
        result: CheckResult,
        *,
        want_body: bool,
        sink: BodySink | None = None,
        headers: dict[str, str] | None = None,
        text_bytes: int | None = None,
    ) -> None:
        if self._session is None:
            raise RuntimeError("use SafeClient as an async context manager")
        method = "GET" if want_body else "HEAD"
        current = target
        seen = {_without_fragment(current)}
        permanent = False
        first = True
        while True:
            addresses = await self.guard(current)
            if not first and (self.config.pace_follow_ups or (current.raw_host or "") != (target.raw_host or "")):
                # The slot covers the whole check on its host; a hop to another host waits that host's interval.
                pace = getattr(self.limiter, "pace", None)
                if pace is not None:
                    await pace(current.raw_host or "")
            first = False
            async with self._session.request(method, current, allow_redirects=False, headers=headers) as response:
                status = response.status
                if sink is not None:
                    # The address connected to, when there was one to choose (else which one aiohttp took is
                    # not known once the body is read).
                    peer = str(addresses[0]) if len(addresses) == 1 else ""
                    result.hops.append(_hop_of(method, current, response, peer=peer))
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if method == "HEAD" and status >= 400 and not (status == 429 or (status == 503 and retry_after)):
                    # HEAD is often refused or answered wrongly (405, 403, 501...): ask the real question.
                    # Not after 429/503+Retry-After: the server asked us to slow down, not to ask again.
                    method = "GET"
                    continue
                location = response.headers.get("Location")
                if status in REDIRECT_STATUSES and location:
                    try:
                        following = self._target(current.join(URL(location.strip())))
                    except (InvalidTarget, ValueError) as exc:
                        result.http_status = status
                        raise BadRedirect(f"Redirect to an unusable location “{location[:200]}”: {exc}") from exc
                    result.redirects.append((status, str(following)))
                    result.http_status = status
                    key = _without_fragment(following)
                    if key in seen:
                        result.outcome, result.final_url = Outcome.REDIRECT_LOOP, str(following)
                        result.failure = Failure.REDIRECT_LOOP
                        result.error = f"redirect loop after {len(result.redirects)} hops"
                        return
                    if len(result.redirects) > self.config.max_redirects:
                        result.outcome, result.final_url = Outcome.TOO_MANY_REDIRECTS, str(following)
                        result.failure = Failure.TOO_MANY_REDIRECTS
                        result.error = f"more than {self.config.max_redirects} redirects"
                        return
                    permanent = permanent or status in PERMANENT_REDIRECTS
                    seen.add(key)
                    current = following
                    continue
                result.http_status = status
                result.retry_after = retry_after
                result.content_type = response.content_type or ""
                result.outcome = outcome_for_status(status, retry_after=retry_after)
                if current != target:
                    result.final_url = str(current)
                    if result.outcome == Outcome.OK and permanent:
                        result.outcome = Outcome.REDIRECTED
                if status in REDIRECT_STATUSES:
                    result.failure = Failure.NO_LOCATION
                    result.error = "redirect without a Location header"
                if want_body and 200 <= status < 300 and method == "GET":
                    if sink is not None:
                        await self._stream_body(response, result, sink, text_bytes=text_bytes)
                    else:
                        await self._read_body(response, result)
                return

    # -- POSTs (webhooks) -------------------------------------------------------------------

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str] | Callable[[], Mapping[str, str]],
        *,
        excerpt_bytes: int = 1024,
        start_by: float | None = None,
    ) -> PostResult:
        """POST ``body`` once: the guard on every address of the url's host, no redirect followed, all under the
        deadline. At most ``max_body_bytes`` of the answer are read, then the connection is dropped; the first
        ``excerpt_bytes`` are kept, decoded. Nothing of the request (its headers may carry a signature) is kept.

        ``headers`` may be a function, called as the request starts (a signature carries the time it was sent).
        A POST whose turn comes after ``start_by`` (monotonic) is not sent: its ``started_at`` stays None."""
        result = PostResult(url=url)
        started = time.monotonic()
        try:
            target = self._target(url)
        except InvalidTarget as exc:
            result.failure, result.error = Failure.INVALID_URL, str(exc)
            result.started_at = datetime.now(UTC)
            return self._finish_post(result, started)
        if self._session is None:
            raise RuntimeError("use SafeClient as an async context manager")
        async with self.limiter.slot(target.raw_host or ""), self._global:
            started = time.monotonic()  # waiting for a slot is our own queue, not the receiver's slowness
            if start_by is not None and started > start_by:
                return result
            result.started_at = datetime.now(UTC)
            try:
                async with asyncio.timeout(self.config.deadline):
                    await self.guard(target)
                    sent_headers = dict(headers() if callable(headers) else headers)
                    async with self._session.post(
                        target, data=body, headers=sent_headers, allow_redirects=False
                    ) as response:
                        result.status = response.status
                        result.retry_after = parse_retry_after(response.headers.get("Retry-After"))
                        if response.status in REDIRECT_STATUSES:
                            result.location = response.headers.get("Location", "")[:500]
                        await self._read_answer(response, result, excerpt_bytes)
            except TimeoutError as exc:
                if result.status is None:
                    result.failure = failure_of_exception(exc)
                    result.error = f"no answer within the {self.config.deadline:g} s deadline"
                else:  # the status came, its body did not: the answer stands, the log says the rest is missing
                    result.error = f"the answer's body was not complete within the {self.config.deadline:g} s deadline"
            except (Blocked, InvalidTarget, InvalidHost, aiohttp.ClientError, OSError, ValueError, zlib.error) as exc:
                result.failure = failure_of_exception(exc)
                result.error = str(exc) if isinstance(exc, (Blocked, InvalidTarget, InvalidHost)) else _error_text(exc)
                if result.status is not None:  # broken after the status line: the status is what the receiver said
                    result.failure = ""
        return self._finish_post(result, started)

    @staticmethod
    def _finish_post(result: PostResult, started: float) -> PostResult:
        result.elapsed_ms = int((time.monotonic() - started) * 1000)
        return result

    async def _read_answer(self, response: aiohttp.ClientResponse, result: PostResult, excerpt_bytes: int) -> None:
        """Read the answer up to the cap (decoded bytes), keep its start; drop the connection rather than drain
        more."""
        cap = self.config.max_body_bytes
        try:
            decoder = _Decoder(response.headers.get("Content-Encoding", ""))
        except ValueError:
            decoder = _Decoder("")  # an encoding we cannot inflate: its raw bytes are still worth a look
        kept = bytearray()
        read = 0
        async for chunk in response.content.iter_any():
            out = decoder.feed(chunk, cap - read)
            read += len(out)
            if len(kept) < excerpt_bytes:
                kept += out[: excerpt_bytes - len(kept)]
            if read >= cap:
                result.truncated = True
                break
        if result.truncated:
            response.close()
        result.excerpt = bytes(kept).decode(_charset(response.charset), errors="replace")

    async def _read_body(self, response: aiohttp.ClientResponse, result: CheckResult) -> None:
        cap = self.config.max_body_bytes
        try:
            decoder = _Decoder(response.headers.get("Content-Encoding", ""))
        except ValueError as exc:
            result.failure, result.error = Failure.UNREADABLE, str(exc)
            return
        body = bytearray()
        async for chunk in response.content.iter_any():
            out = decoder.feed(chunk, cap - len(body))
            body += out
            if len(body) >= cap:
                result.truncated = True
                break
        if result.truncated:
            response.close()  # drop the connection rather than drain a 50 MB (or endless) body
        data = bytes(body)
        result.content_hash = hashlib.sha256(data).hexdigest()
        result.text = decode_body(data, charset=response.charset, content_type=result.content_type)

    async def _stream_body(
        self, response: aiohttp.ClientResponse, result: CheckResult, sink: BodySink, *, text_bytes: int | None
    ) -> None:
        cap = self.config.max_body_bytes
        keep = cap if text_bytes is None else min(cap, text_bytes)
        try:
            decoder: _Decoder | None = _Decoder(response.headers.get("Content-Encoding", ""))
        except ValueError:
            decoder = None  # kept as sent all the same; only its text cannot be read
        digest = hashlib.sha256()
        sent = decoded = 0
        text = bytearray()
        async for chunk in response.content.iter_chunked(64 * 1024):
            sent += len(chunk)
            if decoder is not None:
                # One byte past the cap tells a body of exactly the cap from a longer one.
                out = decoder.feed(chunk, cap + 1 - decoded)
                decoded += len(out)
                if len(text) < keep:
                    text += out[: keep - len(text)]
            if max(sent, decoded) > cap:
                result.failure, result.truncated = Failure.TOO_LARGE, True
                result.error = f"the body is larger than {cap} bytes"
                response.close()  # drop the connection rather than drain the rest
                return
            digest.update(chunk)
            sink.write(chunk)
        result.body_bytes = sent
        result.content_hash = digest.hexdigest()
        if decoder is not None:
            result.text = decode_body(bytes(text), charset=response.charset, content_type=result.content_type)


def _hop_of(method: str, url: URL, response: aiohttp.ClientResponse, *, peer: str) -> Hop:
    return Hop(
        method=method,
        url=str(url),
        request_headers=tuple(response.request_info.headers.items()),
        status=response.status,
        reason=response.reason or "",
        version=f"{response.version.major}.{response.version.minor}" if response.version else "1.1",
        headers=tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in response.raw_headers),
        at=datetime.now(UTC),
        peer=peer,
    )


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


async def check_many(
    urls: Sequence[str],
    *,
    want_body: Callable[[int], bool] | None = None,
    config: FetchConfig | None = None,
    limiter=None,
    resolve: Resolve | None = None,
    on_result: Callable[[int, CheckResult], None] | None = None,
    stop_at: float | None = None,
) -> list[CheckResult | None]:
    """Check many urls concurrently; per host at most ``host_concurrency`` at a time.

    One runner per host slot pulls that host's urls in turn, so a host whose turn has not come
    yet never holds up the others. Urls not started before ``stop_at`` (monotonic) stay None.
    """
    config = config or FetchConfig.from_settings()
    results: list[CheckResult | None] = [None] * len(urls)
    queues: dict[str, list[int]] = {}
    for index, url in enumerate(urls):
        try:
            host = (URL(url).raw_host or "").lower()
        except ValueError:
            host = ""
        queues.setdefault(host, []).append(index)

    async with SafeClient(config, limiter=limiter, resolve=resolve) as client:

        async def runner(queue: list[int]) -> None:
            while queue:
                if stop_at is not None and time.monotonic() >= stop_at:
                    return
                index = queue.pop(0)
                body = bool(want_body(index)) if want_body else False
                results[index] = result = await client.check(urls[index], want_body=body)
                if on_result is not None:
                    on_result(index, result)

        runners = [runner(queue) for queue in queues.values() for _ in range(min(config.host_concurrency, len(queue)))]
        await asyncio.gather(*runners)
    return results


def check_url(
    url: str,
    *,
    want_body: bool = False,
    config: FetchConfig | None = None,
    limiter=None,
    resolve: Resolve | None = None,
) -> CheckResult:
    """Check one url from synchronous code."""

    async def run() -> CheckResult:
        async with SafeClient(config, limiter=limiter, resolve=resolve) as client:
            return await client.check(url, want_body=want_body)

    return asyncio.run(run())


def fetch_text(url: str, *, config: FetchConfig | None = None) -> CheckResult:
    """GET a page through the guard and return it with ``text`` decoded (up to the body cap).

    For callers that need the page itself (an article importer): ``result.text`` is None unless
    the outcome is ok/redirected and the body was text.
    """
    return check_url(url, want_body=True, config=config)
