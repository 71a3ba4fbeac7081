"""Why a link check failed, in words (sources.choices.Failure), instead of the checker's Python text (issue 18:
`gaierror: [Errno -2] Name or service not known` reached reviewers as it was).

Live where the failure can happen on loopback (a closed port refuses, a self-signed certificate is not valid, an
address outside the allow-list is blocked, redirects loop), pure functions for the rest. Nothing leaves 127.0.0.0/8:
the name that does not resolve is answered by a resolver we pass in, never by DNS.
"""

from __future__ import annotations

import errno
import shutil
import socket
import ssl
import subprocess
import threading

import aiohttp
import pytest
from django.utils import translation

from sources.choices import OUTCOME_FAILURES, Failure, Outcome, check_failure, check_reason
from sources.fetch import (
    BadRedirect,
    Blocked,
    FetchConfig,
    InvalidHost,
    InvalidTarget,
    check_url,
    failure_of_exception,
)
from sources.services import source_check
from tests import factories
from tests.api.conftest import token_headers


def _config(settings) -> FetchConfig:
    return FetchConfig.from_settings()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: a connection there is refused


# --- live, on loopback -----------------------------------------------------------------------------------------


def test_a_closed_port_is_a_refused_connection(settings):
    result = check_url(f"http://127.0.0.1:{_closed_port()}/", config=_config(settings))
    assert (result.outcome, result.failure) == (Outcome.CONNECTION_ERROR, Failure.REFUSED)
    assert "ClientConnectorError" in result.error  # the checker's own text is kept beside the words
    assert check_reason(outcome=result.outcome, failure=result.failure, error=result.error) == (
        "the server refused the connection"
    )


def test_a_name_that_does_not_resolve(settings):
    async def no_such_name(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    result = check_url("http://no-such-name.invalid/", config=_config(settings), resolve=no_such_name)
    assert (result.outcome, result.failure) == (Outcome.DNS_ERROR, Failure.DNS)
    assert result.error == "gaierror: [Errno -2] Name or service not known"
    assert check_reason(outcome=result.outcome, failure=result.failure) == "the name does not resolve"


def test_a_name_server_that_does_not_answer_says_nothing_of_the_name(settings):
    async def no_answer(host, port):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    result = check_url("http://example.invalid/", config=_config(settings), resolve=no_answer)
    assert (result.outcome, result.failure) == (Outcome.DNS_ERROR, Failure.DNS_UNAVAILABLE)


def test_an_address_outside_the_allow_list_is_blocked(farm_pair, settings):
    outside = farm_pair[1]
    result = check_url(outside.url("/ok"), config=_config(settings))
    assert (result.outcome, result.failure) == (Outcome.BLOCKED, Failure.BLOCKED)
    assert str(Failure.BLOCKED.label) == "blocked: the address is on a private network"


@pytest.mark.parametrize(
    ("path", "outcome", "failure"),
    [
        ("/loop/a", Outcome.REDIRECT_LOOP, Failure.REDIRECT_LOOP),
        ("/status/404", Outcome.NOT_FOUND, Failure.NOT_FOUND),
        ("/status/500", Outcome.SERVER_ERROR, Failure.SERVER_ERROR),
        ("/to-ftp", Outcome.INVALID_URL, Failure.BAD_REDIRECT),
    ],
)
def test_answers_that_are_failures(farm, settings, path, outcome, failure):
    result = check_url(farm.url(path), config=_config(settings))
    assert result.outcome == outcome
    assert check_failure(outcome=result.outcome, failure=result.failure, error=result.error) == failure


def test_a_page_that_never_finishes_runs_out_of_time(farm, settings):
    result = check_url(farm.url("/trickle"), config=_config(settings), want_body=True)
    assert (result.outcome, result.failure) == (Outcome.TIMEOUT, Failure.DEADLINE)
    assert check_reason(outcome=result.outcome, failure=result.failure) == "no complete answer in the time allowed"


def test_a_success_has_no_reason(farm, settings):
    result = check_url(farm.url("/ok"), config=_config(settings))
    assert (result.outcome, result.failure) == (Outcome.OK, "")
    assert check_reason(outcome=result.outcome, failure=result.failure, error=result.error) == ""


def _self_signed(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return key, cert


@pytest.fixture
def tls_server(tmp_path):
    """An HTTPS server on loopback whose certificate no one signed: every client must refuse it."""
    key, cert = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1024)
                    tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            except (ssl.SSLError, OSError):
                conn.close()  # the client gave up on the certificate, as it should

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield port
    stop.set()
    thread.join(timeout=2)
    listener.close()


def test_a_certificate_no_one_signed_is_not_valid(tls_server, settings):
    """A certificate error is a TLS error, not an invalid url (ssl.SSLCertVerificationError is a ValueError too)."""
    result = check_url(f"https://127.0.0.1:{tls_server}/", config=_config(settings))
    assert (result.outcome, result.failure) == (Outcome.TLS_ERROR, Failure.CERTIFICATE)
    assert check_reason(outcome=result.outcome, failure=result.failure) == "the certificate is not valid"


# --- pure: the exception decides ---------------------------------------------------------------------------------


def _connector_error(code: int) -> aiohttp.ClientConnectorError:
    key = aiohttp.client_reqrep.ConnectionKey("example.org", 443, True, True, None, None, None)
    return aiohttp.ClientConnectorError(key, OSError(code, "Connect call failed ('192.0.2.1', 443)"))


@pytest.mark.parametrize(
    ("exc", "failure"),
    [
        (_connector_error(errno.ECONNREFUSED), Failure.REFUSED),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), Failure.REFUSED),
        (_connector_error(errno.ENETUNREACH), Failure.UNREACHABLE),
        (_connector_error(errno.EHOSTUNREACH), Failure.UNREACHABLE),
        (_connector_error(errno.ECONNRESET), Failure.RESET),
        (aiohttp.ServerDisconnectedError(), Failure.RESET),
        (ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"), Failure.RESET),
        (aiohttp.ConnectionTimeoutError(), Failure.CONNECT_TIMEOUT),
        (aiohttp.SocketTimeoutError(), Failure.READ_TIMEOUT),
        (TimeoutError(), Failure.DEADLINE),
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), Failure.DNS),
        (socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"), Failure.DNS_UNAVAILABLE),
        (ssl.SSLCertVerificationError(1, "certificate verify failed"), Failure.CERTIFICATE),
        (ssl.SSLError(1, "wrong version number"), Failure.TLS),
        (aiohttp.ClientPayloadError("Response payload is not completed"), Failure.BAD_RESPONSE),
        (Blocked("db resolves to 10.0.0.5, which is not a public address; not fetched."), Failure.BLOCKED),
        (InvalidHost("“0177.1” looks like an IP address"), Failure.INVALID_URL),
        (InvalidTarget("The url has no host."), Failure.INVALID_URL),
        (BadRedirect("Redirect to an unusable location “ftp://x”"), Failure.BAD_REDIRECT),
        (OSError("Multiple exceptions: [Errno 111] ..., [Errno 101] ..."), Failure.CONNECTION),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value),
)
def test_the_failure_of_an_exception(exc, failure):
    assert failure_of_exception(exc) == failure


def test_checks_recorded_before_failures_were_read_by_their_outcome():
    assert set(OUTCOME_FAILURES) == set(Outcome)
    assert check_reason(outcome=Outcome.DNS_ERROR) == "the name does not resolve"
    assert check_reason(outcome=Outcome.CONNECTION_ERROR, error="ClientOSError: ...") == "the connection failed"
    assert check_reason(outcome=Outcome.OK, error="unsupported content encoding “br”") == (
        "the page answered, but its text could not be read"
    )
    assert check_reason(outcome=Outcome.OK) == ""
    assert check_reason(outcome="not-an-outcome", failure="not-a-failure", error="boom") == "the connection failed"


def test_every_reason_is_a_sentence_in_both_languages():
    for failure in Failure:
        with translation.override("en"):
            english = str(failure.label)
        with translation.override("zh-hans"):
            chinese = str(failure.label)
        assert english, failure
        assert chinese != english, failure
        assert not any(word in english for word in ("Errno", "Error", "gaierror")), english


# --- where the reason is shown ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_gives_the_reason_in_the_requests_language(client, reviewer, settings):
    claim = factories.PublishedClaimFactory()
    source = claim.evidence.get().source
    source.url = f"http://127.0.0.1:{_closed_port()}/gone"
    source.save()
    check = source_check(source_id=source.pk)
    assert check.failure == Failure.REFUSED

    path = f"/api/v1/sources/{source.pk}/checks/"
    [row] = client.get(path, headers={"accept-language": "zh-Hans"}).json()["results"]
    assert row["outcome"] == "connection_error"  # the machine's value does not change with the language
    assert row["reason"] == row["error"] == "服务器拒绝了连接"
    [row] = client.get(path, headers={**token_headers(reviewer), "accept-language": "en"}).json()["results"]
    assert row["reason"] == "the server refused the connection"
    assert row["error"] == check.error  # reviewers also read the checker's own text


@pytest.mark.django_db
def test_the_admin_shows_reviewers_the_reason_and_keeps_the_detail_folded(client, reviewer):
    claim = factories.PublishedClaimFactory()
    source = claim.evidence.get().source
    error = "gaierror: [Errno -2] Name or service not known"
    check = factories.LinkCheckFactory(
        source=source, outcome=Outcome.DNS_ERROR, failure=Failure.DNS, http_status=None, error=error
    )
    client.force_login(reviewer)
    page = client.get(f"/admin/sources/source/{source.pk}/change/").content.decode()
    assert "the name does not resolve" in page
    assert f"<summary>The checker&#x27;s message</summary><code>{error}</code>" in page

    listing = client.get("/admin/sources/linkcheck/").content.decode()
    assert "the name does not resolve" in listing
    change = client.get(f"/admin/sources/linkcheck/{check.pk}/change/").content.decode()
    assert "the name does not resolve" in change


@pytest.mark.django_db
def test_an_article_that_cannot_be_fetched_says_why_in_words(settings):
    from claims.importers.article import article_data_from_url
    from claims.importers.base import ParseError

    settings.LINKCHECK_ALLOW_NETWORKS = ["127.0.0.1/32"]
    with pytest.raises(ParseError) as info:
        article_data_from_url(f"http://127.0.0.1:{_closed_port()}/story")
    assert str(info.value) == "url: the page could not be fetched: the server refused the connection"
    with translation.override("zh-hans"), pytest.raises(ParseError) as info:
        article_data_from_url(f"http://127.0.0.1:{_closed_port()}/story")
    assert str(info.value) == "url: 无法获取网页：服务器拒绝了连接"
