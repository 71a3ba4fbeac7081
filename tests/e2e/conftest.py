"""Headless Chromium (Debian's package) driven by Playwright against a live test server."""

import os
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(autouse=True)
def _groups(transactional_db):
    """The demo loader expects the role groups the migration made; an earlier transactional test may have
    flushed them."""
    from tests.factories import role_group

    role_group("Reviewer")


@pytest.fixture(scope="package")
def browser():
    """One browser for tests/e2e. Package scope: Playwright's sync API keeps an event loop running in this
    thread while it is open, which would break asyncio.run() in the tests that come after."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test does this where it can).")
    from playwright.sync_api import sync_playwright

    # With that loop running, Django refuses ORM calls from this thread unless told they are safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def page_factory(browser, live_server):
    """Opens a tab in a new browser context on the live server (`page_factory(locale=..., ...)`, options as
    Playwright's new_context takes them); every context is closed after the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(page_factory):
    """A reviewer's tab (the admin), in British English."""
    return lambda: page_factory(locale="en-GB")


AXE_VERSION = "4.14.1"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """axe-core's violations of `impacts` on the page as it is now (WCAG 2.x A and AA rules and best practices).
    The page's context must bypass its CSP (`reader_page` does): the public site allows no script, axe included."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["version"] == AXE_VERSION
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than its viewport (0: no horizontal scroll)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.fixture
def reader_page(page_factory):
    """A reader's browser tab: `reader_page("zh-CN", width=375)`. It bypasses the site's CSP only so that axe-core
    can be injected; the pages themselves run no script."""

    def make(locale: str = "en-GB", *, width: int = 1280, height: int = 900):
        return page_factory(
            locale=locale, viewport={"width": width, "height": height}, bypass_csp=True, timezone_id="Europe/London"
        )

    return make
