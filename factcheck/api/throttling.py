"""The API's throttles: per client address for anonymous requests, per user for signed-in ones. Each is a
sliding-window counter in Redis, DRF's own log in the local cache without Redis."""

from __future__ import annotations

from django.conf import settings
from rest_framework import throttling

from factcheck.redis import redis_client


def client_key(request) -> str:
    """Who a request is counted against, by the throttles and by the export limit: a signed-in user by id, anyone
    else by address (factcheck.security.client_ip, which trusts X-Forwarded-For only from our own proxies)."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    from factcheck.security import client_ip

    return f"addr:{client_ip(request)}"


class CountedThrottle(throttling.SimpleRateThrottle):
    """A rate per client, from the setting named `rate_setting` (read per request; empty turns it off).

    With Redis (REDIS_URL) the count is a sliding-window counter: this window's and the last window's totals, the
    last one weighted by how much of it still overlaps. One round trip and two small integers per request, where
    DRF's own log of timestamps costs a read and a rewrite of up to `rate` entries. Without Redis (make run)
    DRF's log in the local cache does it.
    """

    rate_setting: str
    key_prefix: str

    def get_rate(self) -> str | None:
        return getattr(settings, self.rate_setting) or None

    def counts(self, request) -> bool:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        # Fail open: with Redis away (and a cache that raises), serving unthrottled beats refusing everyone.
        from factcheck.failsafe import REDIS_DOWN, warn_unavailable

        if self.rate is None or not self.counts(request):
            return True
        try:
            client = throttle_redis()
            if client is None:
                return super().allow_request(request, view)
            return self._allow_counted(client, self.get_ident(request))
        except REDIS_DOWN as exc:
            warn_unavailable("throttle cache (Redis)", exc)
            return True

    def _allow_counted(self, client, ident: str) -> bool:
        now = self.timer()
        window, into = divmod(now, self.duration)
        keys = [self._key(ident, int(window)), self._key(ident, int(window) - 1)]
        overlap = 1 - into / self.duration
        allowed, current, previous = _count_script(client)(
            keys=keys, args=[self.num_requests, repr(overlap), int(2 * self.duration)]
        )
        if allowed:
            return True
        self._retry_after = sliding_window_wait(
            previous=previous, current=current, limit=self.num_requests, duration=self.duration, into=into
        )
        return False

    @classmethod
    def _key(cls, ident: str, window: int) -> str:
        return f"{cls.key_prefix}{{{ident}}}:{window}"  # {ident}: both windows in one Redis Cluster slot

    def wait(self) -> float | None:
        if hasattr(self, "_retry_after"):
            return self._retry_after
        return super().wait()

    @classmethod
    def reset(cls, ident: str) -> None:
        """Forget a client's count (an operator unblocking an address or a user; tests)."""
        from django.core.cache import cache

        client = throttle_redis()
        if client is not None:
            keys = list(client.scan_iter(f"{cls.key_prefix}{{{ident}}}:*"))
            if keys:
                client.delete(*keys)
        cache.delete(cls.cache_format % {"scope": cls.scope, "ident": ident})


class AnonThrottle(CountedThrottle, throttling.AnonRateThrottle):
    """Anonymous requests per client address: API_ANON_THROTTLE_RATE."""

    rate_setting = "API_ANON_THROTTLE_RATE"
    key_prefix = "throttle:anon:"

    def counts(self, request) -> bool:
        return not request.user.is_authenticated

    def get_ident(self, request) -> str:
        from factcheck.security import client_ip

        return client_ip(request)


class UserThrottle(CountedThrottle, throttling.UserRateThrottle):
    """Signed-in requests per user, whatever their address: API_USER_THROTTLE_RATE."""

    rate_setting = "API_USER_THROTTLE_RATE"
    key_prefix = "throttle:user:"

    def counts(self, request) -> bool:
        return request.user.is_authenticated

    def get_ident(self, request) -> str:
        return str(request.user.pk)


def sliding_window_wait(*, previous: int, current: int, limit: int, duration: float, into: float) -> float:
    """Seconds until one more request fits: previous * (1 - t / duration) + current + 1 <= limit at time t."""
    room = limit - 1 - current
    left = duration - into
    if previous and room >= 0:
        # still in this window: wait until enough of the last window has slid out
        wait = left - duration * room / previous
    else:
        # only in a later window, when this window's count is the one sliding out
        wait = left + duration * max(0.0, 1 - (limit - 1) / current) if current else left
    return max(wait, 1.0)  # Retry-After is in whole seconds; never tell a refused client "now"


_scripts: dict[int, object] = {}

# Count the request in this window and weigh the last one's, in one round trip; a refused request is not counted.
# KEYS: this window, the last one. ARGV: the limit, how much of the last window still overlaps, the keys' lifetime.
_COUNT_LUA = """
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * tonumber(ARGV[2]) + current <= tonumber(ARGV[1]) then return {1, current, previous} end
redis.call('DECR', KEYS[1])
return {0, current - 1, previous}
"""


def _count_script(client):
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts[id(client)] = client.register_script(_COUNT_LUA)
    return script


def throttle_redis():
    """The Redis client for the throttle counters, or None without REDIS_URL."""
    url = settings.REDIS_URL
    return redis_client(url) if url else None
