"""The webhook task is known by name in a web process, where dispatch_soon looks it up after each commit."""

import os
import subprocess
import sys
from pathlib import Path

from notifications.dispatch import DELIVER_TASK

ROOT = Path(__file__).resolve().parents[2]


def test_a_web_process_knows_the_webhook_task_by_name():
    # A fresh interpreter that loads what gunicorn loads and nothing else.
    code = (
        "from factcheck.wsgi import application\n"
        "from celery import current_app\n"
        f"print({DELIVER_TASK!r} in current_app.tasks)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "factcheck.settings", "PYTHONPATH": str(ROOT)},
    )
    assert result.stdout.strip() == "True", result.stderr
