"""Loopback HTTP servers that play every case the link checker must handle.

Each server runs an aiohttp app in its own thread and event loop, on 127.0.0.x and a random port.
Nothing here ever listens on or connects to anything but loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import socket
import threading
import time
import zlib
from collections import defaultdict
from datetime import UTC, datetime

from aiohttp import web

ARTICLE = """<!doctype html><html><head><title>Budget report</title><style>p {{ color: red }}</style>
<script>var quote = "not visible";</script></head>
<body><h1>Budget report</h1>
<p>The minister said that   the deficit
 fell to <b>3.1&nbsp;per cent</b> in 2023.</p>
{extra}
</body></html>"""

CHINESE = """<!doctype html><html><head><meta charset="{charset}"><title>报告</title></head>
<body><p>国家统计局表示，
２０２３年 全年ＧＤＰ增长
5.2%，高于预期。</p></body></html>"""


# A gate that never sees its count opens after this long anyway, so a test of broken concurrency fails, not hangs.
GATE_CAP = 10.0


@functools.cache
def gzip_bomb(size: int = 256 * 1024 * 1024) -> bytes:
    """gzip of ``size`` zero bytes, built chunk by chunk so the test never holds the inflated data."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1024 * 1024)
    parts = [deflate.compress(chunk) for _ in range(size // len(chunk))]
    parts.append(deflate.flush())
    return b"".join(parts)


class Farm:
    """Routes for each case; ``hits`` counts requests per path and ``log`` keeps their details."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.hits: dict[str, int] = defaultdict(int)
        self.log: list[dict] = []
        self.in_flight = 0
        self.max_in_flight: dict[str, int] = defaultdict(int)
        self.snapshots: list[tuple[str, str]] = []  # (timestamp, url) for the fake archive
        self.delay = 0.0
        # Hold each request until this many are in flight at once; then the gate stays open. A test of concurrency
        # then sees the overlap it expects however slowly a busy machine sends the requests.
        self.gate = 0
        self._gate_open: asyncio.Event | None = None
        self.other: Farm | None = None  # the server outside the allow-list, for the blocked redirect
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # -- addresses --------------------------------------------------------------------------
    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"

    # -- handlers ---------------------------------------------------------------------------
    async def _record(self, request: web.Request) -> None:
        self.hits[request.path] += 1
        self.log.append(
            {
                "path": request.path,
                "method": request.method,
                "at": time.monotonic(),
                "host": request.headers.get("Host"),
                "ua": request.headers.get("User-Agent"),
                "query": dict(request.query),
            }
        )

    @web.middleware
    async def middleware(self, request: web.Request, handler):
        await self._record(request)
        key = request.headers.get("Host", "").split(":")[0]
        self.in_flight += 1
        self.max_in_flight[key] = max(self.max_in_flight[key], self.in_flight)
        try:
            if self.gate:
                await self._through_gate()
            if self.delay:
                await asyncio.sleep(self.delay)
            return await handler(request)
        finally:
            self.in_flight -= 1

    async def _through_gate(self) -> None:
        if self._gate_open is None:
            self._gate_open = asyncio.Event()
        if self.in_flight >= self.gate:
            self._gate_open.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(GATE_CAP):
                await self._gate_open.wait()
        self._gate_open.set()  # open for good, also after the cap: max_in_flight tells the test what happened

    async def ok(self, request):
        return web.Response(text=ARTICLE.format(extra=""), content_type="text/html")

    async def article(self, request):
        extra = "" if request.query.get("removed") else "<p>Officials confirmed the figure on Monday.</p>"
        return web.Response(text=ARTICLE.format(extra=extra), content_type="text/html")

    async def chinese(self, request):
        charset = request.query.get("charset", "utf-8")
        body = CHINESE.format(charset=charset).encode(charset)
        return web.Response(body=body, content_type="text/html")  # no charset header: the <meta> says it

    async def status(self, request):
        return web.Response(status=int(request.match_info["code"]), text="status page")

    async def moved(self, request):
        raise web.HTTPMovedPermanently(location="/ok")

    async def moved_308(self, request):
        raise web.HTTPPermanentRedirect(location=self.url("/ok"))

    async def to_localhost(self, request):
        # The same server under another host name: a hop to another host, for politeness.
        raise web.HTTPMovedPermanently(location=self.url("/ok", host="localhost"))

    async def temporary(self, request):
        raise web.HTTPFound(location="/ok")

    async def flaky(self, request):
        """500 for the first ``fail`` requests with this key (a HEAD and its GET are two), then 200."""
        key = f"flaky:{request.query.get('key', '')}"
        self.hits[key] += 1
        if self.hits[key] <= int(request.query.get("fail", "2")):
            return web.Response(status=500, text="oops")
        return web.Response(text=ARTICLE.format(extra=""), content_type="text/html")

    async def rate_limited(self, request):
        return web.Response(status=429, text="slow down", headers={"Retry-After": request.query.get("after", "120")})

    async def unavailable(self, request):
        return web.Response(status=503, text="maintenance", headers={"Retry-After": "3600"})

    async def no_head(self, request):
        if request.method == "HEAD":
            return web.Response(status=405)
        return web.Response(text=ARTICLE.format(extra=""), content_type="text/html")

    async def forbidden(self, request):
        return web.Response(status=403, text="bot wall")

    async def loop(self, request):
        target = "/loop/b" if request.match_info["name"] == "a" else "/loop/a"
        raise web.HTTPFound(location=target)

    async def chain(self, request):
        n = int(request.match_info["n"])
        if n == 0:
            return web.Response(text="end of chain")
        raise web.HTTPFound(location=f"/chain/{n - 1}")

    async def trickle(self, request):
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        try:
            for _ in range(10_000):
                await response.write(b"<")
                await asyncio.sleep(0.2)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    async def big(self, request):
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.content_length = 50 * 1024 * 1024
        await response.prepare(request)
        chunk = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>\n"
        sent = 0
        try:
            while sent < response.content_length:
                await response.write(chunk[: response.content_length - sent])
                sent += len(chunk)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        self.hits["big:sent"] = sent
        return response

    async def bomb(self, request):
        return web.Response(body=gzip_bomb(), headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})

    async def to_blocked(self, request):
        assert self.other is not None
        raise web.HTTPFound(location=self.other.url("/ok"))

    async def to_encoded_loopback(self, request):
        raise web.HTTPFound(location=f"http://0x7f.0.0.2:{self.other.port if self.other else self.port}/ok")

    async def to(self, request):
        raise web.HTTPFound(location=request.query["url"])

    async def to_ftp(self, request):
        raise web.HTTPFound(location="ftp://files.example.org/x")

    async def wayback(self, request):
        wanted = request.query.get("timestamp")
        snapshots = sorted(self.snapshots)
        if not snapshots:
            return web.json_response({"url": request.query.get("url"), "archived_snapshots": {}})
        if wanted:
            at = datetime.strptime(wanted.ljust(14, "0")[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)

            def distance(item):
                when = datetime.strptime(item[0], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
                return abs((when - at).total_seconds())

            stamp, url = min(snapshots, key=distance)
        else:
            stamp, url = snapshots[-1]
        return web.json_response(
            {
                "url": request.query.get("url"),
                "archived_snapshots": {"closest": {"status": "200", "available": True, "url": url, "timestamp": stamp}},
            }
        )

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.middleware])
        app.router.add_route("*", "/ok", self.ok)
        app.router.add_route("*", "/article", self.article)
        app.router.add_route("*", "/zh", self.chinese)
        app.router.add_route("*", "/status/{code}", self.status)
        app.router.add_route("*", "/moved", self.moved)
        app.router.add_route("*", "/moved-308", self.moved_308)
        app.router.add_route("*", "/to-localhost", self.to_localhost)
        app.router.add_route("*", "/temporary", self.temporary)
        app.router.add_route("*", "/flaky", self.flaky)
        app.router.add_route("*", "/rate-limited", self.rate_limited)
        app.router.add_route("*", "/unavailable", self.unavailable)
        app.router.add_route("*", "/no-head", self.no_head)
        app.router.add_route("*", "/forbidden", self.forbidden)
        app.router.add_route("*", "/loop/{name}", self.loop)
        app.router.add_route("*", "/chain/{n}", self.chain)
        app.router.add_route("*", "/trickle", self.trickle)
        app.router.add_route("*", "/big", self.big)
        app.router.add_route("*", "/bomb", self.bomb)
        app.router.add_route("*", "/to-blocked", self.to_blocked)
        app.router.add_route("*", "/to-encoded-loopback", self.to_encoded_loopback)
        app.router.add_route("*", "/to-ftp", self.to_ftp)
        app.router.add_route("*", "/to", self.to)  # /to?url=...: a redirect to any url the test names
        app.router.add_route("GET", "/wayback/available", self.wayback)
        return app

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> Farm:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            runner = web.AppRunner(self.app(), access_log=None, handler_cancellation=True)
            self._loop.run_until_complete(runner.setup())
            self._loop.run_until_complete(web.SockSite(runner, sock).start())
            self._runner = runner
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=serve, name=f"farm-{self.host}", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def reset(self) -> None:
        self.hits.clear()
        self.log.clear()
        self.max_in_flight.clear()
        self.snapshots.clear()
        self.delay = 0.0
        self.gate = 0
        self._gate_open = None


def hold_until_in_flight(farm: Farm, settings, count: int) -> None:
    """The farm holds requests until ``count`` are in flight at once; no time limit of the check cuts that wait."""
    farm.gate = count
    settings.LINKCHECK_READ_TIMEOUT = settings.LINKCHECK_DEADLINE = 2 * GATE_CAP


class HeadTrickleServer:
    """A raw TCP server that sends its response head one byte at a time, forever."""

    def __init__(self, host: str = "127.0.0.1", interval: float = 0.2) -> None:
        self.host, self.interval, self.port = host, interval, 0
        self._stop = threading.Event()

    def start(self) -> HeadTrickleServer:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((self.host, 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100_000
        try:
            for byte in head:
                if self._stop.is_set():
                    break
                conn.sendall(bytes([byte]))
                time.sleep(self.interval)
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()


def snapshot_json(stamp: str, url: str) -> str:
    return json.dumps({"archived_snapshots": {"closest": {"available": True, "url": url, "timestamp": stamp}}})
