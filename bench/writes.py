"""What keeping the search vector costs a write: claims inserted through the ORM, per language, with the search
triggers (claims.search.schema) on and off.

Run by bench/run.py (``run()`` starts ``python -m bench.writes`` with the deployed settings). The claims are built
by the generator (bench/generate.claim_row, one language at a time) and inserted with ``bulk_create``, then with
``Claim.objects.create`` one by one; each insert runs in a transaction that is rolled back, so nothing is left
behind (and the times leave out the commit). Triggers off is ``ALTER TABLE … DISABLE TRIGGER`` on the two search
triggers inside that transaction: the difference is what the trigger costs per claim. The rounds alternate on and
off and the fastest of each is kept (the least disturbed by whatever else the machine runs). The COPY rate
with the trigger is the generator's own (bench/generate.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["en", "es", "fr", "de", "pt", "zh-Hans", "zh-Hant"]
ROUNDS = 5


def measure(scale_name: str, per_language: int, creates: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from claims.models import Claim

    from . import generate

    scale = generate.SCALES[scale_name]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'claims_claim'::regclass AND tgname LIKE 'pgtrigger_search%'"
        )
        triggers = [row[0] for row in cursor.fetchall()]

    def claims(language: str | None, n: int, seed: int) -> list[Claim]:
        rng = random.Random(seed)
        out = []
        for i in range(n):
            row = generate.claim_row(scale, rng, i + 1, language)
            del row["id"]
            row["needs_recheck"] = row["needs_recheck"] == "t"
            out.append(Claim(**row))
        return out

    def timed_insert(objects: list[Claim], *, triggers_on: bool, one_by_one: bool = False) -> float:
        with transaction.atomic():
            if not triggers_on:
                with connection.cursor() as cursor:
                    for name in triggers:
                        cursor.execute(f'ALTER TABLE claims_claim DISABLE TRIGGER "{name}"')
            started = time.perf_counter()
            if one_by_one:
                for claim in objects:
                    claim.pk = None
                    claim.save(force_insert=True)
            else:
                for claim in objects:
                    claim.pk = None
                Claim.objects.bulk_create(objects, batch_size=500)
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        return elapsed

    result: dict = {"per_language": {}, "claims_per_language": per_language, "rounds": ROUNDS, "triggers": triggers}
    for language in LANGUAGES:
        objects = claims(language, per_language, LANGUAGES.index(language))
        timed_insert(objects[:50], triggers_on=True)  # warm the plan cache
        on, off = [], []
        for _ in range(ROUNDS):
            on.append(timed_insert(objects, triggers_on=True))
            off.append(timed_insert(objects, triggers_on=False))
        on_s, off_s = min(on), min(off)
        result["per_language"][language] = {
            "bulk_create_on_ms_per_claim": on_s * 1000 / per_language,
            "bulk_create_off_ms_per_claim": off_s * 1000 / per_language,
            "trigger_ms_per_claim": (on_s - off_s) * 1000 / per_language,
            "bulk_create_on_claims_per_s": per_language / on_s,
        }
    mixed = claims(None, creates, 7)
    on, off = [], []
    for _ in range(ROUNDS):
        on.append(timed_insert(mixed, triggers_on=True, one_by_one=True))
        off.append(timed_insert(mixed, triggers_on=False, one_by_one=True))
    result["create_one_by_one"] = {
        "claims": creates,
        "languages": "as generated (half Chinese, a fifth of it Traditional; 60% of the rest English)",
        "on_claims_per_s": creates / min(on),
        "off_claims_per_s": creates / min(off),
        "on_ms_per_claim": min(on) * 1000 / creates,
        "off_ms_per_claim": min(off) * 1000 / creates,
    }
    return result


def run(*, database_url: str, redis_url: str, scale_name: str, per_language: int, creates: int, log=print) -> dict:
    """Measure in a child process with the deployed settings (bench.servers.django_env)."""
    from .servers import django_env

    env = django_env(database_url, redis_url)
    cmd = [sys.executable, "-m", "bench.writes", "--scale", scale_name, "--per-language", str(per_language)]
    cmd += ["--creates", str(creates)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"bench.writes exited {proc.returncode}: {proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    for language, r in result["per_language"].items():
        log(
            f"  {language}: bulk_create {r['bulk_create_on_claims_per_s']:.0f} claims/s, trigger "
            f"{r['trigger_ms_per_claim']:.2f} ms/claim (on {r['bulk_create_on_ms_per_claim']:.2f}, "
            f"off {r['bulk_create_off_ms_per_claim']:.2f})"
        )
    c = result["create_one_by_one"]
    log(f"  create one by one: {c['on_claims_per_s']:.0f} claims/s (triggers off {c['off_claims_per_s']:.0f})")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--per-language", type=int, default=300)
    parser.add_argument("--creates", type=int, default=100)
    args = parser.parse_args()
    print(json.dumps(measure(args.scale, args.per_language, args.creates)))


if __name__ == "__main__":
    main()
