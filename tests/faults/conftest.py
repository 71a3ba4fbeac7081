"""Throwaway engines and processes for fault tests: our own Redis and PostgreSQL, gunicorn, Celery workers.

Other people run the suite on this machine against the shared PostgreSQL (5432) and Redis (6379): nothing here
stops or restarts those. Every engine a test breaks is started here, on a free loopback port, and killed after.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from factcheck.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
LOGS = ROOT / "var" / "faults"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


def broker_idle(client) -> bool:
    """Nothing waits in a queue and nothing delivered is unacknowledged (acks_late: a task is acked once done),
    so no delivery can still come: the point after which "it added nothing more" holds for good."""
    return client.zcard("unacked_index") == 0 and all(client.llen(q.name) == 0 for q in settings.CELERY_TASK_QUEUES)


def _stop_process(process: subprocess.Popen | None, *, group: bool = False, timeout: float = 10) -> None:
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        if group:
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            if group:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.kill()
        process.wait(timeout=timeout)


# --- Redis ---------------------------------------------------------------------------------------------------


class RedisServer:
    """A redis-server we may stop and start. ``persist`` keeps an append-only file (fsync always) in its own
    directory, as production's Redis does, so a restart keeps the queued messages."""

    def __init__(self, *, persist: bool = False) -> None:
        self.port = free_port()
        self.persist = persist
        self.dir = Path(tempfile.mkdtemp(prefix="fc-redis-"))
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_connect_timeout=1, socket_timeout=2)

    def start(self) -> RedisServer:
        args = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--daemonize",
            "no",
            "--dir",
            str(self.dir),
            "--logfile",
            str(self.dir / "redis.log"),
        ]
        args += ["--appendonly", "yes", "--appendfsync", "always"] if self.persist else ["--appendonly", "no"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_for(self.is_up, timeout=10):
            raise RuntimeError(f"redis-server on {self.port} did not start; see {self.dir / 'redis.log'}")
        return self

    def is_up(self) -> bool:
        try:
            return bool(self.client().ping())
        except Exception:
            return False

    def stop(self, *, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=10)
        self.process = None

    def cleanup(self) -> None:
        self.stop(sig=signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_binary():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: the fault tests start their own Redis")


@pytest.fixture
def throwaway_redis(redis_binary):
    """A Redis of our own, for one test (it may stop and start it)."""
    server = RedisServer().start()
    yield server
    server.cleanup()


@pytest.fixture
def persistent_redis(redis_binary):
    server = RedisServer(persist=True).start()
    yield server
    server.cleanup()


# --- PostgreSQL ----------------------------------------------------------------------------------------------


class PostgresCluster:
    """A PostgreSQL 15 cluster of our own (initdb, pg_ctl as the postgres OS user), with factcheck migrated."""

    dbname = "factcheck_faults"

    def __init__(self) -> None:
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="fc-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        user = pwd.getpwnam("postgres")
        os.chown(self.base, user.pw_uid, user.pw_gid)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = ["runuser", "-u", "postgres", "--", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=check)

    def initdb(self) -> None:
        self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale",
            "C.UTF-8",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "30", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop", check=False)

    def url(self, dbname: str | None = None) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname or self.dbname}"

    def connect(self, dbname: str | None = None):
        import psycopg

        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname=dbname or self.dbname,
            autocommit=True,
            connect_timeout=3,
        )

    def is_up(self) -> bool:
        try:
            with self.connect("postgres") as conn:
                conn.execute("SELECT 1")
            return True
        except Exception:
            return False

    def cleanup(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster():
    """Session-wide: initdb, start, create and migrate a database (about 15 s, once)."""
    needed = [PG_BIN / "initdb", PG_BIN / "pg_ctl"]
    if not all(p.exists() for p in needed) or shutil.which("runuser") is None:
        pytest.skip(f"needs {PG_BIN}/initdb and pg_ctl and runuser: the restart test runs its own PostgreSQL")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("needs a postgres OS user to run our own PostgreSQL cluster")
    cluster = PostgresCluster()
    try:
        cluster.initdb()
        cluster.start()
        with cluster.connect("postgres") as conn:
            conn.execute(f"CREATE DATABASE {cluster.dbname}")
        env = {**os.environ, "DATABASE_URL": cluster.url(), "REDIS_URL": ""}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=300,
            capture_output=True,
        )
        yield cluster
    finally:
        cluster.cleanup()


# --- A loopback site to check ----------------------------------------------------------------------------------


class Site:
    """Loopback HTTP server. ``/stall/...`` holds the response until ``release()``; anything else is a 200 page.
    ``hits`` counts requests per path."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.released = threading.Event()
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self, body: bool) -> None:
                with site._lock:
                    site.hits[self.path] = site.hits.get(self.path, 0) + 1
                if self.path.startswith("/stall/"):
                    site.released.wait(60)
                payload = b"<html><body><p>A page that is still here.</p></body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if body:
                    self.wfile.write(payload)

            def do_GET(self):
                self._answer(True)

            def do_HEAD(self):
                self._answer(False)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a killed worker's connection breaks mid-answer: expected here

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hit(self, path: str) -> int:
        with self._lock:
            return self.hits.get(path, 0)

    def release(self) -> None:
        self.released.set()


@pytest.fixture
def site():
    server = Site()
    server.thread.start()
    yield server
    server.release()
    server.server.shutdown()
    server.server.server_close()


# --- Processes: gunicorn and Celery workers --------------------------------------------------------------------


def test_database_url() -> str:
    """The pytest-django test database, for processes started by a test (the test must commit: transactional_db)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # not a test, despite its name


def app_env(*, database_url: str, redis: RedisServer, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "LINKCHECK_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis.url(0),
            "CELERY_BROKER_URL": redis.url(1),
            "LINKCHECK_ALLOW_NETWORKS": "127.0.0.1/32",
            "LINKCHECK_HOST_INTERVAL": "0",
            "LINKCHECK_REDIS_PREFIX": f"faults-{uuid.uuid4().hex[:8]}:",
            "LINKCHECK_DEADLINE": "5",
            "LINKCHECK_CONNECT_TIMEOUT": "2",
            "LINKCHECK_READ_TIMEOUT": "4",
            "ARCHIVE_LOOKUP_URL": "http://127.0.0.1:9/",
            "DJANGO_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            "AXES_ENABLED": "0",
        }
    )
    env.update(extra)
    return env


class Process:
    """A subprocess in its own process group, its output in var/faults/<name>.log."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = LOGS / f"{name}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill_group(self, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        _stop_process(self.process, group=True)
        self._log.close()


class AppServer(Process):
    def __init__(self, name: str, env: dict[str, str], *, threads: int = 4) -> None:
        self.port = free_port()
        super().__init__(
            name,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "factcheck.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                str(threads),
                "--timeout",
                "60",
                "--graceful-timeout",
                "2",
            ],
            env,
        )
        if not wait_for(self._answers, timeout=30, interval=0.2):
            self.stop()
            raise RuntimeError(f"gunicorn did not start:\n{self.output()[-3000:]}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _answers(self) -> bool:
        try:
            requests.get(self.url("/healthz"), timeout=2)
            return True
        except requests.RequestException:
            return False


class Worker(Process):
    def __init__(self, name: str, env: dict[str, str], *, pool: str = "solo", concurrency: int = 1) -> None:
        super().__init__(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "factcheck",
                "worker",
                "-P",
                pool,
                "-c",
                str(concurrency),
                "-l",
                "info",
                "--without-mingle",
                "--without-gossip",
                "-n",
                f"{name}-{uuid.uuid4().hex[:6]}@%h",
            ],
            env,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        if (
            not wait_for(lambda: " ready." in self.output() or not self.alive(), timeout=timeout, interval=0.2)
            or not self.alive()
        ):
            raise RuntimeError(f"celery worker did not start:\n{self.output()[-3000:]}")

    def children(self) -> list[int]:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]


class Beat(Process):
    """`celery beat` with the database scheduler, as deployed: it sends what the PeriodicTask rows say."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        super().__init__(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "factcheck",
                "beat",
                "--scheduler",
                "django_celery_beat.schedulers:DatabaseScheduler",
                "-l",
                "info",
                "--pidfile=",
            ],
            env,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        if not wait_for(lambda: "beat: Starting" in self.output() or not self.alive(), timeout=timeout) or (
            not self.alive()
        ):
            raise RuntimeError(f"celery beat did not start:\n{self.output()[-3000:]}")


@pytest.fixture
def processes():
    """Start processes through this list; all are stopped at the end of the test, whatever happened."""
    started: list[Process] = []
    yield started
    for process in reversed(started):
        process.stop()
        if os.environ.get("SHOW_FAULT_LOGS"):
            print(f"--- {process.name} ---\n{process.output()[-5000:]}")


@contextlib.contextmanager
def broker(url: str):
    """Send tasks from this test process through another broker (a throwaway Redis), not eagerly."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with celery_app.connection_for_write(url) as conn:
            yield conn
    finally:
        celery_app.conf.task_always_eager = eager


def send(conn, task, *args) -> str:
    """Publish ``task(*args)`` on ``conn`` with the project's routing; returns the task id."""
    return task.apply_async(args=args, connection=conn).id


@pytest.fixture(autouse=True)
def _roles(request):
    """The Reviewer and Researcher groups come from a data migration, and a transactional test before us may have
    flushed them: make them again for tests that use the database."""
    if not set(request.fixturenames) & {"db", "transactional_db", "_django_db_helper"}:
        return
    request.getfixturevalue("_django_db_helper")
    from django.apps import apps

    from claims.groups import sync_groups

    sync_groups(apps)


@pytest.fixture
def needs_postgres_and_redis():
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (make test sets REDIS_URL)")
