"""The captured HTML in a real browser: a hostile page, captured, then shown to a reviewer in the capture's sandboxed
frame (sources.admin.CaptureAdmin) and opened on its own. Its script never runs and no request leaves: the loopback
server its <img>, stylesheet, frame and fetch() point at hears nothing. The same page served plainly does both, so the
test can fail."""

import uuid

import pytest
from django.urls import reverse

from sources.capture import source_capture
from sources.capture_read import CAPTURED_HTML_CSP
from sources.choices import CaptureReason
from tests.e2e.test_reviewer_flow import log_in
from tests.factories import ReviewerFactory, SourceFactory
from tests.sources.capture_farm import CaptureFarm

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def hostile(tracker: CaptureFarm) -> bytes:
    beacon = tracker.url("/beacon")
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Budget report</title>
<link rel="stylesheet" href="{beacon}/style.css">
<style>h1 {{ color: rgb(0, 90, 0); }}</style></head>
<body><h1 id="title">Budget report</h1>
<p>In 2024 the deficit fell to 3.1 per cent.</p>
<img src="{beacon}/pixel.png" alt="">
<iframe src="{beacon}/frame"></iframe>
<form action="{beacon}/form" method="post"><button id="send">Send</button></form>
<script>
document.getElementById("title").textContent = "owned";
fetch("{beacon}/fetch");
navigator.sendBeacon && navigator.sendBeacon("{beacon}/send-beacon");
</script></body></html>""".encode()


@pytest.fixture
def tracker():
    server = CaptureFarm("127.0.0.1").start()
    yield server
    server.stop()


@pytest.fixture
def captured(tracker, settings):
    settings.CAPTURE_ENABLED = True
    settings.LINKCHECK_ALLOW_NETWORKS = ["127.0.0.1/32"]
    settings.LINKCHECK_HOST_INTERVAL = 0.0
    settings.LINKCHECK_REDIS_PREFIX = f"test-linkcheck:{uuid.uuid4().hex[:8]}:"
    url = tracker.page_url("hostile", hostile(tracker))
    capture = source_capture(source_id=SourceFactory(url=url).pk, reason=CaptureReason.ON_DEMAND)
    assert capture.status == "ok"
    # The capture took the page itself, nothing it points at.
    assert [entry["path"] for entry in tracker.log] == ["/page/hostile"]
    tracker.log.clear()
    tracker.hits.clear()
    return capture


def watch(page) -> dict[str, list]:
    """The browser's own account of the requests to the loopback server: those it sent and had answered, and those it
    stopped (with its reason: "csp" for a resource the CSP forbids, stopped before it is sent)."""
    seen: dict[str, list] = {"answered": [], "stopped": []}
    page.on("requestfinished", lambda r: "/beacon" in r.url and seen["answered"].append(r.url))
    page.on("requestfailed", lambda r: "/beacon" in r.url and seen["stopped"].append((r.url, r.failure)))
    return seen


def test_the_captured_page_runs_nothing_and_requests_nothing(page_factory, screenshot, tracker, captured):
    ReviewerFactory(username="rita")
    page = page_factory(locale="en-GB", viewport={"width": 1280, "height": 1400})
    seen = watch(page)
    log_in(page, "rita")

    # In the capture's page: an empty sandbox (no scripts, no same origin).
    page.goto(reverse("admin:sources_capture_change", args=[captured.pk]), wait_until="load")
    frame_element = page.locator("iframe.fc-captured-page")
    assert frame_element.get_attribute("sandbox") == ""
    frame_element.scroll_into_view_if_needed()
    frame = frame_element.element_handle().content_frame()
    frame.wait_for_load_state("load")
    assert frame.inner_text("#title") == "Budget report"  # the script did not run
    assert frame.eval_on_selector("#title", "e => getComputedStyle(e).color") == "rgb(0, 90, 0)"  # inline style kept
    screenshot(page, "capture-sandboxed-frame")

    # Opened on its own, outside the frame: the CSP's own sandbox and default-src 'none' hold it just the same.
    html_url = reverse("admin:sources_capture_html", args=[captured.pk])
    response = page.goto(html_url, wait_until="load")
    assert response.headers["content-security-policy"] == CAPTURED_HTML_CSP
    assert page.inner_text("#title") == "Budget report"
    page.click("#send")  # a form may not post anywhere either (no allow-forms)
    page.wait_for_load_state("load")
    screenshot(page, "capture-html-alone")
    # Nothing reached the server; nothing was answered; what the page asked for, the browser stopped for the CSP.
    assert tracker.log == []
    assert seen["answered"] == []
    assert seen["stopped"]
    assert all(reason == "csp" for _, reason in seen["stopped"]), seen["stopped"]

    # The control: the same page served plainly runs its script and calls the server, so the test can fail.
    page.goto(tracker.url("/page/hostile"), wait_until="load")
    page.wait_for_function("() => document.getElementById('title').textContent === 'owned'")
    page.wait_for_function("() => performance.getEntriesByType('resource').some(e => e.name.includes('/beacon/fetch'))")
    assert {"/beacon/pixel.png", "/beacon/fetch"} <= set(entry["path"] for entry in tracker.log)


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_the_public_capture_page_and_the_claim_page_linking_it_are_axe_clean(reader_page, screenshot, locale):
    from django.utils import timezone

    from sources.choices import Health
    from sources.models import Capture
    from tests.e2e.test_public_site import violations
    from tests.factories import PublishedClaimFactory

    claim = PublishedClaimFactory(text="The deficit fell to 3.1 per cent in 2023.")
    evidence = claim.evidence.get()
    evidence.excerpt = "the deficit fell to 3.1 per cent"
    evidence.save()
    source = evidence.source
    source.health, source.archive_url = Health.DEAD, "https://web.archive.org/web/2024/https://example.org/"
    source.save()
    text = "Budget report\nThe minister said that the deficit\n fell to 3.1\xa0per cent in 2023.\n" + "x" * 300
    capture = Capture.objects.create(
        source=source,
        evidence=evidence,
        reason=CaptureReason.CITED,
        key="e2e:1",
        status="ok",
        url=source.url,
        fetched_at=timezone.now(),
        http_status=200,
        content_type="text/html",
        sha256="a" * 64,
        text=text,
    )
    page = reader_page(locale)
    page.goto(reverse("public-claim", args=[claim.pk]))
    link = page.locator(f'a[href="{reverse("public-capture", args=[claim.pk, capture.pk])}"]')
    assert link.count() == 1
    # No script on either page (counted before axe-core is added to check it).
    assert page.locator("script:not([type='application/ld+json'])").count() == 0
    assert violations(page) == []
    link.click()
    page.wait_for_load_state("load")
    assert page.locator("mark").inner_text() == "the deficit\n fell to 3.1\xa0per cent"
    assert page.locator("script").count() == 0
    assert violations(page) == []
    screenshot(page, f"capture-public-{locale}")
