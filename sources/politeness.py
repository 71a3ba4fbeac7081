"""Politeness towards the sites we check, shared by every worker through Redis.

Per host: at most ``LINKCHECK_HOST_CONCURRENCY`` requests at a time and at least
``LINKCHECK_HOST_INTERVAL`` seconds between the starts of two requests. A slot is a lease that
expires on its own, so a worker killed mid-check cannot hold a host forever.

Waiting is an ``await asyncio.sleep``: the batch's other hosts keep their runners busy meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections.abc import AsyncIterator

# KEYS[1]: zset of slot tokens scored by lease expiry (ms); KEYS[2]: earliest next start (ms).
# ARGV: token, concurrency, interval_ms, lease_ms. Returns 0 when granted, else ms to wait.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if nxt > now then return nxt - now end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local lease = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease)
local interval = tonumber(ARGV[3])
if interval > 0 then redis.call('SET', KEYS[2], now + interval, 'PX', interval) end
return 0
"""
# A slot was full: poll again soon (a local release usually comes first, see _local).
_FULL_POLL_MS = (10, 40)


class RedisHostLimiter:
    """Host slots shared by all processes that use the same Redis database and prefix."""

    def __init__(
        self, redis_url: str, *, concurrency: int, interval: float, lease: float, prefix: str = "linkcheck:host:"
    ) -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(redis_url)
        self._script = self._redis.register_script(_ACQUIRE)
        self.concurrency = max(1, concurrency)
        self.interval_ms = int(interval * 1000)
        self.lease_ms = max(1000, int(lease * 1000))
        self.prefix = prefix
        self._local: dict[str, asyncio.Semaphore] = {}

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        # A process never competes with itself through Redis: local holders queue here first.
        local = self._local.setdefault(host, asyncio.Semaphore(self.concurrency))
        async with local:
            token = uuid.uuid4().hex
            keys = [f"{self.prefix}{host}:slots", f"{self.prefix}{host}:next"]
            while True:
                wait = int(
                    await self._script(keys=keys, args=[token, self.concurrency, self.interval_ms, self.lease_ms])
                )
                if wait == 0:
                    break
                delay = random.randint(*_FULL_POLL_MS) if wait < 0 else wait + random.randint(0, 5)
                await asyncio.sleep(delay / 1000)
            try:
                yield
            finally:
                await self._redis.zrem(keys[0], token)

    async def aclose(self) -> None:
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
