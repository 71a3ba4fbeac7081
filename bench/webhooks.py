"""Webhooks (issue 19): events delivered per second from the outbox to a loopback receiver by real Celery workers,
and what the outbox costs a claim's save.

Delivery: N events of N distinct claims (distinct order keys, so none waits for another) and one subscription to
them are put in the outbox, then the workers are woken as the on-commit nudges wake them, and the clock runs from
that send to the moment the last delivery is recorded ``delivered`` in PostgreSQL. The workers are the deployed
shape (docker-compose.yml's worker-webhooks: ``celery -A factcheck worker -Q webhooks``, prefork, WORKER_CONCURRENCY
processes); the receiver is an aiohttp server in its own process on 127.0.0.2 that answers 200 at once, or after
100 ms, and counts every request and delivery id it gets.

The events are written straight into the outbox table (Event rows, one transaction), not through claim saves: the
worker reads nothing else, so it does the same work whoever wrote them, and the save path's share (the event row
written in the claim's transaction) is measured on its own, below. The payload is a real published claim's
claim.corrected payload from the bench data (claims.events), its id and address changed per event, so the bodies
have the size and shape of real ones.

Outbox cost: corrections of published claims through the service (claims.services.claim_update with a new verdict
and a note), each in a transaction rolled back (nothing is left behind, and the times leave out the commit), with the
event written (claims.events.claim_change_event_record timed on its own) and without it (the same function replaced
by one that does nothing), alternately. The on-commit nudge (one per transaction, after the commit) is timed apart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from .client import percentile
from .links import Workers, cpu_busy
from .servers import ROOT, VAR, child_pids, django_env, free_port, wait_port

RECEIVER_HOST = "127.0.0.2"  # loopback, beside the link checker's farm; LINKCHECK_ALLOW_NETWORKS lets it in
BENCH_USER = "bench-webhooks"
BENCH_MARK = "bench_webhooks"  # a key of the bench's events' object_ids (never sent: the body has no object_ids)
TASK = "notifications.tasks.webhooks_deliver"
# The deployed worker (docker-compose.yml worker-webhooks): prefork, one process per core. A run is one process's
# loop of rounds (claim, send WEBHOOK_CONCURRENCY at once from one event loop, record); a second process takes
# other rounds side by side (SKIP LOCKED), which is what the second core is for.
WORKER_CONCURRENCY = 2
SLOW_DELAY = 0.1


# --------------------------------------------------------------------------------------------
# The receiver (a child process): aiohttp, answers 200 after --delay, counts what it got
# --------------------------------------------------------------------------------------------


def receive(port: int, delay: float) -> None:
    from aiohttp import web

    stats: dict = {}

    def reset() -> None:
        stats.update(requests=0, ids=set(), duplicates=0, in_flight=0, max_in_flight=0, first=None, last=None)

    reset()

    async def hook(request: web.Request) -> web.Response:
        await request.read()
        now = time.monotonic()
        stats["first"] = stats["first"] or now
        stats["requests"] += 1
        delivery = request.headers.get("X-Factcheck-Delivery", "")
        if delivery in stats["ids"]:
            stats["duplicates"] += 1
        stats["ids"].add(delivery)
        stats["in_flight"] += 1
        stats["max_in_flight"] = max(stats["max_in_flight"], stats["in_flight"])
        try:
            if delay:
                await asyncio.sleep(delay)
        finally:
            stats["in_flight"] -= 1
            stats["last"] = time.monotonic()
        return web.Response(text="ok")

    async def report(request: web.Request) -> web.Response:
        out = {
            "requests": stats["requests"],
            "deliveries": len(stats["ids"]),
            "duplicates": stats["duplicates"],
            "max_in_flight": stats["max_in_flight"],
            "active_s": (stats["last"] - stats["first"]) if stats["first"] and stats["last"] else 0.0,
        }
        if request.path == "/__reset":
            reset()
        return web.json_response(out)

    app = web.Application()
    app.router.add_get("/__stats", report)
    app.router.add_get("/__reset", report)
    app.router.add_post("/{tail:.*}", hook)
    web.run_app(app, host=RECEIVER_HOST, port=port, access_log=None, print=None, backlog=1024)


def _receiver_get(url: str) -> dict:
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


# --------------------------------------------------------------------------------------------
# In a Django child process: the subscription and the events, the outbox's cost
# --------------------------------------------------------------------------------------------


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()


def seed(events: int, url: str) -> dict:
    """One staff subscription to claim.corrected at ``url`` (through the service) and ``events`` undispatched
    claim.corrected events of distinct published claims, in one transaction."""
    _django()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from claims.events import READER, public_claim_of_row
    from claims.links import claim_path, site_url
    from claims.models import Claim
    from claims.selectors.claims import claim_detail_row
    from notifications.choices import EventType
    from notifications.delivery import event_body
    from notifications.models import Event
    from notifications.outbox import as_json
    from notifications.services import webhook_subscribe

    user, _ = get_user_model().objects.get_or_create(
        username=BENCH_USER, defaults={"is_staff": True, "email": "bench-webhooks@example.org"}
    )
    subscription = webhook_subscribe(owner=user, url=url, events=[EventType.CLAIM_CORRECTED]).subscription
    claims = list(Claim.objects.filter(status="published").order_by("-id").values_list("id", "text")[:events])
    if len(claims) < events:
        raise RuntimeError(f"the bench data has {len(claims)} published claims, {events} wanted")
    template = public_claim_of_row(claim_detail_row(claim_id=claims[0][0], user=READER))
    now = timezone.now()
    rows = []
    for claim_id, text in claims:
        public = {**template, "id": claim_id, "url": site_url(claim_path(claim_id, text)), "text": text}
        change = {"kind": "corrected", "note": "The ministry's final figures came out.", "at": now}
        change |= {"verdict_before": "mostly_false", "verdict_after": public["verdict"]}
        rows.append(
            Event(
                type=EventType.CLAIM_CORRECTED,
                order_key=f"claim:{claim_id}",
                object_ids={"claim": claim_id, BENCH_MARK: 1},
                language=public["language"],
                tags=public["tags"],
                claimant=public["claimant"],
                payload=as_json({"claim": public, "change": change}),
                created_at=now,
            )
        )
    with transaction.atomic():  # straight into the table: no nudge, the clock starts when the workers are woken
        created = Event.objects.bulk_create(rows, batch_size=2000)
    sizes = [len(event_body(event)) for event in created[:100]]
    return {
        "subscription_id": subscription.pk,
        "events": len(created),
        "first_event_id": created[0].pk,
        "body_bytes_median": statistics.median(sizes),
    }


def outbox_cost(saves: int) -> dict:
    """Corrections of ``saves`` published claims through claims.services.claim_update: the event's own time, and the
    whole save with the event and without it, alternately per claim.

    Each save commits, as a deployed one does, and the events it wrote are deleted at the end (the corrections stay:
    the claims are the bench's own, and the next run picks claims not yet rated true). Not rolled back: a ROLLBACK
    makes psycopg discard every statement it has prepared on the connection (its PrepareManager), so every save
    would be planned from scratch, which no deployed save is (DATABASE_PREPARE_THRESHOLD)."""
    _django()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import transaction

    from claims import services
    from claims.models import Claim
    from notifications import outbox
    from notifications.models import Event

    user, _ = get_user_model().objects.get_or_create(
        username=BENCH_USER, defaults={"is_staff": True, "email": "bench-webhooks@example.org"}
    )
    reviewers = Group.objects.filter(name="Reviewer").first()
    if reviewers is not None:
        user.groups.add(reviewers)
    record = services.claim_change_event_record
    event_s: list[float] = []
    event_cpu_s: list[float] = []

    def timed_record(claim, correction) -> None:
        started, cpu = time.perf_counter(), time.process_time()
        record(claim, correction)
        event_s.append(time.perf_counter() - started)
        event_cpu_s.append(time.process_time() - cpu)

    def no_record(claim, correction) -> None:
        return None

    # Two claims a pair (one saved with the event, one without), and 20 pairs to warm the connection's prepared
    # statements first: a committed correction leaves its claim rated true, so no claim is saved twice.
    wanted = 2 * (saves + 20)
    claims = list(
        Claim.objects.filter(status="published").exclude(verdict="true").order_by("id").values_list("id", flat=True)
    )[:wanted]
    if len(claims) < wanted:
        raise RuntimeError(f"the bench data has {len(claims)} published claims not rated true, {wanted} wanted")
    first_event = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def correct(claim_id: int, recorder) -> float:
        services.claim_change_event_record = recorder
        try:
            with transaction.atomic():
                started = time.perf_counter()
                services.claim_update(
                    claim_id=claim_id,
                    user=user,
                    data={"verdict": "true"},
                    correction_note="The ministry's final figures came out.",
                )
                elapsed = time.perf_counter() - started  # the commit is not timed
        finally:
            services.claim_change_event_record = record
        return elapsed

    nudge = outbox._nudge_dispatch
    outbox._nudge_dispatch = lambda: None  # registered on commit as deployed, but no task sent for a bench event
    try:
        pairs = list(zip(claims[0::2], claims[1::2], strict=True))
        for with_id, without_id in pairs[:20]:
            correct(with_id, timed_record)
            correct(without_id, no_record)
        event_s.clear()
        event_cpu_s.clear()
        with_s, without_s = [], []
        for i, (with_id, without_id) in enumerate(pairs[20:]):
            # alternate which goes first, so neither always finds the shared pages in the cache the other warmed
            if i % 2:
                without_s.append(correct(without_id, no_record))
                with_s.append(correct(with_id, timed_record))
            else:
                with_s.append(correct(with_id, timed_record))
                without_s.append(correct(without_id, no_record))
    finally:
        outbox._nudge_dispatch = nudge
        Event.objects.filter(pk__gt=first_event).delete()
    nudge_s = []
    for _ in range(min(saves, 200)):
        started = time.perf_counter()
        outbox._nudge_dispatch()
        nudge_s.append(time.perf_counter() - started)
    return {
        "saves": len(with_s),
        "event_record_ms": _ms_summary(event_s),
        # this process's own CPU in it (the change's JSON, the slug, sending the statement): the rest of the event's
        # time is PostgreSQL's statement and, on a busy machine, waiting for a core
        "event_record_cpu_ms": _ms_summary(event_cpu_s),
        "save_with_event_ms": _ms_summary(with_s),
        "save_without_event_ms": _ms_summary(without_s),
        "nudge_ms": _ms_summary(nudge_s),
        "save_difference_median_ms": (statistics.median(with_s) - statistics.median(without_s)) * 1000,
    }


def _ms_summary(seconds: list[float]) -> dict:
    values = sorted(seconds)
    return {
        "n": len(values),
        "p50": percentile(values, 50) * 1000,
        "p95": percentile(values, 95) * 1000,
        "max": values[-1] * 1000,
    }


# --------------------------------------------------------------------------------------------
# The parent (bench/run.py): receiver, workers, the clock
# --------------------------------------------------------------------------------------------


def _child(env: dict[str, str], *args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.webhooks", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench.webhooks {args[0]} exited {proc.returncode}: {proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def remove_bench_rows(dsn: str) -> None:
    """Take the bench's subscriptions (with their deliveries and logs) and events out again, in SQL: the ORM's
    cascade would load every delivery. The bench's user stays: it signed the cost row's corrections."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        subscriptions = (
            "SELECT s.id FROM notifications_webhooksubscription s JOIN auth_user u ON u.id = s.owner_id "
            "WHERE u.username = %s"
        )
        deliveries = f"SELECT id FROM notifications_delivery WHERE subscription_id IN ({subscriptions})"
        conn.execute(f"DELETE FROM notifications_deliveryattempt WHERE delivery_id IN ({deliveries})", [BENCH_USER])
        conn.execute(f"DELETE FROM notifications_delivery WHERE subscription_id IN ({subscriptions})", [BENCH_USER])
        conn.execute(f"DELETE FROM notifications_webhooksubscription WHERE id IN ({subscriptions})", [BENCH_USER])
        conn.execute("DELETE FROM notifications_event WHERE object_ids ? %s", [BENCH_MARK])
        # Vacuumed at once, as autovacuum would have in time: the delivery rows' 10,000 events a run leave the outbox
        # table and its indexes full of dead entries, which the next INSERTs (the cost row's) would wade through.
        # A deployed outbox is not emptied like this: events are kept.
        conn.execute("VACUUM (ANALYZE) notifications_event, notifications_delivery, notifications_deliveryattempt")


def _wake(redis_url: str, times: int) -> None:
    """What the on-commit nudges of a burst of commits do: send the task by name to the webhooks queue."""
    from celery import Celery

    client = Celery(broker=redis_url)
    client.conf.task_serializer = "json"
    for _ in range(times):
        client.send_task(TASK, queue="webhooks")
    client.close()


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU seconds the processes have used (from /proc; a process gone counts nothing)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def delivery_run(
    *, dsn: str, env: dict[str, str], redis_url: str, receiver_url: str, events: int, name: str, timeout: float, log
) -> dict:
    """Seed ``events``, start the workers, wake them, wait until every delivery is recorded delivered."""
    remove_bench_rows(dsn)
    seeded = _child(env, "seed", "--events", str(events), "--url", receiver_url + "/hook")
    subscription = seeded["subscription_id"]
    from .links import _flush_redis, _task_seconds

    _flush_redis(redis_url)
    workers = Workers(env, f"webhooks-{name}", queues="webhooks", concurrency=str(WORKER_CONCURRENCY))
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            _receiver_get(receiver_url + "/__reset")
            processes = [workers.proc.pid, *child_pids(workers.proc.pid)]
            cpu0 = _cpu_seconds(processes)
            busy0, total0 = cpu_busy()
            t0 = time.perf_counter()
            _wake(redis_url, 1)  # one task, as the beat's sweep or one commit's nudge sends it
            done = dispatched_at = 0
            while done < events and time.perf_counter() - t0 < timeout:
                time.sleep(0.05)
                done = conn.execute(
                    "SELECT count(*) FROM notifications_delivery WHERE subscription_id = %s AND state = 'delivered'",
                    [subscription],
                ).fetchone()[0]
                if (
                    not dispatched_at
                    and conn.execute(
                        "SELECT count(*) = %s FROM notifications_delivery WHERE subscription_id = %s",
                        [events, subscription],
                    ).fetchone()[0]
                ):
                    dispatched_at = time.perf_counter() - t0
            wall = time.perf_counter() - t0
            busy1, total1 = cpu_busy()
            worker_cpu = _cpu_seconds(processes) - cpu0
            states = dict(
                conn.execute(
                    "SELECT state, count(*) FROM notifications_delivery WHERE subscription_id = %s GROUP BY 1",
                    [subscription],
                ).fetchall()
            )
            attempts = conn.execute(
                "SELECT count(*), count(DISTINCT delivery_id) FROM notifications_deliveryattempt WHERE delivery_id IN "
                "(SELECT id FROM notifications_delivery WHERE subscription_id = %s)",
                [subscription],
            ).fetchone()
        received = _receiver_get(receiver_url + "/__stats")
    finally:
        workers.stop()
    text = workers.log.read_text(errors="replace")
    rate = done / wall if wall else 0.0
    out = {
        "events": events,
        "delivered": done,
        "complete": done >= events,
        "wall_s": wall,
        "deliveries_per_s": rate,
        "dispatched_s": dispatched_at or None,
        "states": states,
        "attempts": attempts[0],
        "deliveries_attempted": attempts[1],
        "receiver": received,
        "body_bytes_median": seeded["body_bytes_median"],
        "worker_concurrency": WORKER_CONCURRENCY,
        "machine_cpu_busy": (busy1 - busy0) / (total1 - total0) if total1 > total0 else None,
        # what the workers' processes spent, whatever else the machine ran meanwhile: a figure a busy machine
        # disturbs less than the rate
        "worker_cpu_s": worker_cpu,
        "worker_cpu_ms_per_delivery": worker_cpu * 1000 / done if done else None,
        "task_s": _task_seconds(text, TASK),
    }
    log(
        f"  webhooks ({name}): {done}/{events} delivered in {wall:.1f} s = {rate:.0f}/s; receiver got "
        f"{received['requests']} requests ({received['duplicates']} duplicates), max {received['max_in_flight']} "
        "in flight"
    )
    return out


def run(*, dsn: str, database_url: str, redis_url: str, events: int, saves: int, log=print) -> dict:
    """Both receivers (at once, after 100 ms), then the outbox's cost; the bench's rows removed after."""
    env = django_env(
        database_url,
        redis_url,
        LINKCHECK_ALLOW_NETWORKS=f"{RECEIVER_HOST}/32",
        CELERY_BROKER_URL=redis_url,
        DJANGO_LOG_LEVEL="INFO",
    )
    result: dict = {
        "worker": f"celery -A factcheck worker -Q webhooks (prefork, concurrency {WORKER_CONCURRENCY})",
        "settings": {},
    }
    try:
        result["settings"] = _child(env, "settings")
        for name, delay in (("fast", 0.0), ("slow", SLOW_DELAY)):
            port = free_port(RECEIVER_HOST)
            receiver_log = open(VAR / f"webhooks-receiver-{name}.log", "wb")  # closed below
            proc = subprocess.Popen(
                [sys.executable, "-m", "bench.webhooks", "receive", "--port", str(port), "--delay", str(delay)],
                cwd=ROOT,
                env=env,
                stdout=receiver_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                wait_port(RECEIVER_HOST, port, proc)
                r = delivery_run(
                    dsn=dsn,
                    env=env,
                    redis_url=redis_url,
                    receiver_url=f"http://{RECEIVER_HOST}:{port}",
                    events=events,
                    name=name,
                    timeout=max(120.0, events * (delay + 0.01) * 2),
                    log=log,
                )
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(10)
                receiver_log.close()
            r["receiver_delay_s"] = delay
            if delay:
                # Politeness caps what a slow receiver can take: WEBHOOK_HOST_CONCURRENCY in flight per process.
                per_process = result["settings"]["WEBHOOK_HOST_CONCURRENCY"]
                r["limit_per_s"] = WORKER_CONCURRENCY * per_process / delay
                r["ratio_to_limit"] = r["deliveries_per_s"] / r["limit_per_s"]
            result[name] = r
        remove_bench_rows(dsn)  # the outbox as a deployed one is: no 10,000 bench events in it, no dead rows
        result["outbox_cost"] = _child(env, "cost", "--saves", str(saves))
        c = result["outbox_cost"]
        log(
            f"  outbox write on the save path: event {c['event_record_ms']['p50']:.2f} ms median, "
            f"{c['event_record_ms']['p95']:.2f} ms p95; save {c['save_with_event_ms']['p50']:.2f} ms with, "
            f"{c['save_without_event_ms']['p50']:.2f} ms without; nudge {c['nudge_ms']['p50']:.2f} ms"
        )
    finally:
        remove_bench_rows(dsn)
    return result


def worker_settings() -> dict:
    _django()
    from django.conf import settings

    names = ("WEBHOOK_BATCH_SIZE", "WEBHOOK_CONCURRENCY", "WEBHOOK_HOST_CONCURRENCY", "WEBHOOK_DEADLINE")
    return {name: getattr(settings, name) for name in names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("receive")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--delay", type=float, default=0.0)
    p = sub.add_parser("seed")
    p.add_argument("--events", type=int, required=True)
    p.add_argument("--url", required=True)
    p = sub.add_parser("cost")
    p.add_argument("--saves", type=int, default=300)
    sub.add_parser("settings")
    args = parser.parse_args()
    if args.command == "receive":
        receive(args.port, args.delay)
    elif args.command == "seed":
        print(json.dumps(seed(args.events, args.url)))
    elif args.command == "cost":
        print(json.dumps(outbox_cost(args.saves)))
    else:
        print(json.dumps(worker_settings()))


if __name__ == "__main__":
    main()
