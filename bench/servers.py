"""Start and stop the servers under test (all on loopback) and read their memory from /proc."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PEER_VENV = ROOT / "var" / "bench-venv"
# The deployed shape (Dockerfile, docker-compose.yml): gunicorn, sync workers, three of them.
GUNICORN_ARGS = ["--workers", "3", "--timeout", "600", "--log-level", "warning"]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_port(host: str, port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening on {host}:{port}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")


def django_env(database_url: str, redis_url: str = "", **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "LINKCHECK_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-not-secret",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


def collect_static(env: dict[str, str]) -> None:
    """`manage.py collectstatic`, as the image does when it is built (Dockerfile): with DEBUG off, a page that
    links a stylesheet needs the manifest of hashed names it writes."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


class Server:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int, log: Path):
        self.name, self.port = name, port
        self.url = f"http://127.0.0.1:{port}"
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log, "ab")  # closed in stop()
        self.proc = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_port("127.0.0.1", port, self.proc)

    def children(self) -> list[int]:
        return child_pids(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _answers(url: str) -> bool:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", "/__bench_probe__")
        conn.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def gunicorn(name: str, app: str, env: dict[str, str], extra: list[str] | None = None, tries: int = 4) -> Server:
    """gunicorn serving ``app``, once a worker answers. The tree is shared with engineers at work, so a worker
    that fails to boot (a half-written module) is retried a few times before giving up."""
    for attempt in range(tries):
        port = free_port()
        argv = [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", *GUNICORN_ARGS, *(extra or [])]
        try:
            server = Server(name, argv, env, port, VAR / f"{name}.log")
        except RuntimeError:
            server = None
        if server is not None:
            deadline = time.monotonic() + 60
            while server.proc.poll() is None and time.monotonic() < deadline:
                if _answers(server.url):
                    return server
                time.sleep(0.2)
            server.stop()
        if attempt + 1 < tries:
            time.sleep(15)
    raise RuntimeError(f"gunicorn {app} did not boot; see {VAR / (name + '.log')}")


def datasette(db_path: Path, metadata: Path | None = None) -> Server:
    port = free_port()
    argv = [str(PEER_VENV / "bin" / "datasette"), "serve", str(db_path), "--host", "127.0.0.1", "--port", str(port)]
    if metadata:
        argv += ["--metadata", str(metadata)]
    return Server("datasette", argv, dict(os.environ), port, VAR / "datasette.log")


def child_pids(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kb(pid: int) -> int:
    return _status_kb(pid, "VmRSS")


def peak_rss_kb(pid: int) -> int:
    """The process's high-water mark of resident memory since it started."""
    return _status_kb(pid, "VmHWM")


class RssSampler:
    """Samples the RSS of some processes every ``interval`` seconds in a thread; keeps the maximum."""

    def __init__(self, pids: list[int], interval: float = 0.05):
        self.pids, self.interval = pids, interval
        self.max_kb = 0
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            kb = max((rss_kb(p) for p in self.pids), default=0)
            self.samples.append(kb)
            self.max_kb = max(self.max_kb, kb)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
