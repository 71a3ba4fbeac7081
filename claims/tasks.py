"""Celery jobs of the claims app. Thin: each calls a service.

Services enqueue some of these on commit, so the services module imports this one, and each task imports the
services it calls in its body (the HackSoft styleguide's way out of the task/service import cycle).
"""

import smtplib

from celery import shared_task
from django.db import InterfaceError, OperationalError


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
    from . import services

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


@shared_task(
    # The database's and the mail server's troubles (smtplib's errors and refused connections are OSErrors); a
    # refused address is the answer for that address, not a trouble to wait out.
    autoretry_for=(OperationalError, InterfaceError, OSError),
    dont_autoretry_for=(smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
)
def claim_assignment_notify(assignment_id: int, link_base: str = "") -> bool:
    """On commit of an assignment: email the assignee. Safe to run twice: the assignment row records the email
    (claims.services.claim_assignment_notify), so a second run sends nothing."""
    from . import services

    return services.claim_assignment_notify(assignment_id=assignment_id, link_base=link_base)
