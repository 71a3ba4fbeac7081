"""GET /healthz: can this web process serve, and how are Redis, the queues and beat doing?

Status semantics (README "Deploying"):

- ``ok`` (200): the database answers, Redis answers, beat ran recently.
- ``degraded`` (200): the database answers but Redis, a replica or beat does not. This process can still serve
  reads and save claims (throttling fails open, checks wait in PostgreSQL), so a load balancer keeps it in
  rotation and compose does not restart it; monitoring should page on it. ``?strict=1`` makes it a 503.
- ``down`` (503): the primary database does not answer. Take the process out of rotation.

Everyone gets the status; the details (each check, its time, queue depths, error text) go only to staff signed in
and to clients in HEALTHZ_ALLOW_NETWORKS, since they tell an attacker how loaded the site is and what its database
says when it fails.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.utils import timezone

from factcheck.redis import redis_client
from factcheck.security import address_in, client_ip


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def check_databases() -> dict:
    report = {}
    for alias in settings.DATABASES:
        started = time.monotonic()
        connection = connections[alias]
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception as exc:  # any failure means "does not answer"
            connection.close()
            report[alias] = {"ok": False, "error": _first_line(exc), "ms": _ms(started)}
        else:
            report[alias] = {"ok": True, "ms": _ms(started)}
    return report


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _redis_urls() -> dict[str, str]:
    urls = {}
    if settings.REDIS_URL:
        urls["cache"] = settings.REDIS_URL
    broker = settings.CELERY_BROKER_URL
    if broker.startswith(("redis://", "rediss://", "unix://")):
        urls["broker"] = broker
    return urls


def _queue_names() -> list[str]:
    return [queue.name for queue in getattr(settings, "CELERY_TASK_QUEUES", None) or []] or ["celery"]


# Celery's Redis transport keeps a queue as a list, plus one list per priority step (name + "\x06\x16" + step).
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def check_redis() -> tuple[dict, dict]:
    """Ping each Redis; on the broker, the messages waiting per queue and those delivered but not acknowledged."""
    report, queues = {}, {}
    for role, url in _redis_urls().items():
        started = time.monotonic()
        try:
            client = redis_client(url)
            client.ping()
            if role == "broker":
                names = _queue_names()
                pipe = client.pipeline(transaction=False)
                for name in names:
                    for suffix in _PRIORITY_SUFFIXES:
                        pipe.llen(name + suffix)
                pipe.zcard("unacked_index")
                counts = pipe.execute()
                step = len(_PRIORITY_SUFFIXES)
                queues = {name: sum(counts[i * step : (i + 1) * step]) for i, name in enumerate(names)}
                queues["unacked"] = counts[-1]
        except Exception as exc:
            report[role] = {"ok": False, "error": _first_line(exc), "ms": _ms(started)}
        else:
            report[role] = {"ok": True, "ms": _ms(started)}
    return report, queues


def check_beat() -> dict:
    """Beat's heartbeat: when it last sent the due-check job (django-celery-beat writes last_run_at, saving it
    every few minutes), against that job's own interval."""
    from django_celery_beat.models import PeriodicTask

    task = (
        PeriodicTask.objects.using("default")
        .filter(task=settings.HEALTHZ_BEAT_TASK, enabled=True)
        .select_related("interval")
        .order_by("id")
        .first()
    )
    if task is None:
        return {"ok": True, "detail": "no enabled schedule for the due-check job"}
    every = 60.0
    if task.interval is not None:
        every = timedelta(**{task.interval.period: task.interval.every}).total_seconds()
    # Beat saves last_run_at every 3 minutes (DatabaseScheduler.sync_every), so allow for that on top.
    allowed = 2 * every + 300
    if task.last_run_at is None:
        return {"ok": False, "last_run_at": None, "detail": "beat has not run the due-check job yet"}
    age = (timezone.now() - task.last_run_at).total_seconds()
    return {
        "ok": age <= allowed,
        "last_run_at": task.last_run_at.isoformat(),
        "age_seconds": round(age),
        "allowed_seconds": round(allowed),
    }


def healthz(request):
    started = time.monotonic()
    databases = check_databases()
    redis_report, queues = check_redis()
    primary_ok = databases.get("default", {}).get("ok", False)
    if primary_ok:
        try:
            beat = check_beat()
        except Exception as exc:
            beat = {"ok": False, "error": _first_line(exc)}
    else:
        beat = {"ok": False, "detail": "unknown: the database does not answer"}
    degraded = (
        not all(r["ok"] for r in databases.values())
        or not all(r["ok"] for r in redis_report.values())
        or not beat["ok"]
    )
    status = "down" if not primary_ok else "degraded" if degraded else "ok"
    strict = request.GET.get("strict") in ("1", "true", "yes")
    code = 503 if status == "down" or (strict and status != "ok") else 200
    body = {"status": status}
    if may_see_details(request):
        body.update(database=databases, redis=redis_report, queues=queues, beat=beat, ms=_ms(started))
    response = JsonResponse(body, status=code)
    response["Cache-Control"] = "no-store"
    return response


def may_see_details(request) -> bool:
    """A client in HEALTHZ_ALLOW_NETWORKS (by client_ip: the peer, or what our proxy saw) or a staff user signed in."""
    return address_in(client_ip(request), settings.HEALTHZ_ALLOW_NETWORKS) or _signed_in_staff(request)


def _signed_in_staff(request) -> bool:
    # /healthz is answered before the session and auth middleware run, so read the session here, and only when
    # the request has one: an anonymous probe costs no query.
    if not request.COOKIES.get(settings.SESSION_COOKIE_NAME):
        return False
    from importlib import import_module

    from django.contrib.auth import get_user

    request.session = import_module(settings.SESSION_ENGINE).SessionStore(request.COOKIES[settings.SESSION_COOKIE_NAME])
    try:
        user = get_user(request)
    except DatabaseError:  # the database is what is down: nobody can be told apart from anybody
        return False
    return user.is_active and user.is_staff
