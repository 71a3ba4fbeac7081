"""The reviewers' dashboard in a real browser: a reviewer logs in, sees the panels and charts, follows a count."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from claims import dashboard
from claims.choices import ClaimStatus, ExcerptStatus, Verdict
from sources.choices import Health, Outcome
from sources.rollups import check_rollups_rebuild
from tests.factories import ClaimFactory, EvidenceFactory, LinkCheckFactory, ReviewerFactory, SourceFactory

from .test_reviewer_flow import log_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def rgb(colour: str) -> str:
    """#rrggbb as the browser reports a computed colour."""
    return "rgb({}, {}, {})".format(*(int(colour[i : i + 2], 16) for i in (1, 3, 5)))


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_reviewer_opens_the_dashboard_and_follows_a_count(new_page, screenshot):
    call_command("load_demo", verbosity=0)
    rita = ReviewerFactory(username="rita")
    ClaimFactory.create_batch(3, status=ClaimStatus.IN_REVIEW, assignee=rita)
    lost = ClaimFactory(text="A claim whose only source is gone")
    gone = SourceFactory(url="https://gone.example.com/report", health=Health.DEAD)
    EvidenceFactory(claim=lost, source=gone, excerpt="the figure", excerpt_status=ExcerptStatus.MISSING)
    now = timezone.now()
    for day in range(20):
        LinkCheckFactory(
            source=gone,
            checked_at=now - timedelta(days=day, hours=1),
            outcome=Outcome.NOT_FOUND if day < 6 else Outcome.OK,
            http_status=404 if day < 6 else 200,
            elapsed_ms=200 + 40 * day,
        )
    check_rollups_rebuild()  # the factory writes past the link checker's service: the repair counts its checks

    page = new_page()
    log_in(page, "rita")
    page.goto("/admin/")
    page.wait_for_selector("#fc-dashboard")
    assert page.locator("#fc-attention").is_visible()
    assert page.locator("[data-panel=assigned_mine] .fc-count-n").inner_text() == "3"
    assert page.locator("[data-panel=all_sources_dead] .fc-count-n").inner_text() == "1"
    for key in ("verdicts", "checks", "domains"):
        chart = page.locator(f'svg[data-chart="{key}"]')
        assert chart.is_visible(), key
        assert chart.bounding_box()["height"] > 10, key
    assert page.locator("#content-main .app-claims").is_visible()  # the app list is still below
    screenshot(page, "dashboard")

    page.click("[data-panel=assigned_mine] a")
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == 3
    # The labels wear their choice's colours: labels.css is served and wins over admin.css's grey default.
    for selector, choice in ((".fc-status-in_review", ClaimStatus.IN_REVIEW), (".fc-verdict-unrated", Verdict.UNRATED)):
        swatch = choice.swatch
        style = page.locator(f"#result_list {selector}").first.evaluate(
            "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]"
        )
        assert style == [rgb(swatch.background), rgb(swatch.text)], selector
    screenshot(page, "dashboard-followed-in-review")

    page.goto(f"/admin/sources/source/{gone.pk}/change/")
    timeline = page.locator('svg[data-chart="source-checks"]')
    timeline.wait_for()
    assert timeline.locator("rect.fc-mark").count() == 20
    timeline.scroll_into_view_if_needed()
    screenshot(page, "source-timeline")
    assert dashboard.CACHE_SECONDS == 60
