"""Per-host politeness shared through Redis by every worker."""

import asyncio
import threading
import time

from sources.choices import Outcome
from sources.fetch import FetchConfig, check_many
from sources.politeness import RedisHostLimiter, limiter_from_settings


def run_batch(urls, results, key, on_result=None):
    async def go():
        limiter = limiter_from_settings()
        try:
            results[key] = await check_many(
                urls, config=FetchConfig.from_settings(), limiter=limiter, on_result=on_result
            )
        finally:
            await limiter.aclose()

    asyncio.run(go())


def test_two_workers_share_the_per_host_concurrency(farm, settings):
    settings.LINKCHECK_HOST_CONCURRENCY = 2
    farm.delay = 0.3
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
    results = {}
    run_batch([farm.url(f"/ok?n={n}") for n in range(5)], results, "w")
    starts = sorted(entry["at"] for entry in farm.log)
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.23


def test_waiting_on_one_host_does_not_hold_up_the_others(farm, settings):
    settings.LINKCHECK_HOST_INTERVAL = 0.5
    slow = [farm.url(f"/ok?n={n}") for n in range(4)]
    other = [farm.url("/ok?other", host="localhost")]
    finished = {}
    started = time.monotonic()
    run_batch(slow + other, {}, "w", on_result=lambda i, r: finished.setdefault(i, time.monotonic() - started))
    assert finished[4] < 0.4  # the other host's check did not wait behind the busy host's turns
    assert max(finished[i] for i in range(4)) >= 1.4  # four starts 0.5 s apart


def _starts(farm):
    return [(entry["at"], entry["method"], entry["path"], entry["host"].split(":")[0]) for entry in farm.log]


def test_the_interval_spaces_checks_and_their_follow_ups_go_at_once(farm, settings):
    # As LinkChecker paces a host: its wait comes before a url's first request, not before its redirects.
    settings.LINKCHECK_HOST_INTERVAL = 0.4
    results = {}
    run_batch([farm.url("/moved"), farm.url("/status/404")], results, "w")
    assert [r.outcome for r in results["w"]] == [Outcome.REDIRECTED, Outcome.NOT_FOUND]
    starts = sorted(_starts(farm))
    assert [(method, path) for _, method, path, _ in starts] == [
        ("HEAD", "/moved"),
        ("HEAD", "/ok"),
        ("HEAD", "/status/404"),
        ("GET", "/status/404"),
    ]
    at = [moment for moment, *_ in starts]
    assert at[1] - at[0] < 0.3  # the hop did not wait the interval
    assert at[3] - at[2] < 0.3  # nor the GET after the HEAD 404
    assert at[2] - at[0] >= 0.38  # the second check did


def test_a_hop_to_another_host_waits_that_hosts_interval(farm, settings):
    settings.LINKCHECK_HOST_INTERVAL = 0.4
    results = {}
    # localhost's interval starts now with a check of its own; the hop from 127.0.0.1 to localhost then waits.
    run_batch([farm.url("/ok?first", host="localhost"), farm.url("/to-localhost")], results, "w")
    assert [r.outcome for r in results["w"]] == [Outcome.OK, Outcome.REDIRECTED]
    on_localhost = sorted(moment for moment, _, _, host in _starts(farm) if host == "localhost")
    assert len(on_localhost) == 2
    assert on_localhost[1] - on_localhost[0] >= 0.38


def test_follow_ups_keep_the_interval_when_asked(farm, settings):
    # LINKCHECK_PACE_FOLLOW_UPS: a redirect hop and the GET after a HEAD 404 are spaced by the interval too.
    settings.LINKCHECK_HOST_INTERVAL = 0.25
    settings.LINKCHECK_PACE_FOLLOW_UPS = True
    results = {}
    run_batch([farm.url("/moved"), farm.url("/status/404")], results, "w")
    assert [r.outcome for r in results["w"]] == [Outcome.REDIRECTED, Outcome.NOT_FOUND]
    starts = sorted(entry["at"] for entry in farm.log)
    assert len(starts) == 4  # HEAD /moved, HEAD /ok, HEAD 404, GET 404
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.23


def test_a_freed_slot_wakes_a_waiter_in_another_worker_at_once(farm, settings):
    # Concurrency 1, two workers: each start follows the previous end with no polling pause (the fallback
    # poll is 200-400 ms; a release wakes the other worker's waiter through Redis).
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
    assert max(gaps) < 0.2 + 0.12


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
