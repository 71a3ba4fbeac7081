"""A save that waited for another reviewer's lock is refused with a message naming them, not a 500.

Found by make loadtest: claim_lock joined the reviewer in its SELECT ... FOR UPDATE; after waiting for the
lock PostgreSQL re-reads the claim row but not the joined user row, so the conflict message met a NULL
reviewer (AttributeError, a 500) on exactly the path the version check exists for.
"""

import threading

import pytest
from django.db import close_old_connections, transaction

from claims import services
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_lock_waiter_gets_a_version_conflict_naming_the_other_reviewer():
    from django.contrib.auth.models import Group

    from claims.groups import sync_groups

    if not Group.objects.filter(name="Reviewer").exists():
        from django.apps import apps

        sync_groups(apps)
    first, second = factories.ReviewerFactory(username="first"), factories.ReviewerFactory(username="second")
    claim = factories.ClaimFactory(reviewer=None, version=1)
    locked, outcome = threading.Event(), {}

    def waiter():
        try:
            locked.wait(10)
            services.claim_update(claim_id=claim.pk, user=second, data={"explanation": "mine"}, expected_version=1)
        except Exception as exc:  # the kind of error is what is tested
            outcome["error"] = exc
        finally:
            close_old_connections()

    thread = threading.Thread(target=waiter)
    thread.start()
    with transaction.atomic():
        services.claim_lock(claim_id=claim.pk, expected_version=1)
        locked.set()
        thread.join(1)  # the waiter is now blocked on our row lock
        claim.refresh_from_db()
        before = services.snapshot(claim)
        claim.explanation = "theirs"
        services.claim_save(claim=claim, user=first, before=before)
    thread.join(10)
    error = outcome.get("error")
    assert isinstance(error, services.VersionConflict), repr(error)
    assert "changed by first" in " ".join(error.messages)
