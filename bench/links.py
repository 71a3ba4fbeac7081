"""Link checks end to end: sources in the bench database pointing at the loopback farm, real Celery workers
(the deployed shape: prefork, concurrency 4) through Redis, started by the beat task ``check_due_sources``
exactly as beat would; and LinkChecker over the same url list.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import psycopg

from . import farm
from .servers import PEER_VENV, ROOT, VAR, django_env, free_port, wait_port

HOSTS = 50
DELAY = 0.1
DEFAULT_CONCURRENCY = 2
DEFAULT_INTERVAL = 0.5
WORKER_CONCURRENCY = "4"  # docker-compose.yml


def _domain(url: str) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    from sources.urlnorm import url_domain

    return url_domain(url)


def remove_sources(dsn: str) -> None:
    """Take the farm's sources and their checks out again: left in, they would be the newest sources (uncited)
    that the next run's sources list walks past, and the dashboard's check history."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "DELETE FROM sources_linkcheck WHERE source_id IN "
            "(SELECT id FROM sources_source WHERE url LIKE 'http://127.0.0.%%')"
        )
        if conn.execute("DELETE FROM sources_source WHERE url LIKE 'http://127.0.0.%%'").rowcount:
            conn.execute("VACUUM (ANALYZE) sources_source")


def insert_sources(dsn: str, urls: list[str]) -> tuple[int, int]:
    """Insert the farm's urls as sources, not yet due; return their id range."""
    far = datetime.now(UTC) + timedelta(days=3650)
    remove_sources(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM sources_source").fetchone()[0]
        now = datetime.now(UTC)
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY sources_source (id, url, domain, title, publisher, health, last_outcome, final_url, "
                "consecutive_failures, archive_url, next_check_at, created_at, updated_at) FROM STDIN"
            ) as cp,
        ):
            for i, url in enumerate(urls):
                cp.write_row(
                    (first + i, url, _domain(url), f"Farm page {i}", "farm", "unknown", "", "", 0, "", far, now, now)
                )
        conn.execute("SELECT setval(pg_get_serial_sequence('sources_source', 'id'), %s)", (first + len(urls) - 1,))
        conn.execute("ANALYZE sources_source")
    return first, first + len(urls) - 1


def _flush_redis(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


class Workers:
    """`celery worker` as deployed, in its own process group, with the settings of one run."""

    def __init__(
        self, env: dict[str, str], name: str, *, queues: str | None = None, concurrency: str = WORKER_CONCURRENCY
    ):
        self.log = VAR / f"celery-{name}.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.log.write_text("")
        self._out = open(self.log, "ab")  # closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "factcheck",
                "worker",
                "--concurrency",
                concurrency,
                *(["-Q", queues] if queues else []),
                "--loglevel",
                "INFO",
                "-n",
                f"bench-{name}-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while b" ready." not in self.log.read_bytes():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"celery worker did not start; see {self.log}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._out.close()


def cpu_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine since boot, from /proc/stat."""
    fields = [float(x) for x in open("/proc/stat").readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def _task_seconds(log_text: str, task: str) -> list[float]:
    return [float(m) for m in re.findall(rf"{re.escape(task)}\[[^\]]+\] succeeded in ([0-9.]+)s", log_text)]


def _redis_commands(redis_url: str) -> int:
    """Commands the Redis server has processed (server-wide: other clients count too, they are few here)."""
    import redis

    return int(redis.Redis.from_url(redis_url).info("stats")["total_commands_processed"])


def _send_due(redis_url: str) -> None:
    # What beat does: send the task by name (a bare Celery client, so the clock starts at the send).
    from celery import Celery

    client = Celery(broker=redis_url)
    client.conf.task_serializer = "json"
    client.send_task("sources.tasks.check_due_sources")
    client.close()


def checker_run(
    *,
    dsn: str,
    database_url: str,
    redis_url: str,
    first: int,
    last: int,
    interval: float | None,
    farm_url: str,
    timeout: float,
    log=print,
) -> dict:
    """Make the farm's sources due, start the workers, send the beat task, wait for every LinkCheck."""
    import json
    import urllib.request

    n = last - first + 1
    extra = {
        "LINKCHECK_ALLOW_NETWORKS": "127.0.0.0/8",
        "LINKCHECK_REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
    }
    if interval is not None:
        extra["LINKCHECK_HOST_INTERVAL"] = str(interval)
    env = django_env(database_url, redis_url, **extra)
    _flush_redis(redis_url)
    name = "nointerval" if interval == 0 else "default"
    workers = Workers(env, name)
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            # Only the farm's sources may be due: the generated ones fall due as the hours pass, and checking them
            # would mean DNS lookups of *.bench.example off this machine (and batches stalled on them).
            conn.execute(
                "UPDATE sources_source SET next_check_at = now() + interval '3650 days' "
                "WHERE NOT (id BETWEEN %s AND %s) AND next_check_at < now() + interval '1 day'",
                (first, last),
            )
            conn.execute(
                "UPDATE sources_source SET next_check_at = now() - interval '1 second' WHERE id BETWEEN %s AND %s",
                (first, last),
            )
            urllib.request.urlopen(farm_url + "/__reset").read()
            since = datetime.now(UTC)
            busy0, total0 = cpu_busy()
            redis0 = _redis_commands(redis_url)
            t0 = time.perf_counter()
            _send_due(redis_url)
            done = 0
            while done < n:
                if time.perf_counter() - t0 > timeout:
                    break
                time.sleep(0.05)
                done = conn.execute(
                    "SELECT count(*) FROM sources_linkcheck WHERE source_id BETWEEN %s AND %s AND checked_at >= %s",
                    (first, last, since),
                ).fetchone()[0]
            wall = time.perf_counter() - t0
            busy1, total1 = cpu_busy()
            redis_commands = _redis_commands(redis_url) - redis0
            outcomes = dict(
                conn.execute(
                    "SELECT outcome, count(*) FROM sources_linkcheck WHERE source_id BETWEEN %s AND %s "
                    "AND checked_at >= %s GROUP BY 1",
                    (first, last, since),
                ).fetchall()
            )
            runs = conn.execute(
                "SELECT count(DISTINCT run_key) FROM sources_linkcheck WHERE source_id "
                "BETWEEN %s AND %s AND checked_at >= %s",
                (first, last, since),
            ).fetchone()[0]
        stats = json.loads(urllib.request.urlopen(farm_url + "/__stats").read())
    finally:
        workers.stop()
    text = workers.log.read_text(errors="replace")
    rate = done / wall if wall else 0.0
    out = {
        "sources": n,
        "checked": done,
        "complete": done >= n,
        "wall_s": wall,
        "checks_per_s": rate,
        "outcomes": outcomes,
        "batches": runs,
        "farm": stats,
        "worker_concurrency": int(WORKER_CONCURRENCY),
        "machine_cpu_busy": (busy1 - busy0) / (total1 - total0) if total1 > total0 else None,
        "redis_commands": redis_commands,
        "redis_commands_per_check": redis_commands / done if done else None,
        "due_task_s": _task_seconds(text, "sources.tasks.check_due_sources"),
        "batch_task_s": _task_seconds(text, "sources.tasks.check_sources_batch"),
    }
    log(f"  checker ({name}): {done}/{n} in {wall:.1f}s = {rate:.0f} checks/s; {outcomes}")
    return out


def linkchecker_run(urls: list[str], farm_url: str, timeout: float, log=print) -> dict:
    import json
    import urllib.request

    urllib.request.urlopen(farm_url + "/__reset").read()
    out_path = VAR / "linkchecker.csv"
    busy0, total0 = cpu_busy()
    t0 = time.perf_counter()
    with open(out_path, "wb") as out:
        proc = subprocess.run(
            [
                str(PEER_VENV / "bin" / "linkchecker"),
                "--stdin",
                "-r",
                "0",
                "--check-extern",
                "--no-status",
                "--verbose",
                "-o",
                "csv",
            ],
            input="\n".join(urls).encode(),
            stdout=out,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    wall = time.perf_counter() - t0
    busy1, total1 = cpu_busy()
    lines = [ln for ln in out_path.read_text(errors="replace").splitlines() if ln.startswith("http://127.0.0.")]
    valid = sum(1 for ln in lines if ";True;" in ln)
    stats = json.loads(urllib.request.urlopen(farm_url + "/__stats").read())
    rate = len(lines) / wall if wall else 0.0
    log(f"  LinkChecker: {len(lines)}/{len(urls)} in {wall:.1f}s = {rate:.0f} urls/s (exit {proc.returncode})")
    return {
        "urls": len(urls),
        "checked": len(lines),
        "valid": valid,
        "wall_s": wall,
        "checks_per_s": rate,
        "exit_code": proc.returncode,
        "farm": stats,
        "threads": 10,
        "machine_cpu_busy": (busy1 - busy0) / (total1 - total0) if total1 > total0 else None,
    }


class FarmProcess:
    """The farm (bench/farm.py) on its HOSTS loopback hosts at a free port, its output in var/bench/``log_name``,
    answering once ``ready()`` returns, until ``stop()``."""

    def __init__(self, log_name: str) -> None:
        self.port = free_port("127.0.0.2")
        VAR.mkdir(parents=True, exist_ok=True)
        self._log = open(VAR / log_name, "wb")  # closed by stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.farm",
                "--port",
                str(self.port),
                "--hosts",
                str(HOSTS),
                "--delay",
                str(DELAY),
            ],
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def ready(self) -> int:
        wait_port("127.0.0.2", self.port, self.proc)
        wait_port(f"127.0.0.{HOSTS + 1}", self.port, self.proc)
        return self.port

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)
        self._log.close()


def run(*, dsn: str, database_url: str, redis_url: str, n: int, log=print, with_default: bool = True) -> dict:
    served = FarmProcess("farm.log")
    try:
        port = served.ready()
        farm_url = f"http://127.0.0.2:{port}"
        urls = farm.url_list(port, n, HOSTS)
        first, last = insert_sources(dsn, urls)
        limit_nointerval = HOSTS * DEFAULT_CONCURRENCY / DELAY
        limit_default = HOSTS / DEFAULT_INTERVAL
        result: dict = {
            "farm": {
                "hosts": HOSTS,
                "delay_s": DELAY,
                "urls": n,
                "mix": "80% 200, 8% 301->200, 8% 404, 4% slow (body trickled over +0.5 s)",
            }
        }
        r = checker_run(
            dsn=dsn,
            database_url=database_url,
            redis_url=redis_url,
            first=first,
            last=last,
            interval=0,
            farm_url=farm_url,
            timeout=max(60, n / 50),
            log=log,
        )
        r["limit_per_s"] = limit_nointerval
        r["ratio_to_limit"] = r["checks_per_s"] / limit_nointerval
        result["checker_interval_0"] = r
        if with_default:
            r = checker_run(
                dsn=dsn,
                database_url=database_url,
                redis_url=redis_url,
                first=first,
                last=last,
                interval=None,
                farm_url=farm_url,
                timeout=max(120, n / 20),
                log=log,
            )
            r["limit_per_s"] = limit_default
            r["ratio_to_limit"] = r["checks_per_s"] / limit_default
            result["checker_default"] = r
        lc = linkchecker_run(urls, farm_url, timeout=max(120, n / 10), log=log)
        result["linkchecker"] = lc
        result["checker_vs_linkchecker"] = (
            result["checker_interval_0"]["checks_per_s"] / lc["checks_per_s"] if lc["checks_per_s"] else None
        )
        return result
    finally:
        served.stop()
        remove_sources(dsn)
