#!/usr/bin/env python
"""Print one real webhook body of each event type, for the README's "Notifications" section.

    PYTHONPATH=. DATABASE_URL=postgres://... python scripts/webhook_examples.py [--site https://factcheck.example.org]

Every event is made by the code that makes it in production, on the demo data (the Sora story, claims.demo):
demo_load publishes and retracts through the claim services; a correction and a minor edit go through
claim_update; the link checker's own write (sources.health.linkchecks_record) kills, revives and finds an excerpt
missing; a reader's tip goes through public.services.tip_submit. All of it runs in one transaction that is rolled
back at the end, so the database is left as it was (and no webhook is sent: the outbox's nudge waits for a commit).
"""

import argparse
import json
import os
import sys
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.serializers.json import DjangoJSONEncoder  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from claims import services as claim_services  # noqa: E402
from claims.choices import Verdict  # noqa: E402
from claims.demo.loader import DEMO_REVIEWER, demo_load, key_tag  # noqa: E402
from claims.models import Claim, Evidence  # noqa: E402
from notifications.choices import EventType  # noqa: E402
from notifications.models import Event  # noqa: E402
from public.services import tip_submit  # noqa: E402
from sources.choices import Outcome  # noqa: E402
from sources.fetch import CheckResult  # noqa: E402
from sources.health import SourceResult, linkchecks_record  # noqa: E402


class Rollback(Exception):
    pass


def body_of(event: Event) -> bytes:
    """The body as delivered: notifications.delivery.event_body once it exists, else the wire format of
    DESIGN-19 (compact JSON, keys sorted, UTF-8)."""
    from notifications import delivery

    if hasattr(delivery, "event_body"):
        return delivery.event_body(event)
    envelope = {"created_at": event.created_at, "data": event.payload, "id": event.pk, "type": event.type}
    return json.dumps(
        envelope, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def claim(key: str) -> Claim:
    return Claim.objects.get(tags__name=key_tag(key))


def check(source_id: int, outcome: str, at, *, excerpts=None) -> None:
    result = CheckResult(
        url="", outcome=outcome, checked_at=at, http_status=404 if outcome == Outcome.NOT_FOUND else 200
    )
    linkchecks_record(
        results=[SourceResult(source_id, result, excerpts=excerpts or {})],
        run_key=f"example-{source_id}-{int(at.timestamp())}",
    )


def make_events() -> dict[str, bytes]:
    settings.FACTCHECK_REQUIRE_SECOND_REVIEW = False  # the demo reviewer corrects alone here
    start = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    demo_load()  # claim.published for each published claim, claim.retracted for the retracted one
    reviewer = get_user_model().objects.get(username=DEMO_REVIEWER)
    valuation = claim("valuation")
    claim_services.claim_update(
        claim_id=valuation.pk,
        user=reviewer,
        data={"verdict": Verdict.TRUE},
        correction_note="Example correction: “$150 billion” is the testers' rounding of the $157 billion valuation, "
        "not an error, so the verdict is now True.",
    )
    brooks = claim("tim-brooks")
    claim_services.claim_update(
        claim_id=brooks.pk,
        user=reviewer,
        data={"explanation": brooks.explanation.replace("after two years", "after about two years")},
        minor_edit=True,
    )
    # The Hugging Face Space of the leak: three failed checks over four days make it dead, one answer revives it.
    space = Evidence.objects.select_related("source").get(
        claim=claim("leak-model"), source__url__contains="huggingface.co"
    )
    now = timezone.now()
    for days_ago in (6, 4, 2):
        check(space.source_id, Outcome.NOT_FOUND, now - timedelta(days=days_ago))
    check(space.source_id, Outcome.OK, now)
    # ReadWrite's report no longer holds the excerpt the leak-model claim quotes from it.
    quoted = Evidence.objects.get(claim=claim("leak-model"), source__url__contains="readwrite.com")
    check(quoted.source_id, Outcome.OK, now, excerpts={quoted.pk: False})
    tip_submit(
        text="Sora 泄露页面生成的视频最长真的只有 10 秒吗？",
        url="https://readwrite.com/openai-suspends-access-sora-alleged-leak/",
        contact="reader@example.org",
        language="zh-Hans",
    )
    wanted = {
        EventType.CLAIM_PUBLISHED: {"claim": claim("leak-model").pk},
        EventType.CLAIM_RETRACTED: {},
        EventType.CLAIM_CORRECTED: {},
        EventType.CLAIM_UPDATED_MINOR: {},
        EventType.SOURCE_DEAD: {},
        EventType.SOURCE_RECOVERED: {},
        EventType.EVIDENCE_EXCERPT_MISSING: {},
        EventType.TIP_RECEIVED: {},
    }
    bodies = {}
    for kind, ids in wanted.items():
        events = Event.objects.filter(pk__gt=start, type=kind).order_by("id")
        for name, pk in ids.items():
            events = events.filter(**{f"object_ids__{name}": pk})
        bodies[kind] = body_of(events.first())
    return bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", default="https://factcheck.example.org", help="FACTCHECK_SITE_URL for the urls")
    args = parser.parse_args()
    settings.FACTCHECK_SITE_URL = args.site
    bodies = {}
    try:
        with transaction.atomic():
            bodies = make_events()
            raise Rollback
    except Rollback:
        pass
    for kind, body in bodies.items():
        print(f"#### `{kind}`\n")
        print("```json")
        print(json.dumps(json.loads(body), ensure_ascii=False, indent=2))
        print("```\n")
    sys.stderr.write(
        f"{len(bodies)} event types; wire sizes: " + ", ".join(f"{k} {len(b)} B" for k, b in bodies.items()) + "\n"
    )


if __name__ == "__main__":
    main()
