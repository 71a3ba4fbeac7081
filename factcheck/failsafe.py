"""Keep serving when Redis is away: a cache that fails open, and enqueueing that never fails a request.

Redis holds only what can be rebuilt or waited for (throttle counters, queued messages). What must not be lost,
such as which sources are due for a check, lives in PostgreSQL, so a request that cannot reach Redis goes on
without it and logs a warning.
"""

from __future__ import annotations

import logging
import time

import kombu.exceptions
import redis.exceptions
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger("factcheck.failsafe")

REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
BROKER_DOWN = (kombu.exceptions.OperationalError, *REDIS_DOWN, OSError)

_WARN_EVERY = 30.0  # seconds; one warning per process and kind per interval, not one per request
_last_warned: dict[str, float] = {}


def warn_unavailable(kind: str, exc: BaseException) -> None:
    now = time.monotonic()
    if now - _last_warned.get(kind, -_WARN_EVERY) >= _WARN_EVERY:
        _last_warned[kind] = now
        logger.warning("%s unavailable, going on without it: %s", kind, exc)
    else:
        logger.debug("%s unavailable: %s", kind, exc)


class FailOpenRedisCache(RedisCache):
    """Django's RedisCache, except that a Redis it cannot reach is a miss (reads) or a no-op (writes).

    Throttling then lets requests through rather than refusing them all, which is the lesser harm for a
    read-mostly public API during a Redis outage.
    """

    def _fail_open(self, default, method, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except REDIS_DOWN as exc:
            warn_unavailable("cache (Redis)", exc)
            return default

    def get(self, key, default=None, version=None):
        return self._fail_open(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._fail_open({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._fail_open(False, super().has_key, key, version)

    def add(self, key, value, timeout=None, version=None):
        return self._fail_open(False, super().add, key, value, timeout, version)

    def set(self, key, value, timeout=None, version=None):
        return self._fail_open(None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=None, version=None):
        return self._fail_open(list(data), super().set_many, data, timeout, version)

    def touch(self, key, timeout=None, version=None):
        return self._fail_open(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._fail_open(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._fail_open(None, super().delete_many, keys, version)

    def clear(self):
        return self._fail_open(False, super().clear)


def enqueue(task, *args, **kwargs) -> bool:
    """Send a task; False (and a warning) when the broker cannot be reached, instead of raising into a request.

    Callers make sure the work is also recorded in PostgreSQL (e.g. the source is due), so the beat job picks it
    up once the broker is back.
    """
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except BROKER_DOWN as exc:
        warn_unavailable(f"broker (could not queue {task.name})", exc)
        return False
    return True
