"""Celery jobs of the claims app. Thin: each calls a service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=300,
    time_limit=360,
)
def claims_flag_stale() -> dict:
    """Daily: flag claims whose recheck_after date has come (needs_recheck). Safe to run twice."""
    flagged, cleared = services.claims_flag_stale()
    return {"flagged": flagged, "cleared": cleared}


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=900,
    time_limit=960,
)
def claim_tallies_rebuild() -> int:
    """Weekly: recompute the per-claim evidence tally behind "needs attention" (a repair: triggers keep it). Safe to
    run twice."""
    from . import rollups

    return rollups.claim_tallies_rebuild()
