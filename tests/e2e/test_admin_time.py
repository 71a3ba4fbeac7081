"""A reviewer at a Chinese-speaking desk in Shanghai: the admin in Chinese, every time in Shanghai time with its zone
named, in a real browser."""

import re

import pytest
from django.core.management import call_command

from accounts.services import profile_set_preferences
from claims.models import Article, Claim
from tests.e2e.test_reviewer_flow import log_in
from tests.factories import ReviewerFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHINESE_TIME = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d CST")


def test_a_chinese_reviewer_in_shanghai(page_factory, screenshot):
    call_command("load_demo", verbosity=0)
    reviewer = ReviewerFactory(username="li")
    profile_set_preferences(user=reviewer, language="zh-hans", time_zone="Asia/Shanghai")
    # A browser asking for English: the reviewer's own preference decides.
    page = page_factory(locale="en-GB", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900})
    log_in(page, "li")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "站点管理" in page.inner_text("#content")
    assert "Asia/Shanghai" in page.text_content("#fc-preferences-link")  # the user tools, uppercased by CSS

    page.goto("/admin/claims/claim/")
    page.wait_for_selector("#result_list")
    updated = page.locator("#result_list td.field-updated_at").all_inner_texts()
    assert updated
    assert all(CHINESE_TIME.fullmatch(text.strip()) for text in updated), updated
    screenshot(page, "admin-time-zh-list")

    claim = Claim.objects.filter(published_at__isnull=False).order_by("pk").first()
    page.goto(f"/admin/claims/claim/{claim.pk}/change/")
    page.wait_for_selector("#claim_form")
    readonly = page.locator(".field-published_at .readonly").first.inner_text()
    assert CHINESE_TIME.fullmatch(readonly.strip()), readonly
    screenshot(page, "admin-time-zh")  # the claim page: its review times, the correction log

    # The demo article, published at 09:23 Beijing time, shows as 09:23 with the zone named.
    article = Article.objects.get(title__startswith="白嫖遭反噬")
    page.goto("/admin/claims/article/")
    assert "2024年11月27日 09:23 CST" in page.inner_text("#result_list")
    page.goto(f"/admin/claims/article/{article.pk}/change/")
    page.wait_for_selector("#article_form")
    assert page.input_value("#id_published_at_1") == "09:23"
    assert page.inner_text(".field-published_at .fc-zone") == "Asia/Shanghai"
    # Browser and page agree on the zone: Django's "you are N hours ahead of server time" note is not shown.
    assert page.locator(".timezonewarning").count() == 0
    screenshot(page, "admin-time-zh-article")

    # The reviewer's own page: an unknown zone is refused in words; English and UTC then show the same moment as
    # 01:23 UTC.
    page.click("#fc-preferences-link")
    page.wait_for_selector("#id_time_zone")
    page.fill("#id_time_zone", "Mars/Olympus")
    page.click("input[type=submit]")
    assert "Mars/Olympus" in page.inner_text(".errorlist")
    screenshot(page, "admin-time-preferences-refused")
    page.select_option("#id_language", "en")
    page.fill("#id_time_zone", "UTC")
    page.click("input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "admin-time-preferences")
    page.goto("/admin/claims/article/")
    assert "Nov. 27, 2024, 01:23 UTC" in page.inner_text("#result_list")
