import pytest
from rest_framework.authtoken.models import Token

from factcheck.api.throttling import AnonThrottle
from tests import factories


@pytest.fixture(autouse=True)
def _no_throttling_unless_asked(settings):
    """Most tests make many requests; the throttle tests turn a limit back on with a small rate."""
    settings.API_ANON_THROTTLE_RATE = None
    settings.API_USER_THROTTLE_RATE = None
    yield
    AnonThrottle.reset("127.0.0.1")


def token_headers(user) -> dict:
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


@pytest.fixture
def reviewer_headers(reviewer):
    return token_headers(reviewer)


@pytest.fixture
def researcher_headers(researcher):
    return token_headers(researcher)


@pytest.fixture
def published(db):
    return factories.PublishedClaimFactory(text="A published statement.")


@pytest.fixture
def draft(db):
    return factories.ClaimFactory(text="A draft statement.")
