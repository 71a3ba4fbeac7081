"""A reviewer's day in Chinese, in Chromium at 1280 px (issue 18): rita, whose admin is in 简体中文 and Asia/Shanghai,
logs in, sees what is assigned to her, opens it, adds a note, makes a claim from a sentence of the demo article, and
asks omar to approve it; omar approves and publishes. The dashboard, the list, the claim page and the history are
saved in Chinese and in English (var/screenshots/reviewer-day-*)."""

import re

import pytest
from django.core.management import call_command
from django.utils import translation

from accounts.services import profile_set_preferences
from claims import services
from claims.choices import ClaimStatus, ReviewEventKind, Stance, Verdict
from claims.models import Article, Claim, ClaimNote, ClaimReviewEvent
from tests.factories import ReviewerFactory

from .test_reviewer_flow import log_in, save
from .test_screens import SELECT_TEXT, VIEWPORT

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _first_sentence(body: str) -> str:
    """A whole sentence of the article's body (the demo's is a summary, after a first line saying so), short enough to
    be a quote."""
    sentences = [s.strip() for s in re.split(r"(?<=[.。！？])\s+", body.split("\n\n", 1)[-1])]
    return next(s for s in sentences if 30 <= len(s) <= 400)


def _pages(page, claim: Claim) -> dict[str, str]:
    return {
        "dashboard": "/admin/",
        "list": "/admin/claims/claim/",
        "claim": f"/admin/claims/claim/{claim.pk}/change/",
        "history": f"/admin/claims/claim/{claim.pk}/history/",
    }


def test_a_reviewers_day_in_chinese(page_factory, screenshot):
    call_command("load_demo", verbosity=0)
    rita = ReviewerFactory(username="rita", first_name="丽塔", last_name="")
    omar = ReviewerFactory(username="omar", first_name="Omar", last_name="Haddad")
    for user in (rita, omar):
        profile_set_preferences(user=user, language="zh-hans", time_zone="Asia/Shanghai")
    waiting = Claim.objects.filter(status=ClaimStatus.IN_REVIEW).order_by("pk").first()
    services.claim_assign(claim=waiting, assignee=rita, user=omar, note="请先核对这一条。")

    # 1. Log in: the browser asks for English, her preference says Chinese.
    page = page_factory(locale="en-GB", viewport=VIEWPORT, timezone_id="Asia/Shanghai")
    log_in(page, "rita")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "站点管理" in page.title() or "管理" in page.locator("#site-name").inner_text()
    screenshot(page, "reviewer-day-zh-dashboard")

    # 2. What is assigned to her: the dashboard's count opens the list of exactly those claims.
    mine = page.locator("[data-panel=assigned_mine]")
    assert mine.locator(".fc-count-n").inner_text() == "1"
    mine.locator("a").click()
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == 1
    screenshot(page, "reviewer-day-zh-list")

    # 3. Open it: times in her zone, the zone named.
    page.locator(f"#result_list a[href*='/admin/claims/claim/{waiting.pk}/change/']").first.click()
    page.wait_for_selector("#claim_form")
    assert "CST" in page.locator(".field-updated_at, .field-created_at").first.inner_text()

    # 4. A note for the desk.
    page.fill("#id_note_text", "数字与统计局的年报一致，明天再核对原始表格。")
    page.locator(".fc-note-add button").click()
    page.wait_for_selector("#fc-notes .fc-note")
    assert "数字与统计局的年报一致" in page.locator("#fc-notes").inner_text()
    assert ClaimNote.objects.filter(claim=waiting, author=rita).count() == 1
    screenshot(page, "reviewer-day-zh-claim")

    # 5. A claim from a sentence of the demo article: the quote, language and article come with it.
    article = Article.objects.get(claims=waiting) if waiting.article_id else Article.objects.first()
    sentence = _first_sentence(article.body)
    page.goto(f"/admin/claims/article/{article.pk}/change/")
    assert page.evaluate(SELECT_TEXT, sentence)
    button = page.locator(".fc-sentence-button")
    button.wait_for(state="visible")
    button.click()
    page.wait_for_selector("#claim_form")
    assert page.input_value("#id_quote") == sentence
    page.fill("#id_text", "泄露的模型生成一分钟视频需要十分钟以上。")
    page.select_option("#id_verdict", Verdict.MOSTLY_TRUE)
    page.fill("#id_explanation", "两份独立报道给出相同的渲染时间。")
    page.select_option("#id_status", ClaimStatus.IN_REVIEW)
    rows = page.locator("#evidence-group tr.form-row:not(.empty-form)")
    before = rows.count()
    page.click("#evidence-group .add-row a")
    page.fill(f"#evidence-{before} input[name$='-url']", "https://example.org/render-times")
    page.select_option(f"#evidence-{before} select[name$='-stance']", Stance.SUPPORTS)
    page.fill(f"#evidence-{before} textarea[name$='-excerpt']", "超过 10 分钟的处理时间")
    save(page)
    made = Claim.objects.get(text="泄露的模型生成一分钟视频需要十分钟以上。")
    assert (made.quote, made.article_id, made.status) == (sentence, article.pk, ClaimStatus.IN_REVIEW)
    assert made.language.lower().startswith("zh")

    # 6. She cannot publish her own verdict: she asks omar to approve it, by assigning it to him with a note.
    page.goto(f"/admin/claims/claim/{made.pk}/change/")
    assert "丽塔" in page.locator("#fc-review").inner_text()  # who must approve: someone other than her
    page.click(".object-tools .fc-assign-link")
    page.wait_for_selector("#id_assignee")
    page.select_option("#id_assignee", value=str(omar.pk))
    page.fill("#id_note", "请核准并发布。")
    page.click("input[name=apply]")
    page.wait_for_selector("#claim_form")
    assert Claim.objects.get(pk=made.pk).assignee_id == omar.pk

    colleague = page_factory(locale="zh-CN", viewport=VIEWPORT, timezone_id="Asia/Shanghai")
    log_in(colleague, "omar")
    assert colleague.locator("[data-panel=assigned_mine] .fc-count-n").inner_text() == "1"
    colleague.goto(f"/admin/claims/claim/{made.pk}/change/")
    colleague.locator("#fc-review button[formaction$='/approve/']").click()
    colleague.wait_for_selector("#fc-review .fc-approved")
    colleague.select_option("#id_status", ClaimStatus.PUBLISHED)
    save(colleague)
    assert colleague.locator(".messagelist .success").count() == 1, colleague.content()

    made = Claim.objects.get(pk=made.pk)
    assert made.status == ClaimStatus.PUBLISHED
    approval = ClaimReviewEvent.objects.get(claim=made, kind=ReviewEventKind.APPROVED)
    assert approval.actor_id == omar.pk

    # The history tells it in Chinese: the approval and the assignment, in her zone.
    page.goto(f"/admin/claims/claim/{made.pk}/history/")
    history = page.locator("#content").inner_text()
    with translation.override("zh-hans"):
        approved, assignee_label = (
            str(ReviewEventKind.APPROVED.label),
            str(Claim._meta.get_field("assignee").verbose_name),
        )
    assert approved in history
    assert assignee_label.lower() in history.lower()  # the assignment to omar is a change of the claim
    assert "CST" in history
    screenshot(page, "reviewer-day-zh-history")

    # The same four screens in English, for the README's side by side.
    profile_set_preferences(user=rita, language="en", time_zone="Asia/Shanghai")
    for name, path in _pages(page, made).items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("lang") == "en"
        screenshot(page, f"reviewer-day-en-{name}")
    profile_set_preferences(user=rita, language="zh-hans", time_zone="Asia/Shanghai")
    for name in ("dashboard", "list"):
        page.goto(_pages(page, made)[name])
        page.wait_for_load_state("networkidle")
        screenshot(page, f"reviewer-day-zh-{name}-after")
