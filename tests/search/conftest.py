import pytest

from factcheck.api.throttling import AnonThrottle


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    """These tests search many times a minute: the anonymous throttle (tests/api holds it) would answer 429."""
    settings.API_ANON_THROTTLE_RATE = None
    settings.API_USER_THROTTLE_RATE = None
    yield
    AnonThrottle.reset("127.0.0.1")
