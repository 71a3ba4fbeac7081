"""How many streamed exports run at once: API_EXPORT_CONCURRENCY_PER_CLIENT per client across every web process,
and API_EXPORT_CONCURRENCY in total per web process. Beyond either, 429 with Retry-After.

An export holds its slot from the moment the view answers until its stream runs out or the server closes the
response (the client hung up, or an error was raised while streaming): `HeldStream` gives it back either way, once.

Per client (throttling.client_key: a signed-in user by id, anyone else by address) the slots are leases in Redis:
one sorted set per client, lease ids scored by their expiry, so every web process counts the same slots. A keeper
thread renews this process's leases every LEASE_SECONDS / 3, however slowly their clients read; the leases of a
process that died are renewed by nobody and expire after LEASE_SECONDS, so a crash leaks a slot for that long at
most. Without Redis (no REDIS_URL, or Redis unreachable) the per-client count falls back to this process's own: it
fails open as the cache does, but only as far as one process's count, not to no limit at all.

The total is counted in this process only ("per web process"): it dies with the process, so it cannot leak.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
import weakref
from collections import Counter

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.exceptions import Throttled

from factcheck.failsafe import REDIS_DOWN, warn_unavailable
from factcheck.redis import redis_client

from .throttling import client_key

LEASE_SECONDS = 60
# What a refused client is told to wait: a slot frees when some export ends, which nobody can foretell; long enough
# that a polling script does not hammer, short against a full export.
RETRY_AFTER = 10
KEY_PREFIX = "exports:leases:"

logger = logging.getLogger(__name__)


class ExportsBusy(Throttled):
    """429 with Retry-After: the client, or this web process, runs as many exports as it may."""


class _Counts:
    """Slots held in this process, by name; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: Counter[str] = Counter()

    def take(self, name: str, limit: int) -> bool:
        with self._lock:
            if self._held[name] >= limit:
                return False
            self._held[name] += 1
            return True

    def give_back(self, name: str) -> None:
        with self._lock:
            self._held[name] -= 1
            if self._held[name] <= 0:
                del self._held[name]

    def clear(self) -> None:
        with self._lock:
            self._held.clear()


# Redis's clock, not the web hosts': every process compares expiries on one clock.
_NOW_LUA = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1000000 "
# KEYS: the client's leases. ARGV: the new lease's id, the limit, the lease's lifetime in seconds.
_TAKE_LUA = (
    _NOW_LUA
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""
)
# KEYS: the client's leases. ARGV: the lease's id, its lifetime. A lease that already expired is not brought back:
# its slot may have been given to another export since.
_RENEW_LUA = (
    _NOW_LUA
    + """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""
)


class ClientLeases:
    """Per-client export slots as leases in Redis, shared by every web process that uses the same Redis."""

    def __init__(self, *, lease_seconds: int = LEASE_SECONDS) -> None:
        self.lease_seconds = lease_seconds
        self._scripts: dict[tuple[int, str], object] = {}
        self._lock = threading.Lock()
        self._mine: dict[str, tuple[object, str]] = {}  # lease id -> (client, key), renewed by the keeper
        self._keeper: threading.Thread | None = None
        self._keeper_pid: int | None = None

    @staticmethod
    def key(ident: str) -> str:
        return f"{KEY_PREFIX}{ident}"

    def take(self, client, ident: str, limit: int) -> str | None:
        """A new lease's id, or None when the client holds `limit` live leases already."""
        lease = uuid.uuid4().hex
        key = self.key(ident)
        if not self._script(client, _TAKE_LUA)(keys=[key], args=[lease, limit, self.lease_seconds]):
            return None
        with self._lock:
            self._mine[lease] = (client, key)
            self._start_keeper()
        return lease

    def give_back(self, client, ident: str, lease: str) -> None:
        with self._lock:
            self._mine.pop(lease, None)
        client.zrem(self.key(ident), lease)

    def renew(self) -> int:
        """Push back the expiry of every lease this process holds; how many were still there to renew."""
        with self._lock:
            mine = list(self._mine.items())
        renewed = 0
        for lease, (client, key) in mine:
            try:
                renewed += self._script(client, _RENEW_LUA)(keys=[key], args=[lease, self.lease_seconds])
            except REDIS_DOWN as exc:
                warn_unavailable("export leases (Redis)", exc)
        return renewed

    def forget_mine(self) -> None:
        """Give back every lease this process holds (tests; a process's own clean-up)."""
        with self._lock:
            mine, self._mine = self._mine, {}
        for lease, (client, key) in mine.items():
            try:
                client.zrem(key, lease)
            except REDIS_DOWN as exc:  # the lease expires by itself
                warn_unavailable("export leases (Redis)", exc)

    def _script(self, client, source: str):
        script = self._scripts.get((id(client), source))
        if script is None:
            script = self._scripts[(id(client), source)] = client.register_script(source)
        return script

    def _start_keeper(self) -> None:
        # Called with the lock held. A forked child has the parent's Thread object but not its thread.
        if self._keeper is not None and self._keeper_pid == os.getpid() and self._keeper.is_alive():
            return
        self._keeper = threading.Thread(target=self._keep, name="export-leases", daemon=True)
        self._keeper_pid = os.getpid()
        self._keeper.start()

    def _keep(self) -> None:
        stop = threading.Event()  # never set: the thread lives as long as the process
        while not stop.wait(self.lease_seconds / 3):
            try:
                self.renew()
            except Exception:  # a thread that died would let every lease of this process lapse
                logger.exception("Renewing the export leases failed; trying again in %s s", self.lease_seconds / 3)


class ExportSlot:
    """One export's place in the limits; `release` gives it back, once, whichever way the export ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._give_backs: list = []
        self._released = False

    def holds(self, give_back) -> None:
        self._give_backs.append(give_back)

    def release(self) -> None:
        with self._lock:
            if self._released:
                return
            self._released = True
        for give_back in reversed(self._give_backs):
            try:
                give_back()
            except REDIS_DOWN as exc:  # the lease expires by itself
                warn_unavailable("export leases (Redis)", exc)


_leases = ClientLeases()
_clients_here = _Counts()  # per client, when Redis cannot count
_total_here = _Counts()
_TOTAL = "total"


def export_slot(request) -> ExportSlot:
    """Take a slot for one more export by the request's client, or raise ExportsBusy (429 with Retry-After)."""
    slot = ExportSlot()
    per_client = settings.API_EXPORT_CONCURRENCY_PER_CLIENT
    if per_client and not _take_client_slot(slot, client_key(request), per_client):
        message = ngettext(
            "You are running %(limit)d export already; start the next when it has finished.",
            "You are running %(limit)d exports already; start the next when one has finished.",
            per_client,
        )
        raise ExportsBusy(wait=RETRY_AFTER, detail=message % {"limit": per_client})
    total = settings.API_EXPORT_CONCURRENCY
    if total:
        if not _total_here.take(_TOTAL, total):
            slot.release()
            raise ExportsBusy(wait=RETRY_AFTER, detail=_("The server is running as many exports as it may."))
        slot.holds(lambda: _total_here.give_back(_TOTAL))
    return slot


def _take_client_slot(slot: ExportSlot, ident: str, limit: int) -> bool:
    url = settings.REDIS_URL
    if url:
        client = redis_client(url)
        try:
            lease = _leases.take(client, ident, limit)
        except REDIS_DOWN as exc:
            warn_unavailable("export leases (Redis)", exc)
        else:
            if lease is None:
                return False
            slot.holds(lambda: _leases.give_back(client, ident, lease))
            return True
    if not _clients_here.take(ident, limit):
        return False
    slot.holds(lambda: _clients_here.give_back(ident))
    return True


def export_slots_reset() -> None:
    """Give back every slot this process holds (tests: a response the test client never read holds its slot)."""
    _leases.forget_mine()
    _clients_here.clear()
    _total_here.clear()


class HeldStream:
    """An export's pieces, holding `slot` until they run out, fail, or the server closes the response."""

    def __init__(self, pieces, slot: ExportSlot) -> None:
        self._pieces = iter(pieces)
        # A response dropped without being closed still gives its slot back when it is collected.
        self._release = weakref.finalize(self, slot.release)

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self._pieces)
        except BaseException:  # the end (StopIteration) or an error while streaming
            self.close()
            raise

    def close(self) -> None:
        """Called by the server when the response is done with, the client gone or not (WSGI's close())."""
        try:
            close = getattr(self._pieces, "close", None)
            if close is not None:
                close()
        finally:
            self._release()
