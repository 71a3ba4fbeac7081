"""Per-host politeness shared through Redis by every worker."""

import asyncio
import contextlib
import threading

from sources import politeness
from sources.choices import Outcome
from sources.fetch import FetchConfig, check_many
from sources.politeness import RedisHostLimiter, limiter_from_settings

from .farm import hold_until_in_flight


def run_batch(urls, results, key, on_result=None, grants=None):
    """Check ``urls`` as one worker's batch; ``grants`` collects (host, Redis ms) of each start the limiter allowed."""

    async def go():
        limiter = limiter_from_settings()
        if grants is not None:
            assert isinstance(limiter, RedisHostLimiter)
            limiter.on_grant = lambda host, at_ms: grants.append((host, at_ms))
        try:
            results[key] = await check_many(
                urls, config=FetchConfig.from_settings(), limiter=limiter, on_result=on_result
            )
        finally:
            await limiter.aclose()

    asyncio.run(go())


def grant_gaps(grants, host):
    """Milliseconds between consecutive starts the limiter allowed on ``host``, by the clock it enforced them by."""
    times = sorted(at for granted, at in grants if granted == host)
    return [b - a for a, b in zip(times, times[1:], strict=False)]


def test_two_workers_share_the_per_host_concurrency(farm, settings):
    settings.LINKCHECK_HOST_CONCURRENCY = 2
    hold_until_in_flight(farm, settings, 2)  # the limit is reached however slowly the requests are sent
    farm.delay = 0.3  # and each is held long enough for a third to arrive, were the limit broken
    urls = [farm.url(f"/ok?n={n}") for n in range(6)]
    results = {}
    threads = [threading.Thread(target=run_batch, args=(urls, results, name)) for name in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r.outcome == Outcome.OK for rs in results.values() for r in rs)
    # Each worker alone would run 2 at a time; together they still run at most 2 against the host.
    assert farm.max_in_flight["127.0.0.1"] == 2


def test_interval_between_starts_to_one_host(farm, settings):
    settings.LINKCHECK_HOST_INTERVAL = 0.25
    results, grants = {}, []
    run_batch([farm.url(f"/ok?n={n}") for n in range(5)], results, "w", grants=grants)
    assert [r.outcome for r in results["w"]] == [Outcome.OK] * 5
    assert len(farm.log) == 5
    # Measured where the rule is kept (the limiter's grants), not at the server: a busy machine may delay one
    # request after its grant and not the next, which brings two arrivals closer than the interval.
    assert [host for host, _ in grants] == ["127.0.0.1"] * 5
    assert min(grant_gaps(grants, "127.0.0.1")) >= 250


def test_waiting_on_one_host_does_not_hold_up_the_others(farm, settings):
    # 127.0.0.1's second turn is a minute away: the other host's check must be done while it waits.
    settings.LINKCHECK_HOST_INTERVAL = 60
    slow = [farm.url(f"/ok?n={n}") for n in range(2)]
    other = [farm.url("/ok?other", host="localhost")]
    events = []

    async def go():
        limiter = limiter_from_settings()
        assert isinstance(limiter, RedisHostLimiter)
        limiter.on_grant = lambda host, at_ms: events.append(("start", host))
        other_done = asyncio.Event()

        def on_result(index, result):
            events.append(("done", index))
            if index == 2:
                other_done.set()

        batch = asyncio.ensure_future(
            check_many(slow + other, config=FetchConfig.from_settings(), limiter=limiter, on_result=on_result)
        )
        try:
            # Far less than the minute a check queued behind 127.0.0.1's turn would take.
            async with asyncio.timeout(20):
                await other_done.wait()
        finally:
            batch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await batch
            await limiter.aclose()

    asyncio.run(go())
    # When the other host's check was done, 127.0.0.1 had started one check and was waiting for its second turn.
    assert events.count(("start", "127.0.0.1")) == 1
    assert events.index(("start", "127.0.0.1")) < events.index(("done", 2))
    assert farm.hits["/ok"] == 2  # 127.0.0.1's first check and the other host's


def test_the_interval_spaces_checks_and_their_follow_ups_go_at_once(farm, settings):
    # As LinkChecker paces a host: its wait comes before a url's first request, not before its redirects.
    settings.LINKCHECK_HOST_INTERVAL = 0.4
    results, grants = {}, []
    run_batch([farm.url("/moved"), farm.url("/status/404")], results, "w", grants=grants)
    assert [r.outcome for r in results["w"]] == [Outcome.REDIRECTED, Outcome.NOT_FOUND]
    assert [(entry["method"], entry["path"]) for entry in farm.log if entry["path"] != "/status/404"] == [
        ("HEAD", "/moved"),
        ("HEAD", "/ok"),
    ]
    assert [entry["method"] for entry in farm.log if entry["path"] == "/status/404"] == ["HEAD", "GET"]
    # Two starts, the interval apart by the limiter's clock; the hop and the GET after the HEAD 404 did not ask
    # the limiter for a turn, so nothing made them wait.
    assert [host for host, _ in grants] == ["127.0.0.1", "127.0.0.1"]
    (gap,) = grant_gaps(grants, "127.0.0.1")
    assert gap >= 400


def test_a_hop_to_another_host_waits_that_hosts_interval(farm, settings):
    settings.LINKCHECK_HOST_INTERVAL = 0.4
    results, grants = {}, []
    # localhost's interval starts with a check of its own; the hop from 127.0.0.1 to localhost then waits.
    run_batch([farm.url("/ok?first", host="localhost"), farm.url("/to-localhost")], results, "w", grants=grants)
    assert [r.outcome for r in results["w"]] == [Outcome.OK, Outcome.REDIRECTED]
    assert len([entry for entry in farm.log if entry["host"].startswith("localhost:")]) == 2
    # localhost's two turns (the check, the hop), the interval apart by the clock the limiter kept it by.
    assert sorted(host for host, _ in grants) == ["127.0.0.1", "localhost", "localhost"]
    (gap,) = grant_gaps(grants, "localhost")
    assert gap >= 400


def test_follow_ups_keep_the_interval_when_asked(farm, settings):
    # LINKCHECK_PACE_FOLLOW_UPS: a redirect hop and the GET after a HEAD 404 are spaced by the interval too.
    settings.LINKCHECK_HOST_INTERVAL = 0.25
    settings.LINKCHECK_PACE_FOLLOW_UPS = True
    results, grants = {}, []
    run_batch([farm.url("/moved"), farm.url("/status/404")], results, "w", grants=grants)
    assert [r.outcome for r in results["w"]] == [Outcome.REDIRECTED, Outcome.NOT_FOUND]
    assert len(farm.log) == 4  # HEAD /moved, HEAD /ok, HEAD 404, GET 404
    # Each of the four requests had its own turn, each the interval after the one before.
    assert [host for host, _ in grants] == ["127.0.0.1"] * 4
    assert min(grant_gaps(grants, "127.0.0.1")) >= 250


def test_a_freed_slot_wakes_a_waiter_in_another_worker_at_once(monkeypatch, farm, settings):
    # Concurrency 1, two workers: a release wakes the other worker's waiter through Redis. The fallback poll is
    # made a minute long, so a handover that waited for it instead would leave a minute between two starts.
    monkeypatch.setattr(politeness, "_FULL_POLL_MS", (60_000, 60_000))
    settings.LINKCHECK_HOST_CONCURRENCY = 1
    farm.delay = 0.2
    urls = [farm.url(f"/ok?n={n}") for n in range(3)]
    results = {}
    threads = [threading.Thread(target=run_batch, args=(urls, results, name)) for name in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r.outcome == Outcome.OK for rs in results.values() for r in rs)
    assert farm.max_in_flight["127.0.0.1"] == 1
    starts = sorted(entry["at"] for entry in farm.log)
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert len(starts) == 6
    assert max(gaps) < 20  # far above a busy machine's delays, far below the poll


def test_more_checks_asking_at_once_than_the_redis_pool_holds_wait_their_turn(settings):
    # A batch runs up to LINKCHECK_BATCH_CONCURRENCY (100) checks at once, each asking Redis for its host's slot;
    # redis-py's default pool refuses the 101st with "Too many connections". 300 hosts ask together here.
    limiter = limiter_from_settings()
    assert isinstance(limiter, RedisHostLimiter)
    held = []

    async def check(host: str) -> None:
        async with limiter.slot(host):
            held.append(host)
            await asyncio.sleep(0.01)

    async def go():
        try:
            await asyncio.gather(*(check(f"host-{n}.example") for n in range(300)))
        finally:
            await limiter.aclose()

    asyncio.run(go())
    assert sorted(held) == sorted(f"host-{n}.example" for n in range(300))
