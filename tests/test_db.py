"""factcheck.db: timestamptz values read by psycopg's C loader are the datetimes Django's own loader gives."""

import datetime as dt
import os
import threading
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import DataError, connection, connections, transaction
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext

from claims.models import Claim
from factcheck.db import use_c_timestamp_loader, values_list_read_ahead
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_connection_reads_timestamps_with_the_c_loader():
    connection.ensure_connection()
    oid = connection.connection.adapters.types["timestamptz"].oid
    loader = connection.connection.adapters.get_loader(oid, 0)
    assert loader.__name__ == "UTCTimestamptzLoader"
    assert loader.timezone == dt.UTC  # Django compares it per cursor and keeps it


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2024, 11, 3, 12, 30, 15, 123456, tzinfo=dt.UTC),
        dt.datetime(2024, 11, 3, 12, 30, 15, tzinfo=dt.UTC),
        dt.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=ZoneInfo("Asia/Shanghai")),
        dt.datetime(2038, 1, 19, 3, 14, 8, 1, tzinfo=ZoneInfo("America/St_Johns")),
    ],
)
def test_round_trip_is_exact_and_in_utc(moment):
    claim = factories.ClaimFactory()
    type(claim).objects.filter(pk=claim.pk).update(reviewed_at=moment)
    read = type(claim).objects.values_list("reviewed_at", flat=True).get(pk=claim.pk)
    assert read == moment
    assert read.tzinfo == dt.UTC
    assert read.utcoffset() == dt.timedelta(0)


def _own_loader(pg) -> str:
    return pg.adapters.get_loader(pg.adapters.types["timestamptz"].oid, 0).__name__


def test_left_alone_when_django_wants_another_zone():
    # Real psycopg connections; only Django's side (its zone) is stated, as the signal hands it over.
    import psycopg

    settings_dict = connection.settings_dict
    params = {"host": settings_dict["HOST"] or "127.0.0.1", "dbname": settings_dict["NAME"]}
    params |= {"user": settings_dict["USER"], "port": settings_dict["PORT"] or 5432}

    with psycopg.connect(**params, options="-c TimeZone=UTC") as utc_session:
        use_c_timestamp_loader(None, SimpleNamespace(timezone=ZoneInfo("Asia/Shanghai"), connection=utc_session))
        assert _own_loader(utc_session) != "UTCTimestamptzLoader"
        use_c_timestamp_loader(None, SimpleNamespace(timezone=dt.UTC, connection=utc_session))
        assert _own_loader(utc_session) == "UTCTimestamptzLoader"  # the same call registers it when both are UTC
    with psycopg.connect(**params, options="-c TimeZone=CET") as cet_session:
        use_c_timestamp_loader(None, SimpleNamespace(timezone=dt.UTC, connection=cet_session))
        assert _own_loader(cet_session) != "UTCTimestamptzLoader"


def test_constants_are_written_into_the_sql_and_only_plain_words_are():
    from factcheck.db import InConstants

    published = factories.PublishedClaimFactory()
    factories.ClaimFactory()
    query = Claim.objects.filter(InConstants("status", ["published", "retracted"]))
    sql, params = query.query.sql_with_params()
    assert "IN ('published', 'retracted')" in sql
    assert "published" not in params
    assert list(query.values_list("pk", flat=True)) == [published.pk]
    assert InConstants("type", ["claim.published", "source.dead"]).constants == "('claim.published', 'source.dead')"
    for bad in (["it's"], ["x') OR 1=1 --"], [], ["Published"], ["claim."], [".dead"], ["a..b"]):
        with pytest.raises(ValueError, match="plain choice values"):
            InConstants("status", bad)


# --- values_list_read_ahead: the export's chunks fetched by a helper thread ------------------------------------


def _reader_threads():
    return [t for t in threading.enumerate() if t.name == "read-ahead"]


def test_read_ahead_gives_the_rows_iterator_gives_in_order_across_chunks():
    claims = factories.ClaimFactory.create_batch(7)
    rows = Claim.objects.order_by("-id").values_list("id", "text", "verdict")
    with transaction.atomic():
        ahead = list(values_list_read_ahead(rows, chunk_size=2))  # four fetches and an empty one
        expected = list(rows.iterator(chunk_size=2))
    assert ahead == expected
    assert [row[0] for row in ahead] == sorted((c.pk for c in claims), reverse=True)
    assert not _reader_threads()


def test_read_ahead_orders_annotations_named_first_as_values_list_does():
    claim = factories.ClaimFactory(text="first")
    rows = Claim.objects.annotate(twice=F("id") * 2).values_list("twice", "text", "id")
    with transaction.atomic():
        assert list(values_list_read_ahead(rows, chunk_size=5)) == [(claim.pk * 2, "first", claim.pk)]
        assert list(rows) == [(claim.pk * 2, "first", claim.pk)]


def test_read_ahead_of_an_empty_result_reads_nothing():
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert list(values_list_read_ahead(Claim.objects.none().values_list("id"), chunk_size=5)) == []
    assert len(queries) == 0


def test_closing_early_stops_the_reader_and_frees_the_cursor():
    factories.ClaimFactory.create_batch(6)
    with transaction.atomic():
        rows = values_list_read_ahead(Claim.objects.values_list("id"), chunk_size=1)
        assert len([next(rows), next(rows)]) == 2
        rows.close()  # the client went away mid-export
        assert not _reader_threads()
        # The connection is free again in the same transaction, and the server-side cursor is gone.
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_cursors")
            assert cursor.fetchone() == (0,)


def test_a_database_error_while_reading_ahead_is_raised_to_the_reader():
    claims = factories.ClaimFactory.create_batch(4)
    third = sorted(c.pk for c in claims)[2]
    # 1 / 0 on the third row: the error comes from a fetch made on the helper thread.
    rows = Claim.objects.annotate(boom=RawSQL("1 / (claims_claim.id - %s)", (third,))).order_by("id")
    got = []

    def read_all():
        with transaction.atomic():
            for row in values_list_read_ahead(rows.values_list("id", "boom"), chunk_size=1):
                got.append(row[0])

    with pytest.raises(DataError, match="division by zero"):
        read_all()
    assert got == sorted(c.pk for c in claims)[:2]
    assert not _reader_threads()


def test_only_values_list_querysets_are_read_ahead():
    with pytest.raises(TypeError, match="values_list"):
        next(values_list_read_ahead(Claim.objects.all(), chunk_size=5))


# --- the health check of factcheck.backends.postgresql ---------------------------------------------------------


@pytest.fixture
def own_connection():
    """A connection of our backend apart from the test's (which must survive the test)."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _last_query_of(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def test_the_backend_is_ours():
    default = connections["default"]
    assert type(default).__module__ == "factcheck.backends.postgresql.base"


def test_a_healthy_connection_is_usable_without_a_query(own_connection):
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT 'the last thing said'")
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    assert own_connection.is_usable()
    assert _last_query_of(pid) == "SELECT pg_backend_pid()"  # Django's check would have sent SELECT 1


def test_a_connection_the_server_ended_is_not_usable(own_connection):
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        # With a timeout the server answers once the backend is gone, after it sent its FATAL notice to our socket.
        cursor.execute("SELECT pg_terminate_backend(%s, 30000)", [pid])
        assert cursor.fetchone()[0] is True
    assert not own_connection.is_usable()
    # and Django's per-request check replaces it: the next query runs on a new connection
    own_connection.health_check_done = False
    own_connection.close_if_health_check_failed()
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_the_check_works_for_a_descriptor_past_1024():
    # select() cannot watch descriptors from 1024 on; a worker with many sockets open reaches them.
    fillers = []
    try:
        while not fillers or fillers[-1] < 1030:
            fillers.append(os.open(os.devnull, os.O_RDONLY))
        wrapper = connections.create_connection("default")
        wrapper.ensure_connection()
        try:
            assert wrapper.connection.fileno() > 1024
            with wrapper.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            assert wrapper.is_usable()
            assert _last_query_of(pid) == "SELECT pg_backend_pid()"
        finally:
            wrapper.close()
    finally:
        for fd in fillers:
            os.close(fd)
