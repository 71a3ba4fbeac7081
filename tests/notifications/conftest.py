import pytest

from notifications.services import allowed_event_types, webhook_subscribe
from tests import factories

from .receiver import Receiver


@pytest.fixture(scope="session")
def receivers():
    inside = Receiver("127.0.0.1").start()
    # 127.0.0.2 is loopback too on Linux, but outside the allow list the tests set: the guard refuses it.
    outside = Receiver("127.0.0.2").start()
    yield inside, outside
    inside.stop()
    outside.stop()


@pytest.fixture
def receiver(receivers):
    for each in receivers:
        each.reset()
    return receivers[0]


@pytest.fixture
def outside(receivers, receiver):
    return receivers[1]


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    """Only 127.0.0.1 may be reached; short time limits; a site address for the User-Agent and the email's link."""
    settings.LINKCHECK_ALLOW_NETWORKS = ["127.0.0.1/32"]
    settings.WEBHOOK_DEADLINE = 3.0
    settings.WEBHOOK_CONNECT_TIMEOUT = 2.0
    settings.FACTCHECK_SITE_URL = "https://factcheck.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


@pytest.fixture
def staff(db):
    return factories.ReviewerFactory(username="sam")


@pytest.fixture
def subscribe(db, staff):
    """A subscription made through the service (its secret returned): staff's by default, to every event its owner
    may have."""

    def make(url: str, events=None, *, owner=None, **filters):
        owner = owner or staff
        return webhook_subscribe(owner=owner, url=url, events=events or allowed_event_types(owner), **filters)

    return make
