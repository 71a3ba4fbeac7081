"""Redis clients, made in one place: the web's quick calls share one client per process and url; the link checker
opens an asyncio client per batch.

A request that asks Redis (a throttle counter, /healthz) waits at most a second for it, then goes on without it
(fail open), so the synchronous clients have short timeouts.
"""

from __future__ import annotations

import redis

SYNC_TIMEOUTS = {"socket_connect_timeout": 1, "socket_timeout": 1}

_clients: dict[str, redis.Redis] = {}


def redis_client(url: str) -> redis.Redis:
    """The process's client for `url` (its pool is thread-safe), with SYNC_TIMEOUTS."""
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(url, **SYNC_TIMEOUTS)
    return client


def async_redis_client(url: str, *, max_connections: int):
    """A new asyncio client for `url`; the caller closes it (`aclose`).

    Not shared: asyncio connections belong to the event loop that opened them. No socket timeout, since a pub/sub
    subscription waits on its socket for as long as it lives.
    """
    import redis.asyncio as aioredis

    return aioredis.from_url(url, max_connections=max_connections)
