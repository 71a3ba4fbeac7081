"""Politeness towards the sites we check, shared by every worker through Redis.

Per host: at most ``LINKCHECK_HOST_CONCURRENCY`` requests at a time and at least
``LINKCHECK_HOST_INTERVAL`` seconds between the starts of two requests. A slot is a lease that
expires on its own, so a worker killed mid-check cannot hold a host forever.

Waiting is an ``await``: the batch's other hosts keep their runners busy meanwhile. A waiter for a full host is
woken by the release (Redis pub/sub) rather than polling. The interval spaces the starts of checks, as
LinkChecker's per-host wait does; a follow-up request of a check (a hop, the GET after a HEAD) waits its turn
(``pace``) when it goes to another host, or always with ``LINKCHECK_PACE_FOLLOW_UPS``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable

from factcheck.redis import async_redis_client

# KEYS[1]: zset of slot tokens scored by lease expiry (ms); KEYS[2]: earliest next start (ms).
# ARGV: token, concurrency, interval_ms, lease_ms. Returns {0, now} when granted, else {ms to wait, now} or
# {-1, now} when every slot is taken; now is Redis's clock (ms), the one the interval is kept by.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if nxt > now then return {nxt - now, now} end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return {-1, now} end
local lease = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease)
local interval = tonumber(ARGV[3])
if interval > 0 then redis.call('SET', KEYS[2], now + interval, 'PX', interval) end
return {0, now}
"""
# KEYS[1]: the slot zset; ARGV[1]: token; ARGV[2]: the channel to tell waiters a slot is free.
_RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], '1')
return 0
"""
# KEYS[1]: earliest next start (ms); ARGV: interval_ms. A follow-up request of a check that already holds a slot
# (the GET after a HEAD, a redirect hop) waits its turn too. Returns {0, now} when it may start, else
# {ms to wait, now}.
_PACE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if nxt > now then return {nxt - now, now} end
local interval = tonumber(ARGV[1])
if interval > 0 then redis.call('SET', KEYS[1], now + interval, 'PX', interval) end
return {0, now}
"""
# A slot was full: a release publishes on the host's channel and wakes the waiters at once; this is only the
# fallback (a lease that expired because its worker died publishes nothing; a lost notification).
_FULL_POLL_MS = (200, 400)
# Most Redis connections of one limiter (one per batch task): well above the checks a batch runs at once.
_POOL_SIZE = 1024


class RedisHostLimiter:
    """Host slots shared by all processes that use the same Redis database and prefix."""

    # Told of each start the limiter allows (a slot, or a follow-up's turn) as on_grant(host, at_ms), at_ms being
    # Redis's clock when it decided: a test can hold the interval to the times it was enforced at.
    on_grant: Callable[[str, int], None] | None = None

    def __init__(
        self, redis_url: str, *, concurrency: int, interval: float, lease: float, prefix: str = "linkcheck:host:"
    ) -> None:
        # A batch has up to LINKCHECK_BATCH_CONCURRENCY checks asking at once, each on a connection of its own for
        # a moment; redis-py's async pool raises "Too many connections" past 100 (redis-py 8's default).
        self._redis = async_redis_client(redis_url, max_connections=_POOL_SIZE)
        self._script = self._redis.register_script(_ACQUIRE)
        self._release = self._redis.register_script(_RELEASE)
        self._pace = self._redis.register_script(_PACE)
        self.concurrency = max(1, concurrency)
        self.interval_ms = int(interval * 1000)
        self.lease_ms = max(1000, int(lease * 1000))
        self.prefix = prefix
        self._local: dict[str, asyncio.Semaphore] = {}
        # Wake-ups: one pattern subscription per limiter; per host a counter of releases seen and an event.
        self._pubsub = None
        self._listener: asyncio.Task | None = None
        self._subscribing: asyncio.Lock | None = None
        self._freed: dict[str, int] = {}
        self._waiters: dict[str, collections.deque[asyncio.Future]] = {}

    def _channel(self, host: str) -> str:
        return f"{self.prefix}free:{host}"

    async def _subscribe(self) -> None:
        if self._listener is not None:
            return
        self._subscribing = self._subscribing or asyncio.Lock()
        async with self._subscribing:
            if self._listener is not None:
                return
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            await pubsub.psubscribe(self._channel("*"))
            self._pubsub = pubsub
            self._listener = asyncio.create_task(self._listen(pubsub))

    async def _listen(self, pubsub) -> None:
        start = len(self._channel(""))
        with contextlib.suppress(Exception):  # a broken subscription leaves the fallback polling
            async for message in pubsub.listen():
                if message.get("type") != "pmessage":
                    continue
                channel = message["channel"]
                host = (channel.decode() if isinstance(channel, bytes) else channel)[start:]
                self._freed[host] = self._freed.get(host, 0) + 1
                # One slot freed: wake one waiter of this process (the others would only lose the race).
                waiters = self._waiters.get(host)
                while waiters:
                    waiter = waiters.popleft()
                    if not waiter.done():
                        waiter.set_result(None)
                        break

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        # A process never competes with itself through Redis: local holders queue here first.
        local = self._local.setdefault(host, asyncio.Semaphore(self.concurrency))
        async with local:
            token = uuid.uuid4().hex
            keys = [f"{self.prefix}{host}:slots", f"{self.prefix}{host}:next"]
            while True:
                seen = self._freed.get(host, 0)
                wait, at_ms = map(
                    int, await self._script(keys=keys, args=[token, self.concurrency, self.interval_ms, self.lease_ms])
                )
                if wait == 0:
                    if self.on_grant is not None:
                        self.on_grant(host, at_ms)
                    break
                if wait > 0:
                    await asyncio.sleep((wait + random.randint(0, 5)) / 1000)
                    continue
                if self._listener is None:
                    await self._subscribe()
                    continue  # a release may have come before the subscription: ask again now
                if self._freed.get(host, 0) != seen:
                    continue  # a slot was freed while we asked
                waiter = asyncio.get_running_loop().create_future()
                self._waiters.setdefault(host, collections.deque()).append(waiter)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(random.randint(*_FULL_POLL_MS) / 1000):
                        await waiter
            try:
                yield
            finally:
                await self._release(keys=keys[:1], args=[token, self._channel(host)])

    async def pace(self, host: str) -> None:
        """Wait for the host's interval before a follow-up request of a check that holds a slot."""
        if self.interval_ms <= 0:
            return
        key = f"{self.prefix}{host}:next"
        while True:
            wait, at_ms = map(int, await self._pace(keys=[key], args=[self.interval_ms]))
            if wait <= 0:
                break
            await asyncio.sleep((wait + random.randint(0, 5)) / 1000)
        if self.on_grant is not None:
            self.on_grant(host, at_ms)

    async def aclose(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(BaseException):
                await self._listener
            self._listener = None
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
            self._pubsub = None
        await self._redis.aclose()


class LocalHostLimiter:
    """The same rules inside one process, for runs without Redis (a laptop, the management command)."""

    def __init__(self, *, concurrency: int, interval: float) -> None:
        self.concurrency = max(1, concurrency)
        self.interval = interval
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._next: dict[str, float] = {}

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        async with self._slots.setdefault(host, asyncio.Semaphore(self.concurrency)):
            while (wait := self._next.get(host, 0.0) - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            self._next[host] = time.monotonic() + self.interval
            yield

    async def pace(self, host: str) -> None:
        """Wait for the host's interval before a follow-up request of a check that holds a slot."""
        while (wait := self._next.get(host, 0.0) - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        self._next[host] = time.monotonic() + self.interval

    async def aclose(self) -> None:
        return None


def limiter_from_settings(*, use_redis: bool = True):
    from django.conf import settings

    if use_redis and settings.LINKCHECK_REDIS_URL:
        return RedisHostLimiter(
            settings.LINKCHECK_REDIS_URL,
            concurrency=settings.LINKCHECK_HOST_CONCURRENCY,
            interval=settings.LINKCHECK_HOST_INTERVAL,
            lease=2 * settings.LINKCHECK_DEADLINE + 10,
            prefix=settings.LINKCHECK_REDIS_PREFIX,
        )
    return LocalHostLimiter(concurrency=settings.LINKCHECK_HOST_CONCURRENCY, interval=settings.LINKCHECK_HOST_INTERVAL)
