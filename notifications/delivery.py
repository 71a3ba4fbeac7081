"""The webhook worker: dispatching the outbox into deliveries and sending them (being built)."""

from __future__ import annotations


def webhooks_run() -> dict:
    return {}
