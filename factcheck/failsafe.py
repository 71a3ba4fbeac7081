"""Keep serving when Redis is away: the cache fails open (django-redis), and enqueueing never fails a request.

Redis holds only what can be rebuilt or waited for (throttle counters, queued messages). What must not be lost,
such as which sources are due for a check, lives in PostgreSQL, so a request that cannot reach Redis goes on
without it and logs a warning.
"""

from __future__ import annotations

import logging
import time

import kombu.exceptions
import redis.exceptions

logger = logging.getLogger("factcheck.failsafe")

REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
BROKER_DOWN = (kombu.exceptions.OperationalError, *REDIS_DOWN, OSError)

_WARN_EVERY = 30.0  # seconds; one warning per process and kind per interval, not one per request
_last_warned: dict[str, float] = {}


def warn_unavailable(kind: str, exc: BaseException | str) -> None:
    now = time.monotonic()
    if now - _last_warned.get(kind, -_WARN_EVERY) >= _WARN_EVERY:
        _last_warned[kind] = now
        logger.warning("%s unavailable, going on without it: %s", kind, exc)
    else:
        logger.debug("%s unavailable: %s", kind, exc)


class CacheUnavailableFilter(logging.Filter):
    """django-redis's log of the Redis errors it ignores (IGNORE_EXCEPTIONS), made ``warn_unavailable``'s.

    django-redis logs each one with its traceback, which during an outage is one per cache call; this filter, on its
    logger (settings.LOGGING), drops those records and warns once per interval instead.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        warn_unavailable("cache (Redis)", (exc.__cause__ or exc) if exc else record.getMessage())
        return False


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
