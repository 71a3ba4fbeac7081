"""The SSRF guard's address rules, as pure functions over a table. Nothing here opens a socket."""

import ipaddress
import socket

import pytest

from sources.fetch import (
    InvalidHost,
    address_is_allowed,
    address_is_public,
    embedded_ipv4,
    ip_spelling_problem,
    parse_ip_host,
    parse_networks,
    taken_for_ip_by_aiohttp,
)

ip = ipaddress.ip_address

BLOCKED = [
    "127.0.0.1",
    "127.255.255.254",
    "0.0.0.0",
    "0.1.2.3",
    "10.0.0.1",
    "10.255.255.255",
    "100.64.0.1",
    "169.254.169.254",
    "169.254.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "192.0.0.8",
    "192.0.2.1",
    "198.18.0.1",
    "198.51.100.7",
    "203.0.113.9",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.88.99.1",
    "::",
    "::1",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "fec0::1",
    "ff02::1",
    "ff0e::1",
    "2001:db8::1",
    "100::1",
    "2001::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",
    "::ffff:0:127.0.0.1",
    "64:ff9b::7f00:1",
    "64:ff9b::a00:1",
    "64:ff9b::a9fe:a9fe",  # NAT64 of 127.0.0.1, 10.0.0.1, 169.254.169.254
    "64:ff9b:1::8.8.8.8",  # local-use NAT64
    "2002:7f00:1::1",
    "2002:a00:1::",
    "2002:a9fe:a9fe::1",
    "2002:c0a8:101::1",  # 6to4 of private addresses
]
PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "151.101.1.69",
    "172.15.255.255",
    "172.32.0.1",
    "100.63.255.255",
    "100.128.0.1",
    "2606:4700:4700::1111",
    "2a00:1450:4001:81b::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
]


@pytest.mark.parametrize("address", BLOCKED)
def test_special_ranges_are_blocked(address):
    assert not address_is_public(ip(address))
    assert not address_is_allowed(ip(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address):
    assert address_is_public(ip(address))
    assert address_is_allowed(ip(address))


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("0177.1", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0X7F.0.0.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("169.254.43518", "169.254.169.254"),
        ("0xa9fea9fe", "169.254.169.254"),
        ("0", "0.0.0.0"),
        ("[::1]", "::1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("::ffff:7f00:1", "::ffff:7f00:1"),
        ("[64:ff9b::127.0.0.1]", "64:ff9b::7f00:1"),
        ("[2002:7f00:1::]", "2002:7f00:1::"),
    ],
)
def test_ip_literals_parse_as_the_resolver_takes_them(host, expected):
    assert parse_ip_host(host) == ip(expected)
    assert not address_is_allowed(parse_ip_host(host))


@pytest.mark.parametrize(
    "host",
    [
        "example.org",
        "08.1",
        "1.2.3.4.5",
        "256.1.1.1.1",
        "1.16777216",
        "0x",
        "a.b",
        "127.0.0.1.nip.io",
        "xn--fsqu00a.xn--fiqs8s",
    ],
)
def test_names_are_not_literals(host):
    assert parse_ip_host(host) is None


@pytest.mark.parametrize(
    "host",
    [
        "0177.1",
        "0x7f.1",
        "2130706433",
        "127.1",
        "1.2.3",
        "0xa9fea9fe",
        "08.1",
        "1.2.3.4",
        "999",
        "4294967295",
        "4294967296",
        "0x100000000",
        "1.0x1000000",
        "0.0.0.0",
        "1.256.3.4",
        "00000001.2.3.4",
    ],
)
def test_parser_agrees_with_inet_aton(host):
    # socket.inet_aton is the C library's parser, the one getaddrinfo applies to numeric hosts.
    try:
        expected = ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        expected = None
    assert parse_ip_host(host) == expected


@pytest.mark.parametrize("host", ["[127.0.0.1]", "[not-an-address]", "[::1::2]"])
def test_bad_bracketed_hosts_are_invalid(host):
    with pytest.raises(InvalidHost):
        parse_ip_host(host)


@pytest.mark.parametrize(
    ("address", "inner"),
    [
        ("::ffff:127.0.0.1", "127.0.0.1"),
        ("64:ff9b::7f00:1", "127.0.0.1"),
        ("2002:a00:1::1", "10.0.0.1"),
        ("::ffff:0:a00:1", "10.0.0.1"),
        ("2606:4700::1", None),
        ("8.8.8.8", None),
    ],
)
def test_embedded_ipv4(address, inner):
    assert embedded_ipv4(ip(address)) == (ip(inner) if inner else None)


def test_allow_list_lets_only_its_networks_through():
    allow = parse_networks(["127.0.0.1/32", " ", "fd00:1::/64"])
    assert address_is_allowed(ip("127.0.0.1"), allow)
    assert address_is_allowed(ip("::ffff:127.0.0.1"), allow)  # the same socket address on a dual-stack host
    assert not address_is_allowed(ip("127.0.0.2"), allow)
    assert not address_is_allowed(ip("::1"), allow)
    assert not address_is_allowed(ip("64:ff9b::7f00:1"), allow)  # a NAT64 gateway is another host
    assert address_is_allowed(ip("fd00:1::5"), allow)
    assert not address_is_allowed(ip("fd00:2::5"), allow)
    assert not address_is_allowed(ip("169.254.169.254"), allow)


def test_scoped_link_local_is_blocked():
    assert not address_is_allowed(ip("fe80::1%eth0"))


# --- Spellings parsers disagree on (issue 14): refused whatever they point to ------------------------------------

# (host as yarl hands it over, what parse_ip_host reads, whether the guard refuses the spelling)
SPELLINGS = [
    # plain: every parser reads them alike
    ("127.0.0.1", "127.0.0.1", False),
    ("8.8.8.8", "8.8.8.8", False),
    ("0.0.0.0", "0.0.0.0", False),
    ("255.255.255.255", "255.255.255.255", False),
    ("::1", "::1", False),
    ("[::1]", "::1", False),
    ("2606:4700::1", "2606:4700::1", False),
    ("::ffff:7f00:1", "::ffff:7f00:1", False),
    ("example.org", None, False),
    ("1.2.3.4.nip.io", None, False),
    ("xn--9hbcp.xn--8hb.xn--8hb.xn--9hb", None, False),  # Arabic-Indic digits, IDNA-encoded by yarl
    ("a1.2", None, False),
    # digits and dots that are no address: aiohttp connects to them as they stand, past the pinned resolver
    ("1.2.3.4.5", None, True),
    ("127.0.0.1.", None, True),
    ("8.8.8.8.", None, True),
    ("1..1", None, True),
    ("1.2.3.4..", None, True),
    ("999.1.1.1", None, True),
    ("256.1.1.1", None, True),
    ("4294967296", None, True),
    ("12345678901234567890", None, True),
    ("08.1", None, True),
    (".1.2.3.4", None, True),
    ("1.2.3.4.5.6.7.8", None, True),
    # octal, hex and short forms: an address to the C resolver, refused by aiohttp 3.14, read by us
    ("0177.1", "127.0.0.1", True),
    ("0177.0.0.1", "127.0.0.1", True),
    ("0x7f.1", "127.0.0.1", True),
    ("0X7F.0.0.1", "127.0.0.1", True),
    ("0x7f000001", "127.0.0.1", True),
    ("017700000001", "127.0.0.1", True),
    ("2130706433", "127.0.0.1", True),
    ("127.1", "127.0.0.1", True),
    ("127.0.1", "127.0.0.1", True),
    ("134744072", "8.8.8.8", True),
    ("0x08.0x08.0x08.0x08", "8.8.8.8", True),
    ("010.010.010.010", "8.8.8.8", True),
    ("008.8.8.8", None, True),
    ("00000000000127.0.0.1", "87.0.0.1", True),
    ("0", "0.0.0.0", True),
    # IPv6 zones name an interface
    ("fe80::1%25eth0", "fe80::1", True),
    ("[fe80::1%25eth0]", "fe80::1", True),
    ("::1%25lo", "::1", True),
    ("2606:4700::1%25eth0", "2606:4700::1", True),
    ("[2606:4700::1%eth0]", "2606:4700::1", True),
]


@pytest.mark.parametrize(("host", "address", "refused"), SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_spellings_parsers_disagree_on_are_refused(host, address, refused):
    parsed = parse_ip_host(host)
    assert (str(parsed).split("%")[0] if parsed is not None else None) == address  # the address, less any zone
    assert (ip_spelling_problem(host) is not None) == refused


@pytest.mark.parametrize("host", [s[0] for s in SPELLINGS])
def test_what_aiohttp_connects_to_unresolved_is_what_the_guard_checked(host):
    """aiohttp skips the pinned resolver for a host it takes for an address: the guard must have read that very
    address from that very spelling, or refuse it."""
    from aiohttp.helpers import is_ip_address

    bare = host[1:-1] if host.startswith("[") else host
    assert taken_for_ip_by_aiohttp(bare) == is_ip_address(bare)
    if is_ip_address(bare) and ip_spelling_problem(host) is None:
        assert parse_ip_host(host) == ipaddress.ip_address(bare)


def test_aiohttp_is_at_least_3_14():
    """3.13 resolved `1.2.3.4.5` itself, a second lookup past the pinned resolver (pyproject.toml's floor)."""
    from importlib.metadata import version

    assert tuple(int(n) for n in version("aiohttp").split(".")[:2]) >= (3, 14)
