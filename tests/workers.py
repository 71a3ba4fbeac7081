"""A real Celery worker for the tests where the worker is the point: one solo process on one queue, against the
test database and the local Redis, with in-process task running switched off while it lives."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection

from factcheck.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]


def database_url_for_subprocess() -> str:
    """The test database as a DATABASE_URL, for a subprocess."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextlib.contextmanager
def solo_worker(queue: str, **env: str) -> Iterator[subprocess.Popen]:
    """A worker consuming ``queue`` (``env`` added to its environment) until the block ends; its log printed when
    SHOW_WORKER_LOG is set."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "factcheck", "worker", "-P", "solo", "-Q", queue, "-l", "info"]
        + ["--without-mingle", "--without-gossip", "--without-heartbeat", "-n", f"{queue}@%h"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    celery_app.conf.task_always_eager = False
    try:
        yield process
    finally:
        celery_app.conf.task_always_eager = True
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        if os.environ.get("SHOW_WORKER_LOG"):
            print(output)
        connection.close()
