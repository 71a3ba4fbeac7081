import os
import warnings

import psutil
import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import translation

from claims import services
from claims.choices import ClaimStatus, Verdict
from claims.models import Claim
from factcheck.api.concurrency import export_slots_reset
from factcheck.celery import app as celery_app

from . import factories


@pytest.fixture(autouse=True, scope="session")
def _tasks_run_in_process():
    """Tasks run in-process unless a test starts a real worker (those tests switch this off)."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True, scope="session")
def _captures_off_and_kept_under_a_temporary_root(tmp_path_factory):
    """A capture fetches the url cited, and tests cite example.org: captures are taken by themselves only in the tests
    that turn them on (CAPTURE_ENABLED, tests/sources/test_capture*.py), against loopback servers. What they keep is
    written under a temporary MEDIA_ROOT, never var/media."""
    with override_settings(CAPTURE_ENABLED=False, MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        yield


@pytest.fixture(autouse=True, scope="session")
def _nudges_unpaced():
    """One webhook nudge per committing transaction, as tests count them; the pacing has its own tests
    (tests/notifications/test_nudge_pacing.py)."""
    with override_settings(WEBHOOK_NUDGE_INTERVAL_SECONDS=0):
        yield


@pytest.fixture(autouse=True, scope="session")
def _passwords_cost_nothing():
    """Users are made by the thousand here: hash their passwords in one round (tests/hashers.py)."""
    with override_settings(PASSWORD_HASHERS=["tests.hashers.OneRoundPBKDF2PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _no_session_outlives_the_suite(django_db_setup, django_db_blocker):
    """At the end, name whatever is still connected to the test database (a thread's or a child process's connection
    a test left open), which would otherwise show only as "being accessed by other users" when it is dropped."""
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_port, application_name, state, left(query, 160) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        others = cursor.fetchall()
    if not others:
        return
    owners = {c.laddr.port: c.pid for c in psutil.net_connections(kind="tcp") if c.laddr and c.pid}
    described = []
    for port, application, state, query in others:
        pid = owners.get(port)
        who = "unknown process"
        if pid == os.getpid():
            who = "this process (a thread's connection)"
        elif pid:
            who = f"pid {pid}: {' '.join(psutil.Process(pid).cmdline())[:160]}"
        described.append(f"{who}, {application or 'no name'}, {state}, last query: {query}")
    warnings.warn("still connected to the test database at the end: " + " | ".join(described), stacklevel=1)


@pytest.fixture(autouse=True)
def _each_test_starts_in_english():
    """LocaleMiddleware activates the language a request asked for and leaves it active in this thread (a server
    activates one for each request anyway): a Chinese request must not turn the next test's messages Chinese."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _export_slots_given_back():
    """A streamed export the test client was never asked to read holds its slot until it is collected; a real
    server always closes it. Give the slots back after each test, so none is counted against the next."""
    yield
    export_slots_reset()


@pytest.fixture
def reviewer(db):
    return factories.ReviewerFactory(username="rita")


@pytest.fixture
def other_reviewer(db):
    return factories.ReviewerFactory(username="omar")


@pytest.fixture
def awaiting_approval(reviewer):
    """A claim rita wrote (verdict, explanation, evidence) and put in review: publishable but for the second review."""
    claim = services.claim_create(
        user=reviewer,
        text="The bridge cost 2 billion.",
        verdict=Verdict.FALSE,
        explanation="The budget says 1.2 billion.",
        status=ClaimStatus.IN_REVIEW,
    )
    services.evidence_add(claim=claim, url="https://example.org/budget", user=reviewer)
    return Claim.objects.get(pk=claim.pk)


@pytest.fixture
def researcher(db):
    return factories.ResearcherFactory(username="rosa")


@pytest.fixture
def one_person_desk(settings):
    """FACTCHECK_REQUIRE_SECOND_REVIEW off: one reviewer may write a verdict and publish it alone. For tests of other
    things that walk a claim to publication as one reviewer; second review has its own (tests/claims/
    test_second_review.py and its admin and API tests)."""
    settings.FACTCHECK_REQUIRE_SECOND_REVIEW = False
