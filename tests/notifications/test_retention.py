"""Final deliveries are forgotten after WEBHOOK_DELIVERY_RETENTION_DAYS (notifications.services.deliveries_prune, run
daily by the beat): their rows and attempt logs go, pending ones never do, a recent replay keeps one, the events stay
(the changes feeds list them), and 0 keeps everything."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from notifications.choices import DeliveryState
from notifications.models import Delivery, DeliveryAttempt, Event
from notifications.services import deliveries_prune
from notifications.tasks import webhook_deliveries_prune

from .webhook_rows import attempt, delivery, event, nothing_is_sent, subscribe

pytestmark = pytest.mark.django_db

NOW = timezone.now()
OLD = NOW - timedelta(days=31)
RECENT = NOW - timedelta(days=29)


@pytest.fixture(autouse=True)
def _nothing_is_sent(db, settings):
    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 30
    with nothing_is_sent():
        yield


def rows(staff) -> dict[str, Delivery]:
    subscription = subscribe(staff).subscription
    made = {
        "old delivered": delivery(subscription, event(claim_id=1), state=DeliveryState.DELIVERED, created_at=OLD),
        "old failed": delivery(subscription, event(claim_id=2), state=DeliveryState.FAILED, created_at=OLD),
        "old pending": delivery(subscription, event(claim_id=3), state=DeliveryState.PENDING, created_at=OLD),
        "old, replayed lately": delivery(
            subscription, event(claim_id=4), state=DeliveryState.DELIVERED, created_at=OLD, replayed_at=RECENT
        ),
        "recent delivered": delivery(subscription, event(claim_id=5), state=DeliveryState.DELIVERED, created_at=RECENT),
    }
    for row in made.values():
        attempt(row, 1)
        attempt(row, 2)
    return made


def test_final_deliveries_past_the_window_go_with_their_attempts(staff):
    made = rows(staff)
    assert deliveries_prune(now=NOW, batch=1) == 2  # one at a time: the loop goes on until a batch is short
    kept = set(Delivery.objects.values_list("pk", flat=True))
    assert kept == {made[name].pk for name in ("old pending", "old, replayed lately", "recent delivered")}
    assert set(DeliveryAttempt.objects.values_list("delivery_id", flat=True)) == kept
    assert Event.objects.count() == 5  # the feeds' events are not the deliveries' to delete
    assert deliveries_prune(now=NOW) == 0  # again: nothing more


def test_zero_keeps_every_delivery(staff, settings):
    rows(staff)
    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 0
    assert deliveries_prune(now=NOW + timedelta(days=3650)) == 0
    assert Delivery.objects.count() == 5


def test_the_beat_runs_it_daily_on_the_maintenance_queue(staff, settings):
    row = PeriodicTask.objects.get(task="notifications.tasks.webhook_deliveries_prune")
    assert row.enabled
    assert (row.crontab.minute, row.crontab.hour, row.crontab.day_of_week) == ("40", "3", "*")
    assert settings.CELERY_TASK_ROUTES[row.task] == {"queue": "maintenance"}
    made = rows(staff)
    Delivery.objects.filter(pk=made["recent delivered"].pk).update(created_at=OLD)
    assert webhook_deliveries_prune.apply().get() == 3
