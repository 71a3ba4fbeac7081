import pytest

from factcheck.celery import app as celery_app

from . import factories


@pytest.fixture(autouse=True, scope="session")
def _tasks_run_in_process():
    """Tasks run in-process unless a test starts a real worker (those tests switch this off)."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture
def reviewer(db):
    return factories.ReviewerFactory(username="rita")


@pytest.fixture
def other_reviewer(db):
    return factories.ReviewerFactory(username="omar")


@pytest.fixture
def researcher(db):
    return factories.ResearcherFactory(username="rosa")
