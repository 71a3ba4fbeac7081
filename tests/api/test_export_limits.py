"""Exports at once (factcheck.api.concurrency): per client, in total per web process, and what holds a slot.

Through the test client a streamed response is not read until the test reads it, so an export it has not read is
one still streaming. tests/faults/test_export_limits.py runs the same through gunicorn with slow readers.
"""

from __future__ import annotations

import threading

import pytest
import redis
from django.core.signals import request_finished
from django.db import close_old_connections

from factcheck.api import concurrency
from factcheck.api.concurrency import ClientLeases, ExportSlot, HeldStream, export_slots_reset
from factcheck.redis import redis_client
from tests import factories

from .conftest import token_headers

EXPORT = "/api/v1/claims/export/?format=ndjson"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.API_EXPORT_CONCURRENCY_PER_CLIENT = 2
    settings.API_EXPORT_CONCURRENCY = 3
    export_slots_reset()
    yield
    export_slots_reset()


@pytest.fixture
def claims(db):
    return factories.PublishedClaimFactory.create_batch(3)


def start(client, address: str = "127.0.0.1", **headers):
    return client.get(EXPORT, REMOTE_ADDR=address, headers=headers)


def finish(response) -> int:
    """Read the export to its end; how many rows it had."""
    assert response.status_code == 200
    return len(b"".join(response.streaming_content).splitlines())


def hang_up(response) -> None:
    """What the server does when a client goes away mid-export: it closes the response (WSGI's close()).

    As the test client does itself, the request's end does not close the test's database connection here."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def assert_busy(response) -> None:
    assert response.status_code == 429, response
    assert int(response["Retry-After"]) == concurrency.RETRY_AFTER
    assert "export" in response.json()["detail"]


def test_a_clients_third_export_at_once_waits_until_one_has_finished(client, claims):
    first, second = start(client), start(client)
    assert first.status_code == second.status_code == 200
    assert_busy(start(client))
    assert_busy(start(client))  # a refused export holds no slot, but the two still do
    assert finish(first) == 3
    third = start(client)
    assert third.status_code == 200
    assert_busy(start(client))
    assert finish(second) == finish(third) == 3


def test_the_total_holds_across_clients(client, claims):
    a1, a2 = start(client, "198.51.100.1"), start(client, "198.51.100.1")
    b1 = start(client, "198.51.100.2")
    assert a1.status_code == a2.status_code == b1.status_code == 200
    # The web process runs three: the next is refused to anyone, the client with one running included.
    assert_busy(start(client, "198.51.100.2"))
    assert_busy(start(client, "198.51.100.3"))
    hang_up(a1)
    c1 = start(client, "198.51.100.3")
    assert c1.status_code == 200
    assert [finish(r) for r in (a2, b1, c1)] == [3, 3, 3]


def test_a_signed_in_user_is_one_client_from_any_address(client, claims, researcher):
    headers = token_headers(researcher)
    first = start(client, "198.51.100.1", **headers)
    second = start(client, "198.51.100.2", **headers)
    assert first.status_code == second.status_code == 200
    assert_busy(start(client, "198.51.100.3", **headers))
    # The address itself is another client: anonymous from it is counted apart from the user.
    anonymous = start(client, "198.51.100.1")
    assert anonymous.status_code == 200
    assert [finish(r) for r in (first, second, anonymous)] == [3, 3, 3]


def test_zero_turns_a_limit_off(client, claims, settings):
    settings.API_EXPORT_CONCURRENCY_PER_CLIENT = 0
    settings.API_EXPORT_CONCURRENCY = 0
    running = [start(client) for _ in range(6)]
    assert [r.status_code for r in running] == [200] * 6
    assert [finish(r) for r in running] == [3] * 6


def test_bad_requests_hold_no_slot(client, claims):
    for _ in range(5):
        assert client.get("/api/v1/claims/export/?format=xlsx").status_code == 400
        assert client.get("/api/v1/claims/export/?verdict=maybe").status_code == 400
    first, second = start(client), start(client)
    assert [finish(first), finish(second)] == [3, 3]


# --- What holds a slot, and for how long -------------------------------------------------------------------


class Counted:
    def __init__(self) -> None:
        self.given_back = 0

    def __call__(self) -> None:
        self.given_back += 1


def held(pieces):
    slot, counted = ExportSlot(), Counted()
    slot.holds(counted)
    return HeldStream(pieces, slot), counted


def test_a_stream_gives_its_slot_back_when_it_runs_out():
    stream, counted = held(iter([b"a", b"b"]))
    assert next(stream) == b"a"
    assert next(stream) == b"b"
    assert counted.given_back == 0
    with pytest.raises(StopIteration):
        next(stream)
    stream.close()  # the server closes it after the end as well
    assert counted.given_back == 1


def test_closing_a_stream_half_read_stops_its_query_and_gives_the_slot_back():
    finished = threading.Event()

    def pieces():
        try:
            yield b"a"
            yield b"b"
        finally:
            finished.set()  # the export's transaction and cursor end here

    stream, counted = held(pieces())
    assert next(stream) == b"a"
    stream.close()
    assert finished.is_set()
    assert counted.given_back == 1


def test_an_error_while_streaming_gives_the_slot_back():
    def pieces():
        yield b"a"
        raise RuntimeError("the database went away")

    stream, counted = held(pieces())
    next(stream)
    with pytest.raises(RuntimeError):
        next(stream)
    stream.close()
    assert counted.given_back == 1


def test_a_stream_never_read_gives_its_slot_back_on_close_or_when_collected():
    stream, counted = held(iter([b"a"]))
    stream.close()
    assert counted.given_back == 1
    stream, counted = held(iter([b"a"]))
    del stream
    assert counted.given_back == 1


# --- Leases in Redis: one count for every web process ----------------------------------------------------------


@pytest.fixture
def leases_redis(settings):
    if not settings.REDIS_URL:
        pytest.skip("the per-client leases need REDIS_URL")
    client = redis.Redis.from_url(settings.REDIS_URL)
    yield client
    for key in client.scan_iter(f"{concurrency.KEY_PREFIX}test:*"):
        client.delete(key)


def test_two_processes_count_the_same_leases(leases_redis):
    one, other = ClientLeases(), ClientLeases()  # as two web processes have
    first = one.take(leases_redis, "test:a", 2)
    assert first
    assert other.take(leases_redis, "test:a", 2)
    assert one.take(leases_redis, "test:a", 2) is None
    assert other.take(leases_redis, "test:a", 2) is None
    assert one.take(leases_redis, "test:b", 2)  # another client
    one.give_back(leases_redis, "test:a", first)
    assert other.take(leases_redis, "test:a", 2)


def test_the_leases_of_a_process_that_died_expire(leases_redis):
    dead, alive = ClientLeases(), ClientLeases()
    key = ClientLeases.key("test:a")
    gone = [dead.take(leases_redis, "test:a", 2) for _ in range(2)]
    assert alive.take(leases_redis, "test:a", 2) is None
    assert 0 < leases_redis.ttl(key) <= concurrency.LEASE_SECONDS  # an idle client's set goes away by itself
    # Nobody renewed them for LEASE_SECONDS (their process died): their expiry has passed.
    leases_redis.zadd(key, dict.fromkeys(gone, 1.0))
    assert alive.take(leases_redis, "test:a", 2)
    assert set(gone).isdisjoint(m.decode() for m in leases_redis.zrange(key, 0, -1))


def test_a_process_renews_the_leases_it_holds_however_slowly_its_clients_read(leases_redis):
    process = ClientLeases()
    key = ClientLeases.key("test:a")
    lease = process.take(leases_redis, "test:a", 2)
    keeper = process._keeper
    assert keeper is not None
    assert keeper.is_alive()
    assert keeper.daemon
    soon = leases_redis.zscore(key, lease) - concurrency.LEASE_SECONDS + 1
    leases_redis.zadd(key, {lease: soon})  # about to expire
    assert process.renew() == 1
    assert leases_redis.zscore(key, lease) > soon + concurrency.LEASE_SECONDS - 2
    # One given back is not brought back by a renewal.
    process.give_back(leases_redis, "test:a", lease)
    assert process.renew() == 0
    assert leases_redis.zscore(key, lease) is None


def test_without_redis_each_process_still_limits_each_client(client, claims, settings, caplog, monkeypatch):
    if not settings.REDIS_URL:
        pytest.skip("without REDIS_URL the count is this process's anyway (test_a_clients_third_export_...)")
    # Redis unreachable for the leases: nothing listens on port 9, so every call fails at once.
    unreachable = redis_client("redis://127.0.0.1:9/0")
    monkeypatch.setattr(concurrency, "redis_client", lambda url: unreachable)
    first, second = start(client), start(client)
    assert first.status_code == second.status_code == 200
    assert_busy(start(client))
    assert finish(first) == 3
    third = start(client)
    assert third.status_code == 200
    assert [finish(second), finish(third)] == [3, 3]
    assert "export leases (Redis) unavailable" in caplog.text
