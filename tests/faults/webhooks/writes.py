"""Writes for a test whose database is another one (our own PostgreSQL cluster): run as
``python -m tests.faults.webhooks.writes COMMAND ...`` with that DATABASE_URL, it subscribes or writes events as the
apps do (the service, the outbox in a transaction: their on-commit nudge goes to that environment's broker) and prints
what it made as JSON.

- ``subscribe URL``: a staff member's subscription to every event; prints its id.
- ``events KEY...``: one claim.published event per order key, in one transaction (one nudge); prints their ids.
- ``sweep SECONDS``: the beat's sweep every SECONDS.
"""

from __future__ import annotations

import json
import os
import sys


def main(argv: list[str]) -> object:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()
    from django.db import transaction

    from tests.notifications.helpers import record_event

    from .helpers import staff_subscription, sweep_every

    command, *args = argv
    if command == "subscribe":
        return staff_subscription(args[0]).pk
    if command == "events":
        with transaction.atomic():
            return [record_event(order_key=key).pk for key in args]
    if command == "sweep":
        return sweep_every(int(args[0])).pk
    raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
