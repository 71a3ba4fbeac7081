"""Captures (issue 20): captures per second end to end through real Celery workers to storage, against the fetcher
alone at the same politeness; bytes stored per capture; what a recapture of unchanged pages stores; the worker's
peak memory as the body grows.

The farm (bench/farm.py) serves 50 loopback hosts (127.0.0.2 … 127.0.0.51), every answer after 100 ms; each url
``/page/N`` is an article of about 50 KB, the same on every request. Its urls are inserted as sources (not cited:
the capture reads the citing evidence, there is none), and their captures are sent the way the monthly beat job sends
the ones it claims: ``sources.services.captures_enqueue`` with scheduled requests keyed by run and source, batches of
CAPTURE_BATCH_SIZE to the ``captures`` queue (the claim statement before it is the link checker's, measured in its
row). The worker is the deployed one (docker-compose.yml worker-captures: ``celery -A factcheck worker -Q captures
--concurrency=2``), politeness as deployed (LINKCHECK_HOST_CONCURRENCY, LINKCHECK_HOST_INTERVAL, through Redis),
storage the filesystem default under a MEDIA_ROOT of the bench's own. The clock runs from the first send to the
creation of the last Capture row.

The fetcher-only ceiling: the same urls in the same batches, two processes (the worker's two), each batch through one
SafeClient with CAPTURE_CONCURRENCY places and per-host runners as sources.capture takes them, ``SafeClient.stream``
with the same headers and caps, the bodies read and thrown away: no WARC, no text, no database.

Memory: a worker of its own, CAPTURE_MAX_BODY_BYTES raised so the largest body fits (the setting's comment: bodies
stream to a file, so it may be raised well past the checker's cap); for each size a task capturing a few urls of it,
after the peak resident memory (VmHWM) of the worker's processes is reset (``/proc/PID/clear_refs``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import psycopg

from . import farm, links
from .links import Workers, cpu_busy
from .servers import ROOT, VAR, child_pids, django_env, peak_rss_kb, rss_kb
from .webhooks import _cpu_seconds

HOSTS, DELAY = links.HOSTS, links.DELAY  # the link checks' farm, as links.FarmProcess serves it
QUEUE = "captures"
# docker-compose.yml worker-captures
WORKER_CONCURRENCY = 2
MEDIA = VAR / "captures-media"
# The memory row: bodies of these sizes (MiB; the last near the cap), the worker's CAPTURE_MAX_BODY_BYTES raised to
# the cap (MiB). A small run (bench/run.py BUDGET) takes smaller ones.
MEMORY_SIZES_MIB = (1.0, 8.0, 31.5)
MEMORY_CAP_MIB = 32
MEMORY_URLS_PER_SIZE = 3
# The memory rule: the worker's peak with the largest body at most this times its peak with the smallest. A capture
# reads the text of the body's first LINKCHECK_MAX_BODY_BYTES (as the drift check does), so a body under that cap
# costs less text than one over it; past it the peak must not move with the body, and this leaves no room for even one
# of the largest bodies held whole.
MEMORY_RATIO_LIMIT = 1.2
FARM_SOURCES = "http://127.0.0.%"


# --------------------------------------------------------------------------------------------
# Rows in the bench database
# --------------------------------------------------------------------------------------------


def remove_bench_rows(dsn: str) -> None:
    """Take the farm's captures, their events and files out again (the farm's sources go with links.remove_sources,
    which refuses while captures point at them). A run stopped half way leaves them: run.py calls this first."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        farm_sources = "SELECT id FROM sources_source WHERE url LIKE %s"
        events = (
            "SELECT id FROM notifications_event WHERE type IN ('evidence.captured', 'evidence.capture_failed') "
            f"AND order_key IN (SELECT 'source:' || id FROM ({farm_sources}) f)"
        )
        conn.execute(
            "DELETE FROM notifications_deliveryattempt WHERE delivery_id IN "
            f"(SELECT id FROM notifications_delivery WHERE event_id IN ({events}))",
            [FARM_SOURCES],
        )
        conn.execute(f"DELETE FROM notifications_delivery WHERE event_id IN ({events})", [FARM_SOURCES])
        conn.execute(f"DELETE FROM notifications_event WHERE id IN ({events})", [FARM_SOURCES])
        # One statement: the rows that share a file and the rows holding it go together.
        conn.execute(f"DELETE FROM sources_capture WHERE source_id IN ({farm_sources})", [FARM_SOURCES])
    shutil.rmtree(MEDIA, ignore_errors=True)
    links.remove_sources(dsn)


def _stored_bytes() -> tuple[int, int]:
    """(files, bytes) under the bench's MEDIA_ROOT."""
    files = size = 0
    for path in MEDIA.rglob("*"):
        if path.is_file():
            files += 1
            size += path.stat().st_size
    return files, size


# --------------------------------------------------------------------------------------------
# In a Django child process
# --------------------------------------------------------------------------------------------


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()


def enqueue(first: int, last: int, run_key: str) -> dict:
    """Send the captures of sources first..last as the beat job sends the ones it claimed; when the send began."""
    _django()
    from sources.capture import CaptureRequest
    from sources.choices import CaptureReason
    from sources.services import captures_enqueue

    requests = [
        CaptureRequest(source_id=s, reason=CaptureReason.SCHEDULED, key=f"scheduled:{run_key}:{s}")
        for s in range(first, last + 1)
    ]
    sent_at = time.time()
    ok = captures_enqueue(requests=requests)
    return {"sent_at": sent_at, "send_s": time.time() - sent_at, "sent": ok, "requests": len(requests)}


class _Discard:
    def write(self, data: bytes, /) -> int:
        return len(data)


async def _fetch_batch(urls: list[str]) -> tuple[int, int]:
    """One batch as sources.capture fetches it (its places, its per-host runners, its headers and caps), bodies
    thrown away; (answers 200, body bytes)."""
    from django.conf import settings

    from sources.capture import CAPTURE_HEADERS, _host
    from sources.fetch import FetchConfig, SafeClient
    from sources.politeness import limiter_from_settings

    config = FetchConfig.from_settings(max_body_bytes=settings.CAPTURE_MAX_BODY_BYTES)
    places = asyncio.Semaphore(max(1, settings.CAPTURE_CONCURRENCY))
    queues: dict[str, list[str]] = {}
    for url in urls:
        queues.setdefault(_host(url), []).append(url)
    ok = body = 0
    limiter = limiter_from_settings(use_redis=True)
    try:
        async with SafeClient(config, limiter=limiter) as client:

            async def runner(queue: list[str]) -> None:
                nonlocal ok, body
                while queue:
                    url = queue.pop(0)
                    async with places:
                        result = await client.stream(
                            url, _Discard(), headers=CAPTURE_HEADERS, text_bytes=settings.LINKCHECK_MAX_BODY_BYTES
                        )
                    ok += result.http_status == 200 and not result.failure
                    body += result.body_bytes

            async with asyncio.TaskGroup() as group:
                for queue in queues.values():
                    for _ in range(min(config.host_concurrency, len(queue))):
                        group.create_task(runner(queue))
    finally:
        await limiter.aclose()
    return ok, body


def fetch(first: int, last: int, part: int, parts: int) -> dict:
    """The fetcher-only ceiling, one process's share: the batches the worker's process would take in turn. Says
    "ready" once set up, starts when told (a line on stdin)."""
    _django()
    from django.conf import settings

    from sources.models import Source

    urls = list(Source.objects.filter(id__range=(first, last)).order_by("id").values_list("url", flat=True))
    size = max(1, settings.CAPTURE_BATCH_SIZE)
    batches = [urls[start : start + size] for start in range(0, len(urls), size)][part::parts]
    print("ready", flush=True)
    sys.stdin.readline()
    ok = body = 0
    for batch in batches:
        got, nbytes = asyncio.run(_fetch_batch(batch))
        ok += got
        body += nbytes
    return {"ended_at": time.time(), "urls": sum(map(len, batches)), "ok": ok, "body_bytes": body}


def worker_settings() -> dict:
    _django()
    from django.conf import settings

    names = (
        "CAPTURE_BATCH_SIZE",
        "CAPTURE_CONCURRENCY",
        "CAPTURE_MAX_BODY_BYTES",
        "LINKCHECK_MAX_BODY_BYTES",
        "LINKCHECK_HOST_CONCURRENCY",
        "LINKCHECK_HOST_INTERVAL",
    )
    return {name: getattr(settings, name) for name in names}


# --------------------------------------------------------------------------------------------
# The parent (bench/run.py): farm, workers, the clock
# --------------------------------------------------------------------------------------------


def _child(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.captures", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(proc: subprocess.Popen, timeout: float = 1800) -> dict:
    out, err = proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"bench.captures {proc.args[3]} exited {proc.returncode}: {err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1])


def _farm_stats(farm_url: str, reset: bool = False) -> dict:
    import urllib.request

    with urllib.request.urlopen(farm_url + ("/__reset" if reset else "/__stats"), timeout=30) as response:
        return json.loads(response.read())


def ceiling_run(*, env: dict[str, str], redis_url: str, first: int, last: int, farm_url: str, log) -> dict:
    """The fetcher alone over the same urls, in WORKER_CONCURRENCY processes at once."""
    links._flush_redis(redis_url)
    _farm_stats(farm_url, reset=True)
    procs = [
        _child(env, "fetch", *map(str, (first, last, part, WORKER_CONCURRENCY))) for part in range(WORKER_CONCURRENCY)
    ]
    for proc in procs:  # each set up (Django, its urls) before the clock starts
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"bench.captures fetch did not start: {proc.communicate()[1][-3000:]}")
    start_at = time.time()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    parts = [_result(proc) for proc in procs]
    wall = max(p["ended_at"] for p in parts) - start_at
    urls = sum(p["urls"] for p in parts)
    ok = sum(p["ok"] for p in parts)
    out = {
        "urls": urls,
        "ok": ok,
        "wall_s": wall,
        "fetches_per_s": ok / wall if wall > 0 else 0.0,
        "body_bytes": sum(p["body_bytes"] for p in parts),
        "processes": WORKER_CONCURRENCY,
        "farm": _farm_stats(farm_url),
    }
    log(f"  fetcher only: {ok}/{urls} in {wall:.1f} s = {out['fetches_per_s']:.0f}/s")
    return out


def _captured(conn, run_key: str) -> tuple[int, int, float | None]:
    """(rows, ok rows, creation of the last row as epoch seconds) of one run's captures."""
    rows, ok, last = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE status = 'ok'), max(created_at) FROM sources_capture "
        "WHERE key LIKE %s",
        [f"scheduled:{run_key}:%"],
    ).fetchone()
    return rows, ok, last.timestamp() if isinstance(last, datetime) else None


def capture_run(
    *, dsn: str, env: dict[str, str], workers: Workers, first: int, last: int, run_key: str, farm_url: str, log
) -> dict:
    """Send the captures of first..last, wait for every row; the rate, the worker's CPU, what storage gained."""
    n = last - first + 1
    _farm_stats(farm_url, reset=True)
    files0, bytes0 = _stored_bytes()
    processes = [workers.proc.pid, *child_pids(workers.proc.pid)]
    cpu0 = _cpu_seconds(processes)
    busy0, total0 = cpu_busy()
    sent = _result(_child(env, "enqueue", str(first), str(last), run_key))
    rows = ok = 0
    last_at = None
    with psycopg.connect(dsn, autocommit=True) as conn:
        deadline = time.monotonic() + max(120.0, n / 5)
        while rows < n and time.monotonic() < deadline:
            time.sleep(0.1)
            rows, ok, last_at = _captured(conn, run_key)
        duplicates, stored = conn.execute(
            "SELECT count(*) FILTER (WHERE duplicate_of_id IS NOT NULL), coalesce(sum(size), 0) FROM sources_capture "
            "WHERE key LIKE %s",
            [f"scheduled:{run_key}:%"],
        ).fetchone()
    busy1, total1 = cpu_busy()
    worker_cpu = _cpu_seconds(processes) - cpu0
    # what the worker's processes keep between tasks, after this many captures (their peak is the memory row's)
    worker_rss = [rss_kb(pid) / 1024 for pid in child_pids(workers.proc.pid)]
    files1, bytes1 = _stored_bytes()
    wall = (last_at - sent["sent_at"]) if last_at else 0.0
    out = {
        "captures": n,
        "recorded": rows,
        "ok": ok,
        "complete": rows >= n,
        "wall_s": wall,
        "captures_per_s": ok / wall if wall > 0 else 0.0,
        "send_s": sent["send_s"],
        "duplicate_rows": duplicates,
        "new_files": files1 - files0,
        "new_bytes": bytes1 - bytes0,
        "rows_size_bytes": int(stored),
        "worker_cpu_s": worker_cpu,
        "worker_cpu_ms_per_capture": worker_cpu * 1000 / ok if ok else None,
        "machine_cpu_busy": (busy1 - busy0) / (total1 - total0) if total1 > total0 else None,
        "worker_rss_after_mb": worker_rss,
        "farm": _farm_stats(farm_url),
    }
    log(
        f"  {run_key}: {ok}/{n} ok in {wall:.1f} s = {out['captures_per_s']:.0f}/s; {duplicates} duplicate rows, "
        f"{out['new_files']} new files, {out['new_bytes']:,} new bytes; worker CPU {worker_cpu:.1f} s, machine busy "
        f"{out['machine_cpu_busy'] or 0:.0%}, worker RSS after {', '.join(f'{mb:.0f}' for mb in worker_rss)} MB"
    )
    return out


def _reset_peaks(pids: list[int]) -> None:
    for pid in pids:
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM back to the present RSS


def memory_run(
    *, dsn: str, env: dict[str, str], redis_url: str, big: dict, sizes: tuple[float, ...], cap_mib: float, log
) -> dict:
    """Each body size captured by a worker of its own (its cap raised to ``cap_mib``), after the same warm-up: the
    peak RSS of its processes while it captures them, the peaks reset after the warm-up. A worker per size, so no
    size inherits the heap another left (the allocator keeps what it was once given)."""
    env = {**env, "CAPTURE_MAX_BODY_BYTES": str(int(cap_mib * 2**20))}
    out: dict = {"cap_bytes": int(cap_mib * 2**20), "sizes": {}}
    with psycopg.connect(dsn, autocommit=True) as conn:

        def capture(run_key: str, *ranges: tuple[int, int]) -> tuple[int, int]:
            """One task per range, sent at once; (ok, asked) when every row is in."""
            sends = [_child(env, "enqueue", str(a), str(b), run_key) for a, b in ranges]
            asked = sum(_result(send)["requests"] for send in sends)
            rows = ok = 0
            deadline = time.monotonic() + 120
            while rows < asked and time.monotonic() < deadline:
                time.sleep(0.05)
                rows, ok, _ = _captured(conn, run_key)
            return ok, asked

        for mib in sizes:
            links._flush_redis(redis_url)
            workers = Workers(env, "captures-memory", queues=QUEUE, concurrency=str(WORKER_CONCURRENCY))
            try:
                children = child_pids(workers.proc.pid)
                # Both processes warm first (their imports, the first task's allocations): two tasks at once, each
                # long enough (three pages of one host, LINKCHECK_HOST_INTERVAL apart) that each process takes one.
                warm_first, _ = big["warm", mib]
                capture(
                    f"bench-memory-warm-{time.time_ns()}",
                    (warm_first, warm_first + 2),
                    (warm_first + 3, warm_first + 5),
                )
                _reset_peaks(children)
                before = max(rss_kb(pid) for pid in children)
                first, last = big[mib]
                ok, asked = capture(f"bench-memory-{mib}-{time.time_ns()}", (first, last))
                peak = max(peak_rss_kb(pid) for pid in children)
            finally:
                workers.stop()
            out["sizes"][str(mib)] = {
                "body_bytes": int(mib * 2**20),
                "urls": asked,
                "ok": ok,
                "rss_before_mb": before / 1024,
                "peak_rss_mb": peak / 1024,
            }
            log(
                f"  memory, {mib} MiB bodies: {ok}/{asked} ok, worker peak {peak / 1024:.0f} MB "
                f"(warm {before / 1024:.0f} MB)"
            )
    peaks = [entry["peak_rss_mb"] for entry in out["sizes"].values()]
    out["growth_mb"] = peaks[-1] - peaks[0]
    out["ratio_largest_to_smallest"] = peaks[-1] / peaks[0] if peaks[0] else None
    out["ratio_limit"] = MEMORY_RATIO_LIMIT
    out["flat"] = (
        all(e["ok"] == e["urls"] for e in out["sizes"].values())
        and (out["ratio_largest_to_smallest"] or 0) <= MEMORY_RATIO_LIMIT
    )
    return out


def run(
    *,
    dsn: str,
    database_url: str,
    redis_url: str,
    n: int,
    memory_sizes_mib: tuple[float, ...] = MEMORY_SIZES_MIB,
    memory_cap_mib: float = MEMORY_CAP_MIB,
    log=print,
) -> dict:
    """The farm's articles captured, recaptured, against the fetcher alone; then the memory row. Rows removed."""
    remove_bench_rows(dsn)
    MEDIA.mkdir(parents=True, exist_ok=True)
    env = django_env(
        database_url,
        redis_url,
        LINKCHECK_ALLOW_NETWORKS="127.0.0.0/8",
        LINKCHECK_REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        MEDIA_ROOT=str(MEDIA),
    )
    served = links.FarmProcess("captures-farm.log")
    try:
        port = served.ready()
        farm_url = f"http://127.0.0.2:{port}"
        urls = farm.page_urls(port, n, HOSTS)
        # The memory row's urls after the articles: three of each size on hosts of their own, then the warm-up's
        # two hosts with three pages each.
        addrs = farm.host_addresses(HOSTS)
        big_urls = [
            f"http://{addrs[k]}:{port}/big/{int(mib * 2**20)}/{k}"
            for mib in memory_sizes_mib
            for k in range(MEMORY_URLS_PER_SIZE)
        ]
        # each size's worker warms on pages of its own (a page captured before would be a duplicate: no WARC)
        warm_urls = [
            f"http://{addrs[h]}:{port}/page/{n + 100 * j + 10 * h + k}"
            for j in range(len(memory_sizes_mib))
            for h in (0, 1)
            for k in range(3)
        ]
        first, _ = links.insert_sources(dsn, urls + big_urls + warm_urls)
        last = first + n - 1
        big: dict = {}
        at = last + 1
        for mib in memory_sizes_mib:
            big[mib] = (at, at + MEMORY_URLS_PER_SIZE - 1)
            at += MEMORY_URLS_PER_SIZE
        for mib in memory_sizes_mib:
            big["warm", mib] = (at, at + 5)
            at += 6

        settings = _result(_child(env, "settings"))
        body_bytes = sum(len(farm.page_body(i)) for i in range(n))
        result: dict = {
            "farm": {"hosts": HOSTS, "delay_s": DELAY, "urls": n, "body_bytes_mean": body_bytes / n},
            "settings": settings,
            "worker": f"celery -A factcheck worker -Q {QUEUE} (prefork, concurrency {WORKER_CONCURRENCY})",
            "politeness_limit_per_s": (
                HOSTS / settings["LINKCHECK_HOST_INTERVAL"] if settings["LINKCHECK_HOST_INTERVAL"] else None
            ),
        }
        result["fetcher_only"] = ceiling_run(
            env=env, redis_url=redis_url, first=first, last=last, farm_url=farm_url, log=log
        )
        links._flush_redis(redis_url)
        workers = Workers(env, "captures", queues=QUEUE, concurrency=str(WORKER_CONCURRENCY))
        try:
            stamp = time.strftime("%Y%m%dT%H%M%S")
            result["capture"] = capture_run(
                dsn=dsn,
                env=env,
                workers=workers,
                first=first,
                last=last,
                run_key=f"bench-{stamp}-1",
                farm_url=farm_url,
                log=log,
            )
            result["recapture"] = capture_run(
                dsn=dsn,
                env=env,
                workers=workers,
                first=first,
                last=last,
                run_key=f"bench-{stamp}-2",
                farm_url=farm_url,
                log=log,
            )
        finally:
            workers.stop()
        c = result["capture"]
        ceiling = result["fetcher_only"]["fetches_per_s"]
        result["ratio_to_fetcher"] = c["captures_per_s"] / ceiling if ceiling else None
        result["storage"] = {
            "files": c["new_files"],
            "bytes": c["new_bytes"],
            "bytes_per_capture": c["new_bytes"] / c["ok"] if c["ok"] else None,
            "body_bytes_per_capture": body_bytes / n,
            "stored_over_body": (c["new_bytes"] / body_bytes) if body_bytes else None,
        }
        r = result["recapture"]
        result["dedupe"] = {"captures": r["ok"], "duplicate_rows": r["duplicate_rows"], "new_bytes": r["new_bytes"]}
        log(
            f"  captures/s {c['captures_per_s']:.0f} of the fetcher's {ceiling:.0f} = "
            f"{result['ratio_to_fetcher'] or 0:.0%}; {result['storage']['bytes_per_capture'] or 0:,.0f} bytes stored a "
            f"capture ({body_bytes / n:,.0f} of body); recapture: {r['new_bytes']} new bytes, "
            f"{r['duplicate_rows']} duplicate rows"
        )
        result["memory"] = memory_run(
            dsn=dsn, env=env, redis_url=redis_url, big=big, sizes=memory_sizes_mib, cap_mib=memory_cap_mib, log=log
        )
        m = result["memory"]
        log(f"  memory: peak grew {m['growth_mb']:.1f} MB from the smallest body to the largest")
        return result
    finally:
        served.stop()
        remove_bench_rows(dsn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("enqueue")
    p.add_argument("first", type=int)
    p.add_argument("last", type=int)
    p.add_argument("run_key")
    p = sub.add_parser("fetch")
    p.add_argument("first", type=int)
    p.add_argument("last", type=int)
    p.add_argument("part", type=int)
    p.add_argument("parts", type=int)
    sub.add_parser("settings")
    p = sub.add_parser("run", help="the row alone, against DATABASE_URL and REDIS_URL (their rows removed after)")
    p.add_argument("--urls", type=int, default=5000)
    p.add_argument("--sizes", type=float, nargs="+", default=MEMORY_SIZES_MIB, help="the memory row's bodies, MiB")
    p.add_argument("--cap", type=float, default=MEMORY_CAP_MIB, help="the memory row's CAPTURE_MAX_BODY_BYTES, MiB")
    p.add_argument("--out", type=Path, default=VAR / "captures.json", help="where the results go (JSON)")
    args = parser.parse_args()
    if args.command == "enqueue":
        print(json.dumps(enqueue(args.first, args.last, args.run_key)))
    elif args.command == "fetch":
        print(json.dumps(fetch(args.first, args.last, args.part, args.parts)))
    elif args.command == "settings":
        print(json.dumps(worker_settings()))
    else:
        database_url = os.environ["DATABASE_URL"]
        dsn = database_url.replace("postgres://", "postgresql://", 1)
        VAR.mkdir(parents=True, exist_ok=True)
        result = run(
            dsn=dsn,
            database_url=database_url,
            redis_url=os.environ["REDIS_URL"],
            n=args.urls,
            memory_sizes_mib=tuple(args.sizes),
            memory_cap_mib=args.cap,
        )
        args.out.write_text(json.dumps(result, indent=1, default=str) + "\n")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
