"""A fixed-window count per client in the cache (Redis when REDIS_URL is set, so every web process shares it).

Rates are written as DRF's are: "10/hour", "3/min", "100/day"; an empty rate turns the limit off. With Redis away
the count fails open: taking tips unthrottled beats refusing every reader.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from factcheck.failsafe import REDIS_DOWN, warn_unavailable

PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int] | None:
    """("10/hour") -> (10, 3600); None for an empty rate."""
    if not rate:
        return None
    count, _, period = rate.partition("/")
    try:
        return int(count), PERIOD_SECONDS[period.strip()[:1].lower()]
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f'The rate "{rate}" is not of the form "10/hour" (s, min, hour or day).') from exc


def rate_exceeded(*, scope: str, ident: str, rate: str, now: float | None = None) -> int | None:
    """Count one more request of `ident` against `rate`. None while it is within the rate, else the seconds until
    the window ends (for Retry-After)."""
    parsed = parse_rate(rate)
    if parsed is None:
        return None
    limit, period = parsed
    now = time.time() if now is None else now
    window, into = divmod(int(now), period)
    key = f"rate:{scope}:{ident}:{window}"
    try:
        cache.add(key, 0, timeout=period + 1)
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr: this is the window's first request
        cache.set(key, 1, timeout=period + 1)
        count = 1
    except REDIS_DOWN as exc:
        warn_unavailable("rate limit cache (Redis)", exc)
        return None
    if count is None:  # django-redis with IGNORE_EXCEPTIONS answers None while Redis is away
        return None
    return period - into if count > limit else None


def rate_reset(*, scope: str, ident: str, rate: str, now: float | None = None) -> None:
    """Forget this window's count of `ident` (tests)."""
    parsed = parse_rate(rate)
    if parsed is not None:
        window = int(time.time() if now is None else now) // parsed[1]
        cache.delete(f"rate:{scope}:{ident}:{window}")
