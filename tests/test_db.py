"""factcheck.db: timestamptz values read by psycopg's C loader are the datetimes Django's own loader gives."""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from factcheck.db import use_c_timestamp_loader
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


def test_left_alone_when_django_wants_another_zone():
    class Adapters:
        registered = []

        def register_loader(self, *args):
            self.registered.append(args)

    pg = SimpleNamespace(adapters=Adapters(), info=SimpleNamespace(parameter_status=lambda name: "UTC"))
    other_zone = SimpleNamespace(vendor="postgresql", timezone=ZoneInfo("Asia/Shanghai"), connection=pg)
    use_c_timestamp_loader(None, other_zone)
    not_utc_session = SimpleNamespace(
        vendor="postgresql",
        timezone=dt.UTC,
        connection=SimpleNamespace(adapters=pg.adapters, info=SimpleNamespace(parameter_status=lambda name: "CET")),
    )
    use_c_timestamp_loader(None, not_utc_session)
    assert Adapters.registered == []


def test_constants_are_written_into_the_sql_and_only_plain_words_are():
    from claims.models import Claim
    from factcheck.db import InConstants

    published = factories.PublishedClaimFactory()
    factories.ClaimFactory()
    query = Claim.objects.filter(InConstants("status", ["published", "retracted"]))
    sql, params = query.query.sql_with_params()
    assert "IN ('published', 'retracted')" in sql
    assert "published" not in params
    assert list(query.values_list("pk", flat=True)) == [published.pk]
    for bad in (["it's"], ["x') OR 1=1 --"], [], ["Published"]):
        with pytest.raises(ValueError, match="plain choice values"):
            InConstants("status", bad)
