"""The reviewers' dashboard (the admin home, issue 8): how long the page takes, cold and warm, and each panel's query.

Run by bench/run.py after the export (``run()`` starts ``python -m bench.dashboard`` with the deployed settings:
DEBUG off, the bench's Redis as the cache). In that process the page is requested in process with Django's test
client as a logged-in reviewer: cold (the dashboard's cache entries deleted before each request) and warm (the
cache as reviewers share it), p50/p95, twice: with the windows ending now and, since generated data ends some time
ago, with "now" at the newest link check (django.utils.timezone.now patched), where every window is full of rows.
Each panel's selector is then timed on its own for both. The link-check rollups are rebuilt first (the data was
loaded by COPY, past the service that keeps them) and so is the evidence tally (its triggers ran while the load
had the foreign keys dropped), and the time that takes is reported.

Nothing else is left in the database: the reviewer (one of the generated users, put in the Reviewer group) and
the session live in a transaction that is rolled back.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _summary(samples: list[float]) -> dict:
    return {
        "requests": len(samples),
        "p50_ms": statistics.median(samples),
        "p95_ms": _pct(samples, 0.95),
        "max_ms": max(samples),
    }


def measure(requests: int, cold_requests: int) -> dict:
    import django

    django.setup()
    from django.conf import settings

    # No collectstatic in the bench: the manifest storage of DEBUG off would refuse {% static %} without one.
    settings.STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.db.models import Count, Max
    from django.test import Client

    from claims import dashboard
    from claims import rollups as claim_rollups
    from sources import rollups
    from sources import selectors as source_selectors
    from sources.models import LinkCheck

    out: dict = {}
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")  # the server's setting; the dashboard turns it off for its own transaction
        out["postgresql_jit"] = cursor.fetchone()[0]
    with transaction.atomic():
        User = get_user_model()
        # the generated reviewer with the most open claims assigned, so "assigned to me" has rows to count
        user = (
            User.objects.filter(assigned_claims__status__in=["draft", "in_review"])
            .annotate(n=Count("assigned_claims"))
            .order_by("-n")
            .first()
        ) or User.objects.create(username="bench-dashboard", is_staff=True)
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(Group.objects.get(name="Reviewer"))  # made by migration claims/0003
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        keys = [dashboard.CACHE_KEY, dashboard.USER_CACHE_KEY.format(user.pk)]

        def get() -> float:
            t0 = time.perf_counter()
            response = client.get("/admin/", secure=True)
            elapsed = (time.perf_counter() - t0) * 1000
            if response.status_code != 200 or b'id="fc-dashboard"' not in response.content:
                raise RuntimeError(f"/admin/: {response.status_code} without the dashboard")
            return elapsed

        from unittest import mock

        from django.utils import timezone

        # Generated data is COPYed past the link checker's service: build its rollups as a deployment's backfill
        # (the migration) would, in this transaction (rolled back with the rest).
        t0 = time.perf_counter()
        with transaction.atomic():
            out["rollups_rebuilt"] = rollups.check_rollups_rebuild()
        out["rollup_rebuild_s"] = time.perf_counter() - t0
        # Likewise the evidence tally: the load runs with the foreign keys dropped and evidence in parallel with
        # sources, so the triggers may have seen evidence before its source (claims.rollups).
        t0 = time.perf_counter()
        with transaction.atomic():
            out["tallies_rebuilt"] = claim_rollups.claim_tallies_rebuild()
        out["tally_rebuild_s"] = time.perf_counter() - t0

        newest_check = LinkCheck.objects.aggregate(newest=Max("checked_at"))["newest"]
        windows = {"now": timezone.now()}
        if newest_check is not None:
            # The generated data ends some time ago: "now" at its newest check puts every window full of rows.
            windows["newest_check"] = newest_check

        cache.delete_many(keys)
        get()  # the first request of the process imports and compiles the templates: not a cold cache
        for label, now in windows.items():
            with mock.patch("django.utils.timezone.now", return_value=now):
                cold = []
                for _ in range(cold_requests):
                    cache.delete_many(keys)
                    cold.append(get())
                get()
                warm = [get() for _ in range(requests)]
            suffix = "" if label == "now" else f"_{label}"
            out[f"page_cold{suffix}"] = _summary(cold)
            out[f"page_warm{suffix}"] = _summary(warm)
        out["cache_works"] = cache.get(dashboard.CACHE_KEY) is not None
        out["user"] = user.get_username()
        out["mine"] = dashboard.my_counts(user=user, now=timezone.now())

        for label, now in windows.items():
            with transaction.atomic():
                dashboard._without_jit()
                months = dashboard.verdict_months_until(now=now)
                weeks = dashboard.week_starts(now, dashboard.HEALTH_WEEKS)
                days = dashboard.day_range(now, dashboard.CHECK_DAYS)
                panels = {
                    "attention_counts": lambda now=now: dashboard.attention_counts(now=now),
                    "oldest_unrated": dashboard.oldest_unrated,
                    "mine": lambda now=now: dashboard.my_counts(user=user, now=now),
                    "verdicts_by_month": lambda now=now, months=months: (
                        dashboard.verdict_months_until(now=now),
                        dashboard.verdicts_by_month(months=months),
                    ),
                    "health_by_week": lambda weeks=weeks: source_selectors.source_health_by_week(
                        first=weeks[0], last=weeks[-1]
                    ),
                    "checks_by_day": lambda days=days: source_selectors.checks_by_day(first=days[0], last=days[-1]),
                    "dead_domains": lambda: source_selectors.dead_domains(limit=dashboard.TOP_DOMAINS),
                }
                timings, rows = {}, {}
                for name, fn in panels.items():
                    samples = []
                    for _ in range(3):
                        t0 = time.perf_counter()
                        result = fn()
                        samples.append((time.perf_counter() - t0) * 1000)
                    timings[name] = statistics.median(samples)
                    rows[name] = result if name == "attention_counts" else None
                out[f"panels_ms_{label}"] = timings
                out[f"panels_total_ms_{label}"] = sum(timings.values())
                out[f"window_end_{label}"] = now.isoformat()
                out[f"counts_{label}"] = rows["attention_counts"]
        transaction.set_rollback(True)
    return out


def run(*, database_url: str, redis_url: str, requests: int, cold_requests: int, log=print) -> dict:
    """Measure in a child process with the deployed settings (bench.servers.django_env)."""
    from .servers import django_env

    env = django_env(database_url, redis_url)
    proc = subprocess.run(
        [sys.executable, "-m", "bench.dashboard", "--requests", str(requests), "--cold", str(cold_requests)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench.dashboard exited {proc.returncode}: {proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    log(
        f"  rollups rebuilt from the check history in {result['rollup_rebuild_s']:.1f} s, "
        f"evidence tally in {result['tally_rebuild_s']:.1f} s"
    )
    for suffix, label in (("", "now"), ("_newest_check", "newest check")):
        if f"page_cold{suffix}" not in result:
            continue
        cold, warm = result[f"page_cold{suffix}"], result[f"page_warm{suffix}"]
        log(
            f"  admin home, windows ending at {label}, cold: p50 {cold['p50_ms']:.0f} ms, p95 {cold['p95_ms']:.0f} ms;"
            f" warm: p50 {warm['p50_ms']:.1f} ms, p95 {warm['p95_ms']:.1f} ms"
        )
    for label in ("now", "newest_check"):
        if f"panels_ms_{label}" in result:
            panels = ", ".join(f"{k} {v:.0f}" for k, v in result[f"panels_ms_{label}"].items())
            log(f"  panels (ms), windows ending at {label}: {panels}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--cold", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    sys.path.insert(0, str(ROOT))
    print(json.dumps(measure(args.requests, args.cold), default=str))


if __name__ == "__main__":
    main()
