"""Slow clients and forwarded headers against real processes on loopback: gunicorn with deploy/gunicorn.conf.py,
and nginx with deploy/nginx.conf in front of it (when nginx is installed).

Issue 14: with compose's old shape (sync workers, gunicorn published) two dripping connections blocked a normal
request for 30 s, and a client reaching gunicorn chose its own X-Forwarded-For. Each test first shows what the
attack does to gunicorn alone (the control), then that the shipped shape answers while the attack is still going.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import socket
import stat
import sys
import tempfile
import threading
from pathlib import Path

import pytest
import requests

from tests import factories

from .conftest import ROOT, Process, app_env, free_port, test_database_url, wait_for

pytestmark = pytest.mark.slow

NGINX_CONF = ROOT / "deploy" / "nginx.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
MB = 1024 * 1024


# --- processes ---------------------------------------------------------------------------------------------------


class Gunicorn(Process):
    """gunicorn on 127.0.0.1 and a free port, with the given options (the shipped config, or the old command)."""

    def __init__(self, name: str, env: dict[str, str], *options: str) -> None:
        self.port = free_port()
        args = [sys.executable, "-m", "gunicorn", *options, "--bind", f"127.0.0.1:{self.port}"]
        super().__init__(name, [*args, "factcheck.wsgi:application"], env)
        if not wait_for(self._answers, timeout=30, interval=0.2):
            self.stop()
            raise RuntimeError(f"gunicorn did not start:\n{self.output()[-3000:]}")

    def _answers(self) -> bool:
        try:
            requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
            return True
        except requests.RequestException:
            return False


def _nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def render_nginx_conf(directory: Path, *, listen_port: int, upstream_port: int) -> Path:
    """deploy/nginx.conf as shipped, but listening on loopback, proxying to our gunicorn, with its temporary files
    in `directory`. Each change must apply exactly once, so a reworded config fails here rather than going
    untested."""
    text = NGINX_CONF.read_text()
    temp_paths = "".join(f"    {kind}_temp_path {directory}/{kind};\n" for kind in ("client_body", "proxy"))
    temp_paths += "".join(f"    {kind}_temp_path {directory}/{kind};\n" for kind in ("fastcgi", "uwsgi", "scgi"))
    for old, new in (
        ("    listen 80 default_server;", f"    listen 127.0.0.1:{listen_port} default_server;"),
        ("http://web:8000", f"http://127.0.0.1:{upstream_port}"),
        ("http {\n", "http {\n" + temp_paths),
    ):
        assert text.count(old) == 1, f"deploy/nginx.conf no longer has {old!r} once"
        text = text.replace(old, new)
    path = directory / "nginx.conf"
    path.write_text(text)
    return path


class Nginx(Process):
    def __init__(self, upstream_port: int) -> None:
        binary = _nginx_binary()
        self.port = free_port()
        # Workers run as an unprivileged user when the tests run as root: they must reach their temporary files.
        self.dir = Path(tempfile.mkdtemp(prefix="fc-nginx-"))
        self.dir.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        conf = render_nginx_conf(self.dir, listen_port=self.port, upstream_port=upstream_port)
        args = [binary, "-p", f"{self.dir}/", "-c", str(conf), "-e", str(self.dir / "error.log")]
        super().__init__("nginx", [*args, "-g", f"daemon off; pid {self.dir}/nginx.pid;"], dict(os.environ))
        if not wait_for(self._listens, timeout=15, interval=0.1):
            self.stop()
            raise RuntimeError(f"nginx did not start:\n{self.output()[-3000:]}")

    def _listens(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
            return True
        return False

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def nginx_binary():
    if _nginx_binary() is None:
        pytest.skip("nginx is not installed (Debian package nginx; make test installs it): cannot run the proxy")


# --- clients -----------------------------------------------------------------------------------------------------


class Dripper:
    """A slowloris: a request whose headers arrive one byte at a time and never end, until close()."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.settimeout(None)  # blocking, so a MSG_DONTWAIT peek answers at once
        self.stopped = threading.Event()
        self.failed: BaseException | None = None
        self.sock.sendall(b"G")  # readable at once: gunicorn hands it to a worker (thread) now
        self.thread = threading.Thread(target=self._drip, daemon=True)
        self.thread.start()

    def _drip(self) -> None:
        payload = b"ET /api/v1/claims/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 10_000
        try:
            for byte in payload:
                if self.stopped.wait(0.2):
                    return
                self.sock.sendall(bytes([byte]))
        except OSError as exc:
            self.failed = exc

    def still_open(self) -> bool:
        """Still sending, and nothing came back: neither an answer nor a hang-up."""
        if self.failed is not None or not self.thread.is_alive():
            return False
        try:
            self.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return True
        except OSError:
            return False
        return False  # data or EOF: the server answered (a 408) or hung up

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        self.sock.close()


@contextlib.contextmanager
def drippers(port: int, count: int):
    opened = [Dripper(port) for _ in range(count)]
    try:
        yield opened
    finally:
        for dripper in opened:
            dripper.close()


class Pending:
    """A normal GET sent in the background, so a test can see whether it was answered."""

    def __init__(self, port: int, path: str = "/api/v1/claims/") -> None:
        self.status: int | None = None
        self.answered = threading.Event()
        self.thread = threading.Thread(target=self._get, args=(port, path), daemon=True)
        self.thread.start()

    def _get(self, port: int, path: str) -> None:
        with contextlib.suppress(requests.RequestException):
            self.status = requests.get(f"http://127.0.0.1:{port}{path}", timeout=60).status_code
        self.answered.set()


def get(port: int, path: str, *, source: str = "127.0.0.1", headers: dict | None = None) -> tuple[int, dict]:
    """GET from a chosen loopback address (127.0.0.0/8 is all ours), so the server sees different clients."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, json.loads(body) if body.startswith(b"{") else {}
    finally:
        connection.close()


def _env(redis, **extra: str) -> dict[str, str]:
    return app_env(database_url=test_database_url(), redis=redis, **extra)


# --- slow clients --------------------------------------------------------------------------------------------------


def test_dripping_clients_hold_old_sync_workers_but_not_the_shipped_threads(
    transactional_db, needs_postgres_and_redis, throwaway_redis, processes
):
    # The control: compose's old command, here with two sync workers. Two drippers take both, and a normal
    # request is answered only once they hang up.
    old = Gunicorn("old-sync", _env(throwaway_redis), "--workers", "2", "--timeout", "60")
    processes.append(old)
    with drippers(old.port, 2):
        blocked = Pending(old.port)
        assert not blocked.answered.wait(3), "two drippers no longer hold two sync workers: the control is void"
    assert blocked.answered.wait(30)
    assert blocked.status == 200

    # The shipped config (gthread), with as few processes: the same two drippers hold two threads of eight.
    shipped = Gunicorn("shipped", _env(throwaway_redis), "-c", str(GUNICORN_CONF), "--workers", "2")
    processes.append(shipped)
    with drippers(shipped.port, 2) as open_drippers:
        normal = Pending(shipped.port)
        assert normal.answered.wait(30)
        assert normal.status == 200
        assert all(d.still_open() for d in open_drippers), "answered only after a dripper was let go"


def test_through_the_proxy_drippers_and_slow_readers_never_reach_gunicorn(
    transactional_db, needs_postgres_and_redis, throwaway_redis, processes, nginx_binary
):
    # About 6 MB of NDJSON: more than loopback's socket buffers hold, so a reader that stops keeps the writer busy.
    factories.PublishedClaimFactory.create_batch(300, explanation="Checked against the filing. " * 700)
    env = _env(throwaway_redis, API_EXPORT_CHUNK_SIZE="10", API_ANON_THROTTLE_RATE="")
    # One thread in all, so any client that holds it blocks everyone else who reaches gunicorn.
    web = Gunicorn("behind-proxy", env, "-c", str(GUNICORN_CONF), "--workers", "1", "--threads", "1")
    processes.append(web)
    proxy = Nginx(web.port)
    processes.append(proxy)

    # The control: one dripper straight to gunicorn holds its one thread until it hangs up.
    with drippers(web.port, 1):
        blocked = Pending(web.port)
        assert not blocked.answered.wait(3), "a dripper no longer holds a gunicorn thread: the control is void"
    assert blocked.answered.wait(30)

    # Through nginx, four drippers: nginx waits for their headers, gunicorn never hears of them.
    with drippers(proxy.port, 4) as open_drippers:
        normal = Pending(proxy.port)
        assert normal.answered.wait(30)
        assert normal.status == 200
        assert all(d.still_open() for d in open_drippers), "answered only after a dripper was let go"

    # A reader that stops reading a long export: straight to gunicorn it holds the thread (the control) ...
    with slow_reader(web.port):
        blocked = Pending(web.port)
        assert not blocked.answered.wait(3), "a stalled export no longer holds a gunicorn thread: the control is void"
    assert blocked.answered.wait(30)
    # ... through nginx, which reads the whole export into its buffers and temporary file, it does not.
    with slow_reader(proxy.port) as reader:
        normal = Pending(proxy.port)
        assert normal.answered.wait(30)
        assert normal.status == 200
        assert _unread(reader) > 0, "the slow reader was cut off, not outlasted"


@contextlib.contextmanager
def slow_reader(port: int):
    """GET the NDJSON export, read the status line, then read nothing more until closed."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(10)
        sock.connect(("127.0.0.1", port))
        sock.sendall(b"GET /api/v1/claims/export/?format=ndjson HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert sock.recv(12).startswith(b"HTTP/1.1 200")
        yield sock


def _unread(sock: socket.socket) -> int:
    """Bytes waiting in the socket: the export is still coming, the connection open."""
    sock.setblocking(False)
    try:
        return len(sock.recv(65536, socket.MSG_PEEK))
    except BlockingIOError:
        return 0


# --- forwarded headers and /healthz through the real proxy ----------------------------------------------------------


def test_through_the_proxy_the_app_sees_the_address_nginx_saw(
    transactional_db, needs_postgres_and_redis, throwaway_redis, processes, nginx_binary
):
    # nginx reaches gunicorn from 127.0.0.1, the one trusted proxy; clients come from other loopback addresses.
    env = _env(
        throwaway_redis,
        DJANGO_NUM_PROXIES="1",
        DJANGO_TRUSTED_PROXIES="127.0.0.1/32",
        HEALTHZ_ALLOW_NETWORKS="127.0.0.2/32",
        API_ANON_THROTTLE_RATE="3/min",
    )
    web = Gunicorn("forwarded", env, "-c", str(GUNICORN_CONF), "--workers", "1", "--threads", "2")
    processes.append(web)
    proxy = Nginx(web.port)
    processes.append(proxy)

    # The monitoring host (allowed) sees the details through the proxy, whatever it writes in the header.
    status, body = get(proxy.port, "/healthz", source="127.0.0.2", headers={"X-Forwarded-For": "127.0.0.9"})
    assert status == 200
    assert "database" in body
    # Anyone else claiming to be it does not: nginx overwrote the header with the address it saw ...
    status, body = get(proxy.port, "/healthz", source="127.0.0.3", headers={"X-Forwarded-For": "127.0.0.2"})
    assert (status, body) == (200, {"status": body["status"]})
    # ... and going round the proxy, straight to gunicorn, the header is not believed at all.
    status, body = get(web.port, "/healthz", source="127.0.0.3", headers={"X-Forwarded-For": "127.0.0.2"})
    assert (status, body) == (200, {"status": body["status"]})

    # The throttle counts the address nginx saw, however the client renames itself.
    codes = [
        get(proxy.port, "/api/v1/claims/", source="127.0.0.4", headers={"X-Forwarded-For": f"203.0.113.{n}"})[0]
        for n in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    assert get(proxy.port, "/api/v1/claims/", source="127.0.0.5")[0] == 200  # another client is not affected
    # Going round the proxy with a new name each time (compose's old shape let anyone do this) changes nothing.
    codes = [
        get(web.port, "/api/v1/claims/", source="127.0.0.6", headers={"X-Forwarded-For": f"203.0.113.{n}"})[0]
        for n in range(10, 15)
    ]
    assert codes == [200, 200, 200, 429, 429]


def test_the_proxy_refuses_a_body_over_the_cap_before_reading_it(
    transactional_db, needs_postgres_and_redis, throwaway_redis, processes, nginx_binary, settings
):
    web = Gunicorn("body-cap", _env(throwaway_redis), "-c", str(GUNICORN_CONF), "--workers", "1")
    processes.append(web)
    proxy = Nginx(web.port)
    processes.append(proxy)
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        length = settings.REQUEST_MAX_UPLOAD_BYTES + 1
        sock.sendall(
            b"POST /admin/claims/article/import/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n" + f"Content-Length: {length}\r\n\r\n".encode()
        )
        # Not one byte of the body sent: nginx answers from the header alone, and gunicorn is never asked.
        assert sock.recv(64).startswith(b"HTTP/1.1 413")
