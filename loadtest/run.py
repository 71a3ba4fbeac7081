"""make loadtest: mixed researcher traffic and reviewers writing, against gunicorn on loopback.

    python -m loadtest [--clients 50] [--duration 60] [--claims 20000] [--database-url URL] [--json PATH]

1. The load database (factcheck_load beside the test database, created if missing) is migrated, the demo data
   loaded and scaled up to --claims generated claims (loadtest/seed.py).
2. gunicorn serves the app in its deployed shape (3 sync workers, production settings, the throttles and the
   per-client export limit raised for the run: every simulated client has one address) on 127.0.0.1 and a free
   port. All traffic stays on loopback.
3. --clients researchers (anonymous) loop over lists, filters, searches in English and Chinese, details, next
   pages and exports for --duration seconds, while two reviewers PATCH the same ten claims with If-Match and,
   on 412, read the claim again and retry.
4. Afterwards: no 5xx and no transport error; every acknowledged write is in the database (in the claim's history
   at the version the server answered, and the last one is the claim's current state); each claim's history
   has one row per version, no gaps and no duplicates (no lost update). p50/p99 per request kind are printed
   and written to --json. Exit status 1 if any check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/factcheck_load"
SEARCH_EN = ["unemployment", "OpenAI", "1080p video", "central bank", "vaccinated", "bridge billion", "Sora trained"]
SEARCH_ZH = ["失业率", "处理时间", "视频生成器", "亿美元", "房价", "发言人", "泄露"]
# Exports as researchers pull them: one verdict in one language (about 1,000 of the 20,000 rows, 0.5 MB).
EXPORTS = [
    "verdict=false&language=zh",
    "verdict=true&language=en",
    "verdict=misleading&language=zh",
    "verdict=mixed&language=en",
]
FILTERS = [
    "verdict=false",
    "verdict=true,mostly_true",
    "language=zh",
    "language=en&verdict=misleading",
    "source_health=dead",
    "ordering=-reviewed_at",
    "claimant=load:OpenAI",
    "verdict=mixed&language=zh",
]


@dataclass
class Stats:
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    errors: list[str] = field(default_factory=list)
    acked: list[tuple[int, int, str]] = field(default_factory=list)  # (claim, version, explanation)
    conflicts: int = 0

    def record(self, kind: str, status: int, seconds: float) -> None:
        self.timings[kind].append(seconds * 1000)
        self.statuses[kind][status] += 1
        if status >= 500:
            self.errors.append(f"{kind}: HTTP {status}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def start_gunicorn(env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "factcheck.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    import httpx

    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {log_path}")
        try:
            if httpx.get(f"{base}/api/v1/claims/?page_size=1", timeout=5).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop(proc)
    raise RuntimeError(f"gunicorn did not answer within 60 s; see {log_path}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


async def researcher(client, stats: Stats, ids: list[int], until: float, rng: random.Random) -> None:
    import httpx

    kinds = ["list", "filter", "search_en", "search_zh", "detail", "next_page", "export"]
    weights = [15, 20, 15, 15, 20, 10, 5]
    while time.monotonic() < until:
        kind = rng.choices(kinds, weights)[0]
        if kind == "list":
            url = "/api/v1/claims/"
        elif kind == "filter":
            url = f"/api/v1/claims/?{rng.choice(FILTERS)}"
        elif kind == "search_en":
            url = "/api/v1/claims/"
            params = {"q": rng.choice(SEARCH_EN)}
        elif kind == "search_zh":
            url = "/api/v1/claims/"
            params = {"q": rng.choice(SEARCH_ZH)}
        elif kind == "detail":
            url = f"/api/v1/claims/{rng.choice(ids)}/"
        elif kind == "next_page":
            url = None
        else:
            url = f"/api/v1/claims/export/?format={rng.choice(['csv', 'ndjson'])}&{rng.choice(EXPORTS)}"
        params = params if kind.startswith("search") else None
        started = time.monotonic()
        try:
            if kind == "next_page":
                first = await client.get("/api/v1/claims/", params={"verdict": rng.choice(["false", "true"])})
                following = first.json().get("next") if first.status_code == 200 else None
                response = await client.get(following) if following else first
            elif kind == "export":
                async with client.stream("GET", url) as response:
                    async for _ in response.aiter_bytes():
                        pass
            else:
                response = await client.get(url, params=params)
        except httpx.HTTPError as exc:
            stats.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
            continue
        stats.record(kind, response.status_code, time.monotonic() - started)


async def reviewer(client, stats: Stats, ids: list[int], until: float, rng: random.Random, name: str) -> None:
    """Read, then PATCH with If-Match; a 412 means someone saved in between: read again and retry."""
    import httpx

    n = 0
    while time.monotonic() < until:
        claim = rng.choice(ids)
        while time.monotonic() < until:
            started = time.monotonic()
            try:
                read = await client.get(f"/api/v1/claims/{claim}/")
                stats.record("review_read", read.status_code, time.monotonic() - started)
                n += 1
                explanation = f"Load test: {name} edit {n}."
                started = time.monotonic()
                write = await client.patch(
                    f"/api/v1/claims/{claim}/",
                    json={"explanation": explanation, "minor_edit": True},  # of a published claim: minor, no note
                    headers={"If-Match": read.headers["ETag"]},
                )
            except (httpx.HTTPError, KeyError) as exc:
                stats.errors.append(f"review: {type(exc).__name__}: {exc}")
                break
            stats.record("review_write", write.status_code, time.monotonic() - started)
            if write.status_code == 412:
                stats.conflicts += 1
                continue  # re-read and apply the edit again
            if write.status_code == 200:
                body = write.json()
                stats.acked.append((claim, body["version"], body["explanation"]))
            else:
                stats.errors.append(f"review_write: HTTP {write.status_code} {write.text[:200]}")
            break


async def drive(
    base: str, *, clients: int, duration: float, ids: list[int], writable: list[int], token: str, seed: int
) -> Stats:
    import httpx

    stats = Stats()
    until = time.monotonic() + duration
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    async with (
        httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as anon,
        httpx.AsyncClient(base_url=base, timeout=60, headers={"Authorization": f"Token {token}"}) as auth,
    ):
        tasks = [researcher(anon, stats, ids, until, random.Random(seed + i)) for i in range(clients)]
        tasks += [reviewer(auth, stats, writable, until, random.Random(seed - i), f"reviewer {i}") for i in (1, 2)]
        await asyncio.gather(*tasks)
    return stats


def verify_writes(stats: Stats) -> list[str]:
    """Every acknowledged write is in the history at its version; versions are gapless and unique per claim."""
    from claims.models import Claim

    problems = []
    history = Claim.history.model
    by_claim: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for claim, version, explanation in stats.acked:
        by_claim[claim].append((version, explanation))
    for claim_id, acks in by_claim.items():
        rows = list(history.objects.filter(id=claim_id).order_by("history_id").values_list("version", "explanation"))
        versions = [v for v, _ in rows]
        if len(set(versions)) != len(versions) or versions != sorted(versions):
            problems.append(f"claim {claim_id}: history versions not unique and increasing: {versions}")
        if versions and versions != list(range(versions[0], versions[0] + len(versions))):
            problems.append(f"claim {claim_id}: gaps in history versions: {versions}")
        kept = set(rows)
        for ack in acks:
            if ack not in kept:
                problems.append(f"claim {claim_id}: acknowledged write {ack} is not in its history")
        current = Claim.objects.values_list("version", "explanation").get(pk=claim_id)
        if current != max(acks):
            problems.append(f"claim {claim_id}: current {current} is not the last acknowledged write {max(acks)}")
    return problems


def percentile(values: list[float], p: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def report(stats: Stats, duration: float, clients: int, claims: int, problems: list[str]) -> dict:
    rows = {}
    for kind in sorted(stats.timings):
        values = stats.timings[kind]
        rows[kind] = {
            "requests": len(values),
            "per_s": round(len(values) / duration, 1),
            "p50_ms": round(percentile(values, 50), 1),
            "p99_ms": round(percentile(values, 99), 1),
            "statuses": dict(sorted(stats.statuses[kind].items())),
        }
    total = sum(r["requests"] for r in rows.values())
    return {
        "clients": clients,
        "duration_s": duration,
        "claims": claims,
        "requests": total,
        "per_s": round(total / duration, 1),
        "kinds": rows,
        "server_errors": len(stats.errors),
        "errors": stats.errors[:20],
        "acknowledged_writes": len(stats.acked),
        "conflicts_412": stats.conflicts,
        "lost_writes": problems,
    }


def print_table(result: dict) -> None:
    print(
        f"\n{result['clients']} researchers + 2 reviewers, {result['duration_s']:.0f} s, "
        f"{result['claims']} generated claims: {result['requests']} requests ({result['per_s']}/s)"
    )
    print("| request | count | per s | p50 ms | p99 ms | statuses |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for kind, row in result["kinds"].items():
        statuses = ", ".join(f"{k}: {v}" for k, v in row["statuses"].items())
        print(f"| {kind} | {row['requests']} | {row['per_s']} | {row['p50_ms']} | {row['p99_ms']} | {statuses} |")
    print(
        f"5xx or transport errors: {result['server_errors']}; acknowledged writes: "
        f"{result['acknowledged_writes']} ({result['conflicts_412']} answered 412 first, then re-read); "
        f"lost or inconsistent: {len(result['lost_writes'])}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--database-url", default=os.environ.get("LOADTEST_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--redis-url", default=os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/11"))
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "loadtest.json")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    host = urlsplit(args.database_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the load database must be on loopback")

    ensure_database(args.database_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DATABASE_URL=args.database_url, REDIS_URL=args.redis_url, DJANGO_SETTINGS_MODULE="factcheck.settings")
    os.environ.update(env)
    import django

    django.setup()
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    from loadtest.seed import seed as seed_database

    seeded = seed_database(claims=args.claims)
    from django.db import connections

    connections.close_all()

    server_env = {
        **env,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "loadtest-only-" + "k" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "API_ANON_THROTTLE_RATE": "1000000/min",
        # Every simulated client shares one address and the reviewers one token: the per-client limits are
        # raised as the anonymous throttle is (each process's export total stays as deployed).
        "API_USER_THROTTLE_RATE": "1000000/min",
        "API_EXPORT_CONCURRENCY_PER_CLIENT": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    proc, base = start_gunicorn(server_env, args.json.with_suffix(".gunicorn.log"))
    try:
        stats = asyncio.run(
            drive(
                base,
                clients=args.clients,
                duration=args.duration,
                ids=seeded.published_ids,
                writable=seeded.writable_ids,
                token=seeded.reviewer_token,
                seed=args.seed,
            )
        )
    finally:
        stop(proc)
    problems = verify_writes(stats)
    result = report(stats, args.duration, args.clients, seeded.claims, problems)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print_table(result)
    for line in result["errors"] + problems:
        print("  " + line)
    ok = not stats.errors and not problems and stats.acked
    print("OK" if ok else "FAILED", f"(details in {args.json})")
    return 0 if ok else 1
