"""A small concurrent HTTP/1.1 load client: N threads, each with its own connection, kept alive when the
server allows it (gunicorn's sync workers close after every response, as deployed; Datasette keeps alive).

Latency is measured from sending the request to having read the whole body, so it includes the connect
when the server closed the previous connection. Only loopback targets are accepted.
"""

from __future__ import annotations

import http.client
import ipaddress
import itertools
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit


@dataclass
class LoadResult:
    concurrency: int
    requests: int
    errors: int
    wall_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    rps: float
    statuses: dict = field(default_factory=dict)
    bytes_per_response: float = 0.0

    def as_dict(self) -> dict:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(q / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def summarise(
    latencies: list[float], concurrency: int, wall: float, errors: int, statuses: Counter, nbytes: int
) -> LoadResult:
    lat = sorted(latencies)
    n = len(lat)
    return LoadResult(
        concurrency=concurrency,
        requests=n,
        errors=errors,
        wall_s=wall,
        p50_ms=percentile(lat, 50) * 1e3,
        p95_ms=percentile(lat, 95) * 1e3,
        p99_ms=percentile(lat, 99) * 1e3,
        mean_ms=(sum(lat) / n * 1e3) if n else float("nan"),
        rps=n / wall if wall else 0.0,
        statuses=dict(statuses),
        bytes_per_response=nbytes / n if n else 0.0,
    )


def ascii_path(path: str) -> str:
    """Percent-encode what is not ASCII (a Chinese query), leaving an encoded path as it is."""
    return quote(path, safe="/?&=%,:+;@!$'()*~-._")


def _check_loopback(host: str) -> None:
    for info in socket.getaddrinfo(host, None):
        if not ipaddress.ip_address(info[4][0]).is_loopback:
            raise ValueError(f"refusing to load {host}: the benchmark only sends traffic to loopback")


def get(url: str, headers: dict | None = None, timeout: float = 60) -> tuple[int, dict, bytes]:
    """One GET (for correctness checks and recall walks)."""
    parts = urlsplit(url)
    _check_loopback(parts.hostname)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        path = ascii_path(parts.path + (f"?{parts.query}" if parts.query else ""))
        conn.request("GET", path, headers={"Accept": "application/json", **(headers or {})})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def load(
    base_url: str,
    paths: Sequence[str],
    *,
    concurrency: int,
    requests: int,
    max_seconds: float,
    warmup: int = 12,
    headers: dict | None = None,
    min_requests: int = 5,
    path_headers: Mapping[str, dict] | None = None,
    expect_status: int = 200,
) -> LoadResult:
    """GET ``paths`` (cycled) with ``concurrency`` clients until ``requests`` are done or ``max_seconds`` pass
    (but at least ``min_requests``). ``path_headers`` adds headers of one path (a page's own If-None-Match); an
    answer other than ``expect_status`` counts as an error."""
    parts = urlsplit(base_url)
    _check_loopback(parts.hostname)
    hdrs = {"Accept": "application/json", **(headers or {})}
    path_headers = path_headers or {}
    # enough to wake every worker (each imports and connects lazily)
    for p in itertools.islice(itertools.cycle(paths), warmup):
        get(base_url + p, {**(headers or {}), **path_headers.get(p, {})})
    todo = itertools.count()
    cycle = itertools.cycle([(ascii_path(p), {**hdrs, **path_headers.get(p, {})}) for p in paths])
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors = [0]
    nbytes = [0]
    start_barrier = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        local, local_status, local_bytes, local_err = [], Counter(), 0, 0
        start_barrier.wait()
        while True:
            n = next(todo)
            if n >= requests or (n >= min_requests and time.perf_counter() > deadline[0]):
                break
            with lock:
                path, path_hdrs = next(cycle)
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=path_hdrs)
                resp = conn.getresponse()
                body = resp.read()
                if resp.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                local_err += 1
                continue
            local.append(time.perf_counter() - t0)
            local_status[resp.status] += 1
            local_bytes += len(body)
            if resp.status != expect_status:
                local_err += 1
        conn.close()
        with lock:
            latencies.extend(local)
            statuses.update(local_status)
            nbytes[0] += local_bytes
            errors[0] += local_err

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    deadline[0] = t0 + max_seconds
    start_barrier.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return summarise(latencies, concurrency, wall, errors[0], statuses, nbytes[0])


def load_inprocess(
    fn: Callable[[object], bytes], args: Sequence[object], *, requests: int, max_seconds: float, min_requests: int = 5
) -> LoadResult:
    """Call ``fn(arg)`` (args cycled) one at a time: the in-process floor."""
    for a in list(args)[:3]:
        fn(a)
    latencies, nbytes = [], 0
    cycle = itertools.cycle(args)
    t_start = time.perf_counter()
    deadline = t_start + max_seconds
    for n in range(requests):
        if n >= min_requests and time.perf_counter() > deadline:
            break
        a = next(cycle)
        t0 = time.perf_counter()
        out = fn(a)
        latencies.append(time.perf_counter() - t0)
        nbytes += len(out)
    wall = time.perf_counter() - t_start
    return summarise(latencies, 1, wall, 0, Counter({200: len(latencies)}), nbytes)


def stream(url: str, headers: dict | None = None, chunk: int = 1 << 16) -> tuple[int, int, int, float]:
    """Read a streamed response to the end: (status, bytes, lines, seconds)."""
    parts = urlsplit(url)
    _check_loopback(parts.hostname)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    t0 = time.perf_counter()
    try:
        path = ascii_path(parts.path + (f"?{parts.query}" if parts.query else ""))
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        total = lines = 0
        while True:
            block = resp.read(chunk)
            if not block:
                break
            total += len(block)
            lines += block.count(b"\n")
        return resp.status, total, lines, time.perf_counter() - t0
    finally:
        conn.close()


def measure(base_url: str, paths: Sequence[str], budget: dict, *, requests: int | None = None, **options) -> dict:
    """A call measured the bench's way: at 1 client (after the budget's warm-up) and at 8, as
    {"c1": ..., "c8": ...}; ``options`` go to load() (headers, path_headers, expect_status)."""
    out = {}
    for c in (1, 8):
        r = load(
            base_url,
            paths,
            concurrency=c,
            requests=requests or budget["requests"],
            max_seconds=budget["seconds"],
            warmup=budget["warmup"] if c == 1 else 0,
            **options,
        )
        out[f"c{c}"] = r.as_dict()
    return out
