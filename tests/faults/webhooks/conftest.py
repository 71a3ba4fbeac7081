"""The webhook fault tests' fixtures: the holding receiver, the test process's webhook settings, and its outbox's
nudges sent to a throwaway Redis."""

import pytest

from ..conftest import send
from .helpers import ENCRYPTION_KEY, HoldingReceiver


@pytest.fixture
def hook_receiver():
    receiver = HoldingReceiver().start()
    yield receiver
    receiver.release()
    receiver.stop()


@pytest.fixture
def webhook_settings(settings):
    """The test process subscribes with the workers' secret key and allow list."""
    settings.WEBHOOK_SECRET_KEYS = [ENCRYPTION_KEY]
    settings.LINKCHECK_ALLOW_NETWORKS = ["127.0.0.1/32"]
    settings.FACTCHECK_SITE_URL = "https://factcheck.example.org"
    return settings


@pytest.fixture
def nudges(monkeypatch):
    """The outbox's on-commit nudge from this test process goes to the broker in ``nudges.connection`` (a throwaway
    Redis) instead of running the worker here, as the web process's nudge would. ``sent`` counts those that went,
    ``lost`` those the broker refused."""
    from notifications import dispatch
    from notifications.tasks import webhooks_deliver

    class Nudges:
        connection = None
        sent = 0
        lost = 0

    state = Nudges()

    def dispatch_soon(*, countdown: float = 0) -> bool:
        try:
            send(state.connection, webhooks_deliver)
        except Exception:
            state.lost += 1
            return False
        state.sent += 1
        return True

    monkeypatch.setattr(dispatch, "dispatch_soon", dispatch_soon)
    return state
