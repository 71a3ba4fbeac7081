"""What the webhook fault tests share: a receiver that can hold its answers, the workers' settings, the beat's sweep,
and the one check they all end with, "at least once, never lost".

A delivery's lease is 2 × WEBHOOK_DEADLINE + WEBHOOK_LEASE_MARGIN_SECONDS (notifications.delivery.lease_seconds); the
tests set them to DEADLINE and LEASE_MARGIN, so a delivery a killed worker held is claimable again LEASE seconds after
its claim, and the beat's sweep (every SWEEP seconds here) finds it then.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from django.contrib.auth import get_user_model
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from notifications.choices import DeliveryState, EventType
from notifications.models import Delivery
from notifications.services import webhook_subscribe
from tests.notifications.receiver import Received, Receiver

from ..conftest import RedisServer, app_env

DEADLINE = 3  # seconds: one POST at most; the kill comes as soon as the receiver has the request
LEASE_MARGIN = 6  # seconds: the workers' recording of a round of three deliveries (production: 30)
LEASE = 2 * DEADLINE + LEASE_MARGIN
SWEEP = 2  # seconds between the beat's sweeps, for these tests (production: WEBHOOK_SWEEP_SECONDS, 30)
# Both sides of the secret: the test process encrypts it at subscribe, the worker decrypts it to sign.
ENCRYPTION_KEY = "faults-webhook-secrets-key"
DELIVER_TASK = "notifications.tasks.webhooks_deliver"


class HoldingReceiver(Receiver):
    """The tests' loopback receiver (every request kept: its X-Factcheck-Delivery and its bytes) that can hold its
    answers: while held, a request is recorded and then left without an answer until ``release()``, or until the
    sender hangs up (a killed worker's connection closes, and aiohttp cancels the handler). Otherwise: 200."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self._open = threading.Event()
        self._open.set()

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append(Received(request.path, request.method, dict(request.headers), body, time.time()))
        while not self._open.is_set():
            await asyncio.sleep(0.05)
        return web.Response(text="ok")


def webhook_env(*, database_url: str, redis: RedisServer, **extra: str) -> dict[str, str]:
    """The processes' environment: app_env's, with the webhooks' deadline and secret key."""
    return app_env(
        database_url=database_url,
        redis=redis,
        WEBHOOK_DEADLINE=str(DEADLINE),
        WEBHOOK_LEASE_MARGIN_SECONDS=str(LEASE_MARGIN),
        WEBHOOK_CONNECT_TIMEOUT="2",
        WEBHOOK_SECRET_KEYS=ENCRYPTION_KEY,
        FACTCHECK_SITE_URL="https://factcheck.example.org",
        **extra,
    )


def staff_subscription(url: str, events=(EventType.CLAIM_PUBLISHED, EventType.CLAIM_CORRECTED)):
    """A staff member's subscription through the service (its secret encrypted under ENCRYPTION_KEY)."""
    users = get_user_model().objects
    owner = users.filter(username="sam-faults").first() or users.create_user(
        "sam-faults", email="sam@example.org", password="x", is_staff=True
    )
    return webhook_subscribe(owner=owner, url=url, events=list(events)).subscription


def sweep_every(seconds: int = SWEEP) -> PeriodicTask:
    """The beat's sweep row (the migration's, or made again after a transactional test's flush), every ``seconds``."""
    every, _ = IntervalSchedule.objects.get_or_create(every=seconds, period=IntervalSchedule.SECONDS)
    sweep, _ = PeriodicTask.objects.update_or_create(
        name="Webhooks: dispatch the outbox and send due deliveries",
        defaults={"task": DELIVER_TASK, "interval": every, "enabled": True, "expire_seconds": seconds},
    )
    return sweep


def deliveries_of(receiver: Receiver) -> dict[str, list[bytes]]:
    """What the receiver got, by delivery id: each request's body, in the order they came."""
    out: dict[str, list[bytes]] = defaultdict(list)
    for request in receiver.received:
        out[request.delivery].append(request.body)
    return out


def arrivals(receiver: Receiver, delivery: str) -> list[int]:
    """Where a delivery's requests are in the receiver's log (its order of arrival)."""
    return [i for i, request in enumerate(receiver.received) if request.delivery == delivery]


@dataclass(frozen=True)
class DeliveryRow:
    uuid: str
    event_id: int
    state: str
    leased_until: datetime | None
    delivered_at: datetime | None
    log: list[tuple[int, int | None, datetime]]  # the attempt log: (number, status, started_at)


def delivery_rows(subscription_id: int) -> list[DeliveryRow]:
    """The subscription's deliveries in the test database, oldest event first."""
    return [
        DeliveryRow(
            str(d.uuid),
            d.event_id,
            d.state,
            d.leased_until,
            d.delivered_at,
            list(d.attempt_log.order_by("number").values_list("number", "status", "started_at")),
        )
        for d in Delivery.objects.filter(subscription_id=subscription_id).order_by("event_id")
    ]


ROWS_SQL = """
SELECT d.uuid::text, d.event_id, d.state, d.leased_until, d.delivered_at,
       coalesce(json_agg(json_build_array(a.number, a.status, a.started_at) ORDER BY a.number)
                FILTER (WHERE a.id IS NOT NULL), '[]')
FROM notifications_delivery d LEFT JOIN notifications_deliveryattempt a ON a.delivery_id = d.id
WHERE d.subscription_id = %s GROUP BY d.id ORDER BY d.event_id
"""


def delivery_rows_sql(conn, subscription_id: int) -> list[DeliveryRow]:
    """The same, read with psycopg from another database (our own PostgreSQL cluster)."""
    return [
        DeliveryRow(
            uuid,
            event_id,
            state,
            leased,
            delivered,
            [(number, status, datetime.fromisoformat(at)) for number, status, at in log],
        )
        for uuid, event_id, state, leased, delivered, log in conn.execute(ROWS_SQL, [subscription_id]).fetchall()
    ]


def assert_at_least_once(receiver: Receiver, rows: list[DeliveryRow]) -> None:
    """Every delivery reached the receiver at least once; every copy of one carries its delivery id and the same
    bytes (a receiver deduplicates on the id); each ended ``delivered``, leased by no one, its last attempt a 200 in
    its log; and the receiver got nothing else."""
    got = deliveries_of(receiver)
    assert rows
    assert set(got) == {row.uuid for row in rows}, (sorted(got), [row.uuid for row in rows])
    for row in rows:
        bodies = got[row.uuid]
        assert len(set(bodies)) == 1, f"{row.uuid} was sent with different bytes"
        assert json.loads(bodies[0])["id"] == row.event_id
        assert row.state == DeliveryState.DELIVERED, row
        assert row.leased_until is None, row
        assert row.delivered_at is not None, row
        assert row.log, f"{row.uuid} has no attempt log"
        assert row.log[-1][1] == 200, row
