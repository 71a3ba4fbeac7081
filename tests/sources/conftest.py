import uuid

import pytest

from .capture_farm import CaptureFarm
from .farm import Farm, HeadTrickleServer


@pytest.fixture(scope="session")
def farm_pair():
    inside = Farm("127.0.0.1").start()
    # 127.0.0.2 is loopback too on Linux, but outside the allow-list the tests set: the guard refuses it.
    outside = Farm("127.0.0.2").start()
    inside.other = outside
    yield inside, outside
    inside.stop()
    outside.stop()


@pytest.fixture
def farm(farm_pair):
    inside, outside = farm_pair
    inside.reset()
    outside.reset()
    return inside


@pytest.fixture(scope="session")
def capture_farm_server():
    server = CaptureFarm("127.0.0.1").start()
    yield server
    server.stop()


@pytest.fixture
def capture_farm(capture_farm_server, farm_pair):
    """The farm with pages a test writes (sources/capture tests); ``other`` is the server outside the allow-list."""
    capture_farm_server.reset()
    farm_pair[1].reset()
    capture_farm_server.other = farm_pair[1]
    return capture_farm_server


@pytest.fixture(scope="session")
def head_trickle():
    server = HeadTrickleServer().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def linkcheck_settings(settings, farm_pair):
    """Only 127.0.0.1 is allowed; short time limits; no politeness interval unless a test sets one."""
    settings.LINKCHECK_ALLOW_NETWORKS = ["127.0.0.1/32"]
    settings.LINKCHECK_CONNECT_TIMEOUT = 2.0
    settings.LINKCHECK_READ_TIMEOUT = 2.0
    settings.LINKCHECK_DEADLINE = 3.0
    settings.LINKCHECK_HOST_INTERVAL = 0.0
    settings.LINKCHECK_REDIS_PREFIX = f"test-linkcheck:{uuid.uuid4().hex[:8]}:"
    settings.LINKCHECK_CONTACT_URL = "https://factcheck.example.org/contact"
    settings.ARCHIVE_LOOKUP_URL = farm_pair[0].url("/wayback/available")
    return settings
