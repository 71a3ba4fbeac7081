"""Screens that fit a 1280 × 900 window, measured in Chromium: the claim list (every column in sight, long titles on
one line with the whole title on hover, at least ten claims on the first screen) and the claim page with its inlines
(nothing wider than the window); and the way from an article to a claim (select a sentence, "New claim from this
sentence", cite one of the links the import found). Screenshots in English and Chinese go to var/screenshots/."""

import re

import pytest
from django.core.management import call_command

from claims.choices import Stance
from claims.demo import sora_leak
from claims.importers.article import article_data_from_path
from claims.importers.services import article_import
from claims.models import Appearance, Claim
from tests.factories import ExternalReviewFactory, ReviewerFactory
from tests.importers.conftest import FIXTURES

from .conftest import horizontal_overflow
from .test_reviewer_flow import log_in, save

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

VIEWPORT = {"width": 1280, "height": 900}
LOCALES = {"en": "en-GB", "zh": "zh-CN"}  # the browser's Accept-Language

# Every element of the page's content whose box passes the window's right edge, whether the page scrolls or a box
# inside it does: a column clipped by the list's own scroll box is as far out of sight as one past the window.
PAST_THE_EDGE = """() => {
    const edge = document.documentElement.clientWidth;
    const out = [];
    for (const el of document.querySelectorAll('#content *')) {
        const box = el.getBoundingClientRect();
        if (box.width > 0 && box.height > 0 && box.right > edge + 1) {
            out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className}: ${Math.round(box.right)} px`);
        }
    }
    return out;
}"""

# Boxes whose content is wider than they are, so that they scroll or clip sideways.
SCROLLING_SIDEWAYS = """(selector) => [...document.querySelectorAll(selector)]
    .filter(el => el.scrollWidth > el.clientWidth + 1)
    .map(el => `${el.id || el.className}: ${el.scrollWidth} px in ${el.clientWidth} px`)"""

ROWS_IN_VIEW = """() => [...document.querySelectorAll('#result_list tbody tr')]
    .filter(row => row.getBoundingClientRect().bottom <= window.innerHeight).length"""

SELECT_TEXT = """(sentence) => {
    const box = document.querySelector('.fc-article-text');
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.data.indexOf(sentence);
        if (at >= 0) {
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + sentence.length);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
            return true;
        }
    }
    return false;
}"""


@pytest.fixture
def desk():
    """The demo (18 claims on the article with the long Chinese title), a reviewer, and a claim with every inline:
    evidence, a further appearance and another desk's review."""
    call_command("load_demo", verbosity=0)
    ReviewerFactory(username="rita")
    claim = Claim.objects.get(tags__name="demo:leak-model")
    ExternalReviewFactory(claim=claim, publisher_name="Example Fact Check", rating_text="Misleading")
    Appearance.objects.create(
        claim=claim, url="https://example.org/a-repost-of-the-leak-story", quote=claim.quote, article=claim.article
    )
    return claim


def reviewer_page(page_factory, lang: str):
    page = page_factory(locale=LOCALES[lang], viewport=VIEWPORT, timezone_id="Asia/Shanghai")
    log_in(page, "rita")
    return page


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_claim_list_shows_every_column_and_ten_claims(desk, page_factory, screenshot, lang):
    page = reviewer_page(page_factory, lang)
    page.goto("/admin/claims/claim/")
    page.wait_for_selector("#result_list")
    screenshot(page, f"admin-claim-list-{lang}")

    assert horizontal_overflow(page) == 0
    assert page.evaluate(SCROLLING_SIDEWAYS, "#changelist-form .results") == []
    assert page.evaluate(PAST_THE_EDGE) == []
    assert page.evaluate(ROWS_IN_VIEW) >= 10

    # The demo's long Chinese title: one line, clipped, the whole title on hover.
    title = page.locator("#result_list td.field-article_title .fc-clip").first
    assert title.get_attribute("title") == sora_leak.ARTICLE["title"]
    height, line = title.evaluate("e => [e.getBoundingClientRect().height, parseFloat(getComputedStyle(e).lineHeight)]")
    assert height <= line * 1.2
    # Every claim's statement is there in full, on hover.
    texts = set(page.locator("#result_list th.field-claim .fc-clip").evaluate_all("els => els.map(e => e.title)"))
    assert texts == set(Claim.objects.values_list("text", flat=True))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_claim_page_and_its_inlines_fit(desk, page_factory, screenshot, lang):
    page = reviewer_page(page_factory, lang)
    page.goto(f"/admin/claims/claim/{desk.pk}/change/")
    page.wait_for_selector("#claim_form")
    for group in ("#evidence-group", "#appearances-group", "#external_reviews-group"):
        assert page.locator(f"{group} tbody tr.has_original").count() >= 1, group
    screenshot(page, f"admin-claim-page-{lang}")

    assert horizontal_overflow(page) == 0
    assert page.evaluate(PAST_THE_EDGE) == []
    assert page.evaluate(SCROLLING_SIDEWAYS, ".inline-group, .inline-group table, .module") == []


def test_the_models_are_in_the_header_and_every_admin_page_loads_our_stylesheet(desk, page_factory):
    page = reviewer_page(page_factory, "en")
    for path in ("/admin/", "/admin/claims/article/import/", "/admin/claims/claim/import-claimreview/"):
        page.goto(path)
        assert page.locator("#nav-sidebar").count() == 0, path
        assert page.locator("#fc-nav a[href='/admin/claims/claim/']").is_visible(), path
        # admin.css is loaded: its rule for the header's links applies.
        assert page.locator("#fc-nav").evaluate("e => getComputedStyle(e).display") == "flex", path
    page.goto("/admin/claims/claim/")
    assert page.locator("#fc-nav a[aria-current=page]").inner_text() == "Claims"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_claim_from_an_article_sentence_citing_a_link_the_import_found(page_factory, screenshot, lang):
    ReviewerFactory(username="rita")
    article, _ = article_import(data=article_data_from_path(FIXTURES / "export-article.md"))
    links = article.candidate_links
    assert len(links) == 3
    sentence = "据《示例日报》报道，原始系统制作一分钟的视频需要超过 10 分钟的处理时间。"
    assert sentence in article.body

    page = reviewer_page(page_factory, lang)
    page.goto(f"/admin/claims/article/{article.pk}/change/")
    button = page.locator(".fc-sentence-button")
    assert button.is_hidden()  # nothing selected yet
    assert page.evaluate(SELECT_TEXT, sentence)
    button.wait_for(state="visible")
    assert page.evaluate(PAST_THE_EDGE) == []
    # The button sits just under the selection, inside the text's box.
    box, text = button.bounding_box(), page.locator(".fc-article-text").bounding_box()
    assert text["y"] < box["y"] < text["y"] + text["height"]
    page.locator(".fc-article-text").scroll_into_view_if_needed()
    screenshot(page, f"admin-article-sentence-{lang}")

    button.click()
    page.wait_for_selector("#claim_form")
    assert re.search(r"/admin/claims/claim/add/\?", page.url)
    assert page.input_value("#id_quote") == sentence
    assert page.input_value("#id_language") == "zh"
    assert page.locator("#id_article").input_value() == str(article.pk)
    assert page.evaluate("() => document.activeElement.id") == "id_text"  # the reviewer writes the checkable text
    page.fill("#id_text", "The system shown first needed more than 10 minutes to make a one-minute video.")

    # The article's links are offered for evidence: "Cite" fills the empty row; the url field suggests them too.
    assert page.locator("#fc-candidate-urls option").count() == 3
    assert page.locator("#evidence-0 input[name$='-url']").get_attribute("list") == "fc-candidate-urls"
    page.locator(f".fc-cite[data-url='{links[0]['url']}']").click()
    assert page.input_value("#evidence-0 input[name$='-url']") == links[0]["url"]
    page.fill("#evidence-0 textarea[name$='-excerpt']", "原始系统制作一分钟的视频需要超过 10 分钟的处理时间")
    page.locator(f".fc-cite[data-url='{links[1]['url']}']").click()  # a second one: a new row is added for it
    assert page.input_value("#evidence-1 input[name$='-url']") == links[1]["url"]
    page.select_option("#evidence-1 select[name$='-stance']", Stance.CONTEXT)
    screenshot(page, f"admin-claim-from-sentence-{lang}")
    save(page)

    claim = Claim.objects.get()
    assert (claim.quote, claim.language, claim.article_id) == (sentence, "zh", article.pk)
    cited = dict(claim.evidence.values_list("source__url", "stance"))
    assert cited == {links[0]["url"]: Stance.SUPPORTS, links[1]["url"]: Stance.CONTEXT}
    # Back on the claim page the two are marked as cited and the third is still offered.
    assert page.locator("#fc-candidates li.fc-cited").count() == 2
    assert page.locator("#fc-candidates .fc-cite").count() == 1
    assert horizontal_overflow(page) == 0
