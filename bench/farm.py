"""The link-check farm: one asyncio process serving 50 loopback hosts (127.0.0.2 … 127.0.0.51).

Every answer comes after ``--delay`` (100 ms). The path says what a url is:
``/ok/N`` 200 with a small HTML page, ``/moved/N`` 301 to ``/ok/N`` on the same host, ``/gone/N`` 404,
``/slow/N`` 200 whose body trickles in five pieces over a further half second. ``/robots.txt`` is a 404.
For the captures' row (bench/captures.py): ``/page/N`` 200 with an article of about 50 KB, its text drawn from the
bench's news vocabulary and the same on every request of N (so a recapture finds it unchanged), and
``/big/SIZE/N`` 200 with SIZE bytes of such articles one after the other.

The farm also watches the checkers' manners: per host it records the most requests in flight at once and
the shortest gap between the starts of two requests. ``GET /__stats`` (any host) returns them as JSON,
``GET /__reset`` clears them.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import random
import time
from collections import Counter

from .words import EN_COMMON

HTML = (
    b"<!doctype html><html lang=en><head><meta charset=utf-8><title>Bench page</title></head><body>"
    + b"<p>A page cited as evidence; it says what it said when we cited it.</p>" * 24
    + b"</body></html>"
)
SLOW_PIECES = 5
SLOW_GAP = 0.1
PAGE_BYTES = 50 * 1024


@functools.cache
def _sentences() -> list[str]:
    """A fixed pool of news sentences (Zipf-weighted words of the bench vocabulary) that pages draw from: a page is
    then text that compresses like prose, cheap enough to build per request."""
    rng = random.Random(20)
    weights = [1 / (rank + 1) for rank in range(len(EN_COMMON))]
    out = []
    for _ in range(4000):
        words = rng.choices(EN_COMMON, weights, k=rng.randint(10, 24))
        number = f" {rng.randint(2, 990)}.{rng.randint(0, 9)} per cent" if rng.random() < 0.3 else ""
        out.append(" ".join(words).capitalize() + number + ".")
    return out


def page_body(n: int, size: int = PAGE_BYTES) -> bytes:
    """The article at /page/N: about ``size`` bytes of HTML, the same for the same N."""
    rng = random.Random(n)
    pool = _sentences()
    head = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Report {n}: "
        f"{pool[n % len(pool)][:60]}</title></head><body><nav><a href=/>Home</a> <a href=/news>News</a></nav>"
        f"<article><h1>Report {n}</h1><p class=byline>By the desk, {2000 + n % 25}-{1 + n % 12:02d}-"
        f"{1 + n % 28:02d}</p>\n"
    )
    tail = "</article><footer>© The farm's newspaper</footer></body></html>\n"
    parts, length = [head], len(head) + len(tail)
    while length < size:
        paragraph = "<p>" + " ".join(rng.choices(pool, k=rng.randint(3, 7))) + "</p>\n"
        if rng.random() < 0.15:
            paragraph = f"<h2>{rng.choice(pool)[:50]}</h2>\n" + paragraph
        parts.append(paragraph)
        length += len(paragraph)
    parts.append(tail)
    return "".join(parts).encode()


def big_body(size: int, n: int) -> bytes:
    """``size`` bytes of articles one after the other (the last one cut short)."""
    page = page_body(n)
    return (page * (size // len(page) + 1))[:size]


class Stats:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requests: Counter = Counter()
        self.kinds: Counter = Counter()
        self.in_flight: Counter = Counter()
        self.max_in_flight: Counter = Counter()
        self.last_start: dict[str, float] = {}
        self.min_gap: dict[str, float] = {}
        self.first = self.last = None

    def start(self, host: str, kind: str, method: str) -> None:
        now = time.monotonic()
        self.first = self.first or now
        self.requests[host] += 1
        self.kinds[f"{method} {kind}"] += 1
        self.in_flight[host] += 1
        self.max_in_flight[host] = max(self.max_in_flight[host], self.in_flight[host])
        if host in self.last_start:
            gap = now - self.last_start[host]
            self.min_gap[host] = min(self.min_gap.get(host, gap), gap)
        self.last_start[host] = now

    def end(self, host: str) -> None:
        self.in_flight[host] -= 1
        self.last = time.monotonic()

    def as_dict(self) -> dict:
        return {
            "requests": sum(self.requests.values()),
            "hosts_seen": len(self.requests),
            "by_kind": dict(self.kinds),
            "max_in_flight_per_host": max(self.max_in_flight.values(), default=0),
            "min_start_gap_per_host_s": min(self.min_gap.values(), default=None),
            "active_s": (self.last - self.first) if self.first and self.last else 0.0,
        }


STATS = Stats()


class Handler(asyncio.Protocol):
    def __init__(self, host: str, delay: float):
        self.host, self.delay = host, delay
        self.buf = b""
        self.transport = None
        self.busy = False
        self.closing = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.busy:
            self._next()

    def connection_lost(self, exc) -> None:
        self.closing = True

    def _next(self) -> None:
        if b"\r\n\r\n" not in self.buf:
            return
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = (lines[0].split(" ") + ["", "", ""])[:3]
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
        keep_alive = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        path = target.split("?", 1)[0]
        if path.startswith("http://"):  # absolute form
            path = "/" + path.split("/", 3)[-1]
        if path in ("/__stats", "/__reset"):
            if path == "/__reset":
                STATS.reset()
            body = json.dumps(STATS.as_dict()).encode()
            self._send(200, body, "application/json", keep_alive, head_only=False)
            return
        kind = path.split("/")[1] if path.count("/") >= 2 else path.strip("/") or "root"
        self.busy = True
        STATS.start(self.host, kind, method)
        asyncio.get_running_loop().call_later(self.delay, self._answer, method, path, kind, keep_alive)

    def _send(self, status: int, body: bytes, ctype: str, keep_alive: bool, head_only: bool, extra: str = "") -> None:
        reason = {200: "OK", 301: "Moved Permanently", 404: "Not Found"}[status]
        head = (
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n{extra}"
            f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
        ).encode()
        if not self.closing:
            self.transport.write(head if head_only else head + body)
        self._done(keep_alive)

    def _done(self, keep_alive: bool) -> None:
        self.busy = False
        if not keep_alive:
            self.transport.close()
        elif self.buf:
            self._next()

    def _answer(self, method: str, path: str, kind: str, keep_alive: bool) -> None:
        head_only = method == "HEAD"
        try:
            if kind == "ok":
                self._send(200, HTML, "text/html; charset=utf-8", keep_alive, head_only)
            elif kind == "page":
                self._send(200, page_body(int(path.split("/")[-1])), "text/html; charset=utf-8", keep_alive, head_only)
            elif kind == "big":
                _, _, size, n = path.split("/")
                self._send(200, big_body(int(size), int(n)), "text/html; charset=utf-8", keep_alive, head_only)
            elif kind == "moved":
                self._send(301, b"", "text/plain", keep_alive, head_only, f"Location: /ok/{path.split('/')[-1]}\r\n")
            elif kind == "slow":
                asyncio.ensure_future(self._trickle(keep_alive, head_only))
                return
            else:
                self._send(404, b"not found", "text/plain", keep_alive, head_only)
        finally:
            if kind != "slow":
                STATS.end(self.host)

    async def _trickle(self, keep_alive: bool, head_only: bool) -> None:
        pieces = [HTML[i::SLOW_PIECES] for i in range(SLOW_PIECES)]
        size = sum(map(len, pieces))
        try:
            self.transport.write(
                (
                    f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {size}\r\n"
                    f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
                ).encode()
            )
            if not head_only:
                for piece in pieces:
                    await asyncio.sleep(SLOW_GAP)
                    if self.closing:
                        return
                    self.transport.write(piece)
        finally:
            STATS.end(self.host)
        self._done(keep_alive)


def host_addresses(n: int) -> list[str]:
    return [f"127.0.0.{i}" for i in range(2, 2 + n)]


async def serve(port: int, hosts: int, delay: float) -> None:
    loop = asyncio.get_running_loop()
    servers = []
    for addr in host_addresses(hosts):
        servers.append(
            await loop.create_server(lambda a=addr: Handler(a, delay), addr, port, backlog=1024, reuse_address=True)
        )
    print(f"farm listening on {hosts} hosts, port {port}", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


def url_list(port: int, n: int, hosts: int = 50) -> list[str]:
    """n urls spread evenly over the hosts: 80% 200, 8% 301, 8% 404, 4% slow."""
    addrs = host_addresses(hosts)
    out = []
    for i in range(n):
        # The kind cycles per round over the hosts, so every host serves the same mix (a kind chosen by i alone
        # gave some hosts only redirects or 404s: two requests per check there, halving their ceiling).
        r = (i // hosts) % 25
        kind = "moved" if r in (3, 15) else "gone" if r in (7, 19) else "slow" if r == 11 else "ok"
        out.append(f"http://{addrs[i % hosts]}:{port}/{kind}/{i}")
    return out


def page_urls(port: int, n: int, hosts: int = 50) -> list[str]:
    """n article urls (/page/N) spread evenly over the hosts."""
    addrs = host_addresses(hosts)
    return [f"http://{addrs[i % hosts]}:{port}/page/{i}" for i in range(n)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--hosts", type=int, default=50)
    p.add_argument("--delay", type=float, default=0.1)
    args = p.parse_args()
    asyncio.run(serve(args.port, args.hosts, args.delay))


if __name__ == "__main__":
    main()
