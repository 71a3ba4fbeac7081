import pytest

from factcheck.api.throttling import AnonThrottle
from tests.api.conftest import token_headers


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    """Table-driven tests send many anonymous requests; throttling has its own test in tests/api."""
    settings.API_ANON_THROTTLE_RATE = None
    settings.API_USER_THROTTLE_RATE = None
    yield
    AnonThrottle.reset("127.0.0.1")


@pytest.fixture
def reviewer_headers(reviewer):
    return token_headers(reviewer)


@pytest.fixture
def researcher_headers(researcher):
    return token_headers(researcher)
