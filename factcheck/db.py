"""Database connection set-up of our own."""

from __future__ import annotations

import datetime as dt
import queue
import re
import sys
import threading
from collections.abc import Iterator

from django.db.models import BooleanField, F, Func, QuerySet


def use_c_timestamp_loader(sender, connection, **kwargs) -> None:
    """Read PostgreSQL timestamptz values with psycopg's C loader rather than Django's Python one.

    Django registers a Python loader so that datetimes come back in its connection time zone; it costs about
    7.5 µs a value against 0.8 µs (20,000 values: 150 ms against 16 ms), a quarter of an export's time and a
    millisecond of each list page (make bench). When that zone and the session's are both UTC (Django's
    default with USE_TZ), psycopg's own loader already returns datetimes in UTC, so it can do the work.
    """
    if connection.timezone != dt.UTC:
        return
    pg = connection.connection
    if pg.info.parameter_status("TimeZone") not in ("UTC", "Etc/UTC"):
        return
    pg.adapters.register_loader("timestamptz", _utc_loader_class(pg))


_loader_class = None


def _utc_loader_class(pg):
    global _loader_class
    if _loader_class is None:
        import psycopg
        from psycopg.adapt import Loader

        c_loader = psycopg.adapters.get_loader(psycopg.adapters.types["timestamptz"].oid, psycopg.pq.Format.TEXT)

        class UTCTimestamptzLoader(Loader):
            timezone = dt.UTC  # what Django's own loader has; django compares it to decide per cursor

            def __init__(self, oid, context=None):
                super().__init__(oid, context)
                self._load = c_loader(oid, context).load

            def load(self, data):
                return self._load(data)

        _loader_class = UTCTimestamptzLoader
    return _loader_class


# SQLSTATEs by which PostgreSQL says it is going away or cannot take the connection: connection exceptions (08),
# too many connections (53300), and operator intervention that ends sessions (57P01 admin shutdown, 57P02 crash,
# 57P03 starting up, 57P05 idle session timeout). Not 57014: a cancelled statement came from a server that answered.
_UNREACHABLE_SQLSTATES = ("08", "53300", "57P")


def database_unreachable(exc: BaseException) -> bool:
    """Does ``exc`` mean the database cannot be reached now (a 503, try again), not a query it refused (a 500)?

    Django's OperationalError covers both: psycopg raises it for a refused connection, and also for a query with
    more than 65,535 parameters, which no retry will mend. The server's SQLSTATE says which when there is one; a
    client-side error without one means an outage only if the connection went down with it.
    """
    from django.db import InterfaceError, OperationalError, connections

    if isinstance(exc, InterfaceError):
        return True  # Django's "connection already closed": the connection was lost earlier
    if not isinstance(exc, OperationalError):
        return False
    error = exc.__cause__ or exc
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate:
        return sqlstate.startswith(_UNREACHABLE_SQLSTATES)
    failed_attempt = getattr(error, "pgconn", None)  # set when connecting failed
    if failed_attempt is not None and failed_attempt.status != 0:  # 0: CONNECTION_OK
        return True
    return any(_lost(c.connection) for c in connections.all(initialized_only=True) if c.connection is not None)


def _lost(pg) -> bool:
    return bool(getattr(pg, "broken", False) or getattr(pg, "closed", False))


class InConstants(Func):
    """``column IN ('a', 'b')`` with fixed values of ours written into the SQL instead of sent as parameters.

    For choices such as the public statuses or event types, never for user input (refused unless plain lower-case
    words, or such words joined by dots as in "claim.published"). A
    prepared statement keeps such constants in its generic plan, which PostgreSQL then reuses; as parameters they
    made it plan the filtered claims lists and the feed afresh on every execution (make bench).
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, field: str, values):
        self.constants = sql_constants(values)
        super().__init__(F(field))

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return f"{column} IN {self.constants}", params


def sql_constants(values) -> str:
    """``('a', 'b')``: plain choice values (lower-case words, or dotted ones) as an SQL list; anything else is a
    ValueError."""
    values = tuple(str(v) for v in values)
    if not values or not all(re.fullmatch(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*", v) for v in values):
        raise ValueError(f"InConstants takes plain choice values, not {values!r}")
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


_querysets_built: dict[tuple, QuerySet] = {}


def built_once(key: tuple, build) -> QuerySet:
    """A copy of the queryset ``build()`` makes, built once per process for ``key``.

    For the API's busiest reads, whose query is the same for every request until filters or a page are added:
    composing it again per request was a large share of a page's Python time. The kept queryset is only ever
    copied, never evaluated, so it holds no rows.
    """
    queryset = _querysets_built.get(key)
    if queryset is None:
        queryset = _querysets_built[key] = build()
    return queryset.all()


def values_list_read_ahead(queryset: QuerySet, *, chunk_size: int) -> Iterator[tuple]:
    """``queryset.iterator(chunk_size)`` for a values_list() queryset, with the next chunk fetched while the
    caller works on this one.

    A long read (the streamed export) otherwise takes turns: PostgreSQL waits while Python encodes a chunk, then
    Python waits while PostgreSQL makes the next. Here the query runs on this thread's connection as usual and a
    helper thread only calls fetchmany() on its server-side cursor (psycopg serialises a connection's use, and
    nothing else uses it meanwhile), keeping one chunk ready. Call inside a transaction, as iterator() needs.
    """
    from django.db.models.query import ValuesListIterable
    from django.db.models.sql.constants import MULTI

    if queryset._iterable_class is not ValuesListIterable:
        raise TypeError("values_list_read_ahead reads values_list() querysets")
    compiler = queryset.query.get_compiler(using=queryset.db)
    chunks = compiler.execute_sql(MULTI, chunked_fetch=True, chunk_size=chunk_size)  # iter([]) when known empty
    ahead = _read_ahead(chunks)
    try:
        yield from compiler.results_iter(results=ahead, tuple_expected=True)  # what ValuesListIterable returns
    finally:
        ahead.close()


class _Failed:
    def __init__(self, exc: BaseException):
        self.exc = exc


_DONE = object()


def _read_ahead(chunks: Iterator, depth: int = 1) -> Iterator:
    """Yield the items of ``chunks`` while a thread reads up to ``depth`` more; closing stops the thread first,
    then closes ``chunks`` here (its server-side cursor must not be closed while a fetch is under way)."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def fill() -> None:
        try:
            for chunk in chunks:
                if not hand_over(chunk):
                    return
            hand_over(_DONE)
        except BaseException as exc:  # raised again on the caller's thread
            hand_over(_Failed(exc))

    reader = threading.Thread(target=fill, name="read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            item = ready.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item
    finally:
        stop.set()
        if not sys.is_finalizing():  # at exit the reader may already be frozen: nothing left to wait for
            reader.join()
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
