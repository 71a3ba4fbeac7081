"""The fetcher against real HTTP servers on loopback, one case each."""

import asyncio
import ipaddress
import socket
import time

import pytest

from sources.choices import Outcome
from sources.fetch import FetchConfig, SafeClient, check_url, decode_body, fetch_text, parse_retry_after

from .farm import gzip_bomb, hold_until_in_flight


def check(url, **kwargs):
    return check_url(url, config=FetchConfig.from_settings(), **kwargs)


def check_within(seconds, url, **kwargs):
    """check() under an outer limit, so a deadline that never fires fails the test instead of hanging it."""

    async def run():
        async with asyncio.timeout(seconds), SafeClient(FetchConfig.from_settings()) as client:
            return await client.check(url, **kwargs)

    return asyncio.run(run())


def test_200(farm):
    farm.delay = 0.05
    started = time.monotonic()
    result = check(farm.url("/ok"))
    took_ms = (time.monotonic() - started) * 1000
    assert (result.outcome, result.http_status, result.final_url) == (Outcome.OK, 200, "")
    assert farm.log[-1]["method"] == "HEAD"
    # In milliseconds: at least the server's pause, at most the whole call around it.
    assert 50 <= result.elapsed_ms <= took_ms


def test_honest_user_agent_and_host_header(farm):
    check(farm.url("/ok", host="localhost"))
    request = farm.log[-1]
    assert request["host"] == f"localhost:{farm.port}"
    assert request["ua"].startswith("factcheck-linkcheck/")
    assert "https://factcheck.example.org/contact" in request["ua"]


def test_permanent_redirect_is_redirected_with_final_url(farm):
    result = check(farm.url("/moved"))
    assert result.outcome == Outcome.REDIRECTED
    assert result.final_url == farm.url("/ok")
    assert check(farm.url("/moved-308")).outcome == Outcome.REDIRECTED


def test_temporary_redirect_is_ok(farm):
    result = check(farm.url("/temporary"))
    assert result.outcome == Outcome.OK
    assert result.final_url == farm.url("/ok")


@pytest.mark.parametrize("code", [404, 410])
def test_not_found(farm, code):
    result = check(farm.url(f"/status/{code}"))
    assert (result.outcome, result.http_status) == (Outcome.NOT_FOUND, code)
    assert [entry["method"] for entry in farm.log] == ["HEAD", "GET"]  # a 4xx on HEAD is asked again by GET


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (400, Outcome.CLIENT_ERROR),
        (401, Outcome.RESTRICTED),
        (402, Outcome.RESTRICTED),
        (418, Outcome.CLIENT_ERROR),
        (500, Outcome.SERVER_ERROR),
        (502, Outcome.SERVER_ERROR),
        (503, Outcome.SERVER_ERROR),
    ],
)
def test_status_outcomes(farm, code, outcome):
    assert check(farm.url(f"/status/{code}")).outcome == outcome


def test_500_then_200(farm):
    first = check(farm.url("/flaky?key=a"))
    second = check(farm.url("/flaky?key=a"))
    assert (first.outcome, first.http_status) == (Outcome.SERVER_ERROR, 500)
    assert (second.outcome, second.http_status) == (Outcome.OK, 200)


def test_429_with_retry_after(farm):
    result = check(farm.url("/rate-limited?after=120"))
    assert (result.outcome, result.http_status, result.retry_after) == (Outcome.RATE_LIMITED, 429, 120)
    assert [entry["method"] for entry in farm.log] == ["HEAD"]  # told to slow down: not asked again by GET


def test_503_with_retry_after_is_rate_limited(farm):
    result = check(farm.url("/unavailable"))
    assert (result.outcome, result.retry_after) == (Outcome.RATE_LIMITED, 3600)


def test_head_405_then_get_200(farm):
    result = check(farm.url("/no-head"))
    assert (result.outcome, result.http_status) == (Outcome.OK, 200)
    assert [entry["method"] for entry in farm.log] == ["HEAD", "GET"]


def test_403_after_get_is_restricted(farm):
    result = check(farm.url("/forbidden"))
    assert (result.outcome, result.http_status) == (Outcome.RESTRICTED, 403)
    assert farm.log[-1]["method"] == "GET"


def test_redirect_loop(farm):
    result = check(farm.url("/loop/a"))
    assert result.outcome == Outcome.REDIRECT_LOOP
    assert len(farm.log) == 2


def test_ten_redirects_are_followed_eleven_are_too_many(farm):
    assert check(farm.url("/chain/10")).outcome == Outcome.OK
    farm.reset()
    result = check(farm.url("/chain/11"))
    assert result.outcome == Outcome.TOO_MANY_REDIRECTS
    assert len(farm.log) == 11  # the 11th Location is never requested


def test_slow_trickle_body_is_cut_at_the_deadline(farm, settings):
    settings.LINKCHECK_DEADLINE = 1.5
    # A byte every 0.2 s for over half an hour: never a read timeout, and no end before the deadline's.
    result = check_within(10, farm.url("/trickle"), want_body=True)
    assert result.outcome == Outcome.TIMEOUT
    assert result.error == "no complete answer within the 1.5 s deadline"
    assert result.elapsed_ms >= 1400  # not cut before it; the outer 10 s: this deadline, not the default 20 s


def test_trickled_response_head_is_cut_at_the_deadline(head_trickle, settings):
    settings.LINKCHECK_DEADLINE = 1.5
    result = check_within(10, f"http://127.0.0.1:{head_trickle.port}/")  # the head, a byte every 0.2 s
    assert result.outcome == Outcome.TIMEOUT
    assert result.error == "no complete answer within the 1.5 s deadline"
    assert result.elapsed_ms >= 1400


def test_50_mb_body_is_read_only_up_to_the_cap(farm):
    result = check(farm.url("/big"), want_body=True)
    assert result.outcome == Outcome.OK
    assert result.truncated
    assert len(result.text) == 2 * 1024 * 1024
    assert result.content_hash


def test_gzip_bomb_is_cut_in_decoded_bytes(farm, settings):
    settings.LINKCHECK_MAX_BODY_BYTES = 1024 * 1024
    gzip_bomb()  # made before the check: compressing it is the server's setup, not an answer under the deadline
    result = check(farm.url("/bomb"), want_body=True)
    assert result.outcome == Outcome.OK
    assert result.truncated
    assert len(result.text) == 1024 * 1024


def test_redirect_to_loopback_outside_the_allow_list_is_blocked(farm_pair, farm):
    outside = farm_pair[1]
    result = check(farm.url("/to-blocked"))
    assert result.outcome == Outcome.BLOCKED
    assert "127.0.0.2" in result.error
    assert outside.log == []  # never connected


def test_redirect_to_an_encoded_loopback_is_blocked(farm_pair, farm):
    result = check(farm.url("/to-encoded-loopback"))
    assert result.outcome == Outcome.BLOCKED
    assert farm_pair[1].log == []


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.2",
        "0177.0.0.2",
        "0x7f.0.0.2",
        "2130706434",
        "[::ffff:127.0.0.2]",
        "[::1]",
        "[64:ff9b::7f00:2]",
        "[2002:7f00:2::1]",
    ],
)
def test_urls_naming_blocked_addresses_are_blocked(farm_pair, host):
    result = check(f"http://{host}:{farm_pair[1].port}/ok")
    assert result.outcome == Outcome.BLOCKED
    assert farm_pair[1].log == []


def test_redirect_to_another_scheme_is_invalid(farm):
    assert check(farm.url("/to-ftp")).outcome == Outcome.INVALID_URL


@pytest.mark.parametrize("url", ["ftp://example.org/", "file:///etc/passwd", "http:///nohost", "gopher://127.0.0.1/"])
def test_only_http_urls_are_fetched(url):
    assert check(url).outcome == Outcome.INVALID_URL


def test_connection_refused(farm):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    assert check(f"http://127.0.0.1:{port}/").outcome == Outcome.CONNECTION_ERROR


def test_tls_is_verified(farm):
    # An https url to a plain-http port: the handshake fails, and that is a tls error, not ok.
    result = check(f"https://127.0.0.1:{farm.port}/ok")
    assert result.outcome in (Outcome.TLS_ERROR, Outcome.CONNECTION_ERROR)


def test_resolved_once_and_connected_to_the_checked_address(farm):
    """DNS rebinding: the first answer is checked and used; a second lookup would say 127.0.0.2."""
    answers = [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("127.0.0.2")]
    calls = []

    async def rebinding_resolver(host, port):
        calls.append(host)
        return [answers[min(len(calls) - 1, 1)]]

    result = check_url(
        f"http://rebind.test:{farm.port}/ok", config=FetchConfig.from_settings(), resolve=rebinding_resolver
    )
    assert result.outcome == Outcome.OK
    assert calls == ["rebind.test"]
    assert farm.log[-1]["host"] == f"rebind.test:{farm.port}"


def test_every_resolved_address_must_pass(farm):
    async def mixed(host, port):
        return [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("10.0.0.1")]

    result = check_url(f"http://mixed.test:{farm.port}/ok", config=FetchConfig.from_settings(), resolve=mixed)
    assert result.outcome == Outcome.BLOCKED
    assert farm.log == []


def test_dns_failure(farm):
    async def nxdomain(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    result = check_url("http://does-not-exist.test/", config=FetchConfig.from_settings(), resolve=nxdomain)
    assert result.outcome == Outcome.DNS_ERROR


def test_fetch_text_returns_the_decoded_page(farm):
    result = fetch_text(farm.url("/zh?charset=gb18030"))
    assert result.outcome == Outcome.OK
    assert "国家统计局" in result.text


def test_many_checks_share_one_loop(farm, settings):
    from sources.fetch import check_many

    # 2 hosts x 2 at a time reach the farm together however slowly a busy machine sends them; checks made one
    # after another would leave one request at the gate until its cap.
    hold_until_in_flight(farm, settings, 4)
    farm.delay = 0.2  # each held long enough for a fifth to arrive, were the per-host limit broken
    urls = [farm.url(f"/ok?n={n}") for n in range(10)] + [farm.url(f"/ok?n={n}", host="localhost") for n in range(10)]
    results = asyncio.run(check_many(urls, config=FetchConfig.from_settings()))
    assert [r.outcome for r in results] == [Outcome.OK] * 20
    assert max(farm.max_in_flight.values()) == 4
    assert farm.max_in_flight["127.0.0.1"] >= 2


@pytest.mark.parametrize(
    ("value", "expected"), [("120", 120), ("0", 0), ("junk", None), (None, None), ("99999999999", 30 * 24 * 3600)]
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 60) == 60


def test_decode_body_uses_meta_charset_and_skips_binaries():
    assert (
        decode_body('<meta charset="gbk">中文'.encode("gbk"), charset=None, content_type="text/html")
        == '<meta charset="gbk">中文'
    )
    assert decode_body(b"%PDF", charset=None, content_type="application/pdf") is None


# Hosts that look like loopback addresses without being written as one (issue 14). Each points at loopback if it
# points anywhere, and the allow-list lets loopback through: the guard itself must refuse the spelling.
LOOKALIKE_HOSTS = ["127.0.0.1.", "127.0.0.1..", "2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1", "[::1%25lo]"]


@pytest.mark.parametrize("redirected", [False, True], ids=["cited", "redirected"])
@pytest.mark.parametrize("host", LOOKALIKE_HOSTS)
def test_hosts_that_only_look_like_addresses_are_refused_by_the_guard(farm, settings, host, redirected):
    from importlib.metadata import version

    # aiohttp before 3.14 would hand a digits-and-dots name to the system resolver: never run this test with it.
    assert tuple(int(n) for n in version("aiohttp").split(".")[:2]) >= (3, 14)
    settings.LINKCHECK_ALLOW_NETWORKS = ["127.0.0.1/32", "::1/128"]
    asked = []

    async def loopback_only(name, port):
        asked.append(name)
        return [ipaddress.ip_address("127.0.0.1")]

    url = f"http://{host}:{farm.port}/ok"
    first = farm.url("/to", host="localhost") + f"?url={url}" if redirected else url
    result = check_url(first, config=FetchConfig.from_settings(), resolve=loopback_only)
    assert result.outcome == Outcome.INVALID_URL
    assert "not fetched" in result.error  # the guard's words, not aiohttp's
    assert asked == (["localhost"] if redirected else [])  # the lookalike was never looked up
    assert [r["path"] for r in farm.log] == (["/to"] if redirected else [])
