"""The notifications tests' shared parts: loopback receivers of webhooks and the settings they run under; the events
a test's writes left, what the public claim page shows now, and a loopback site whose pages a test turns dead,
alive, or changes (the link checker's paths)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import uuid
from collections import Counter

import pytest
from aiohttp import web
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder

from claims.events import public_claim_of_row
from claims.models import Claim
from notifications.models import Event
from notifications.outbox import as_json
from notifications.services import allowed_event_types, webhook_subscribe
from public.selectors_claimpage import claim_page_row
from tests import factories

from .receiver import Receiver

# Where the site says it lives: events name the claim page under it, as the page's canonical link does.
SITE = "https://desk.example.org"


def events(*types: str) -> list[Event]:
    """The outbox's rows, oldest first (of these types, when given)."""
    rows = Event.objects.order_by("id")
    return list(rows.filter(type__in=types) if types else rows)


def public_claim_now(claim_id: int) -> dict:
    """What the public claim page shows of the claim now, as an event carries it (JSON values)."""
    row = claim_page_row(claim_id=claim_id)
    assert row is not None, f"claim {claim_id} is not public"
    return as_json(public_claim_of_row(row))


def claim_tags(claim_id: int) -> list[str]:
    return sorted(Claim.objects.get(pk=claim_id).tags.values_list("name", flat=True))


def assert_claim_event(event: Event, kind: str, claim: Claim, *, note: str = "", verdict_before=None) -> None:
    """A public event of ``claim``: its type, order key, ids, filter columns, and a payload that is the claim as its
    page shows it now and the change as the claim's public log has it."""
    claim = Claim.objects.get(pk=claim.pk)
    correction = claim.corrections.order_by("-id").first()
    assert event.type == kind
    assert event.order_key == f"claim:{claim.pk}"
    assert event.object_ids == {"claim": claim.pk, "correction": correction.pk}
    assert event.language == (claim.language or (claim.article.language if claim.article_id else ""))
    assert event.tags == claim_tags(claim.pk)
    assert event.claimant == claim.claimant
    assert event.payload["claim"] == public_claim_now(claim.pk)
    change = event.payload["change"]
    assert change["kind"] == correction.kind == kind.removeprefix("claim.").replace("updated_minor", "updated")
    assert change["note"] == note == correction.note
    assert change["verdict_before"] == verdict_before
    assert change["verdict_after"] == claim.verdict


def json_time(value) -> str:
    """A datetime as an event's payload carries it (DjangoJSONEncoder: milliseconds, "Z")."""
    return DjangoJSONEncoder().default(value)


def payload_text(event: Event) -> str:
    return json.dumps(event.payload, ensure_ascii=False)


@pytest.fixture
def site_url(settings):
    settings.FACTCHECK_SITE_URL = SITE
    cache.clear()  # claim pages are cached whole
    yield SITE
    cache.clear()


class LoopbackSite:
    """An aiohttp server on 127.0.0.1 serving ``pages`` (path -> (status, html)); anything else is a 404. A test
    changes a page between checks: a link dies, comes back, or loses its excerpt."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str]] = {}
        self.hits: Counter = Counter()
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, status: int = 200, html: str = "<p>Here.</p>") -> str:
        self.pages[path] = (status, html)
        return self.url(path)

    async def _answer(self, request: web.Request) -> web.Response:
        self.hits[request.path] += 1
        if request.path == "/wayback/available":  # no snapshot: a dead source's archive lookup finds nothing
            return web.json_response({"archived_snapshots": {}})
        status, html = self.pages.get(request.path, (404, "<p>Not here.</p>"))
        return web.Response(status=status, text=html, content_type="text/html")

    def start(self) -> LoopbackSite:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        ready = threading.Event()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._answer)

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            runner = web.AppRunner(app, access_log=None)
            self._loop.run_until_complete(runner.setup())
            self._loop.run_until_complete(web.SockSite(runner, sock).start())
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="outbox-site", daemon=True)
        self._thread.start()
        assert ready.wait(10), "the loopback site did not start"
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)


@pytest.fixture(scope="session")
def _loopback_site():
    site = LoopbackSite().start()
    yield site
    site.stop()


@pytest.fixture
def loopback_site(_loopback_site, settings):
    """The loopback site with no pages, the link checker allowed to reach it only, and a source dead after two
    failures in a row however close together (the DeadRule's thresholds)."""
    _loopback_site.pages.clear()
    _loopback_site.hits.clear()
    settings.LINKCHECK_ALLOW_NETWORKS = ["127.0.0.1/32"]
    settings.LINKCHECK_CONNECT_TIMEOUT = 2.0
    settings.LINKCHECK_READ_TIMEOUT = 2.0
    settings.LINKCHECK_DEADLINE = 3.0
    settings.LINKCHECK_HOST_INTERVAL = 0.0
    settings.LINKCHECK_REDIS_PREFIX = f"test-outbox:{uuid.uuid4().hex[:8]}:"
    settings.LINKCHECK_DEAD_AFTER_FAILURES = 2
    settings.LINKCHECK_DEAD_AFTER_DAYS = 0
    settings.ARCHIVE_LOOKUP_URL = _loopback_site.url("/wayback/available")
    return _loopback_site


@pytest.fixture(scope="session")
def receivers():
    inside = Receiver("127.0.0.1").start()
    # 127.0.0.2 is loopback too on Linux, but outside the allow list the tests set: the guard refuses it.
    outside = Receiver("127.0.0.2").start()
    yield inside, outside
    inside.stop()
    outside.stop()


@pytest.fixture
def receiver(receivers):
    for each in receivers:
        each.reset()
    return receivers[0]


@pytest.fixture
def outside(receivers, receiver):
    return receivers[1]


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    """Only 127.0.0.1 may be reached; short time limits; a site address for the User-Agent and the email's link."""
    settings.LINKCHECK_ALLOW_NETWORKS = ["127.0.0.1/32"]
    settings.WEBHOOK_DEADLINE = 3.0
    settings.WEBHOOK_CONNECT_TIMEOUT = 2.0
    settings.FACTCHECK_SITE_URL = "https://factcheck.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


@pytest.fixture
def staff(db):
    return factories.ReviewerFactory(username="sam")


@pytest.fixture
def subscribe(db, staff):
    """A subscription made through the service (its secret returned): staff's by default, to every event its owner
    may have."""

    def make(url: str, events=None, *, owner=None, **filters):
        owner = owner or staff
        return webhook_subscribe(owner=owner, url=url, events=events or allowed_event_types(owner), **filters)

    return make
