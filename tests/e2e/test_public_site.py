"""The readers' site in headless Chromium: the reader's flow in English and Simplified Chinese, the language switch,
axe-core on every page type, a 375 px phone with long unbroken content, no script on the claim page, and the
screenshots the README uses (var/screenshots/public-*.png)."""

import contextlib
import importlib
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone, translation
from playwright.sync_api import Error as PlaywrightError

from claims.choices import ClaimStatus, Stance, Verdict
from claims.models import Claim, Tag
from public.models import Page, Tip, TipKind
from sources.choices import Health
from sources.models import Source
from tests.e2e.conftest import axe_violations, horizontal_overflow
from tests.factories import ArticleFactory, EvidenceFactory, PublishedClaimFactory, SourceFactory, UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = 375
LOCALES = {"en": "en-GB", "zh": "zh-CN"}  # what the reader's browser sends; the site must answer in its language
HTML_LANG = {"en": "en", "zh": "zh-hans"}

# The demo claim the reader looks for: an English text of ours on a Chinese quote.
FLOW_CLAIM = "Videos made through the leaked Sora page could be up to 10 seconds long."
FLOW_QUERY = "Sora seconds"

# A claim reviewed in Chinese, written as a Chinese-language desk would (shown in the screenshots).
ZH_CLAIM_TEXT = "OpenAI 在 2024 年 2 月首次展示了 Sora 视频生成模型。"
ZH_CLAIM_EXPLANATION = (
    "OpenAI 于 2024 年 2 月 15 日在其官网发布了 Sora 的介绍页面，并附有多段生成视频示例。"
    "当时该模型只向少数安全研究人员和艺术家开放测试，没有向公众发布。"
)

# Long unbroken content: a source address with no break opportunity, an English word longer than a phone, and a
# Chinese paragraph with no spaces at all.
LONG_URL = "https://example.org/" + "archive-of-a-very-long-path-segment-" * 8 + "x" * 120
LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3
LONG_CHINESE = "据多家媒体报道该视频生成模型在泄露后数小时内即被关闭访问" * 12
STRESS_CLAIM_TEXT = f"有人声称{LONG_WORD}模型已经向所有用户开放。"


def translated(text: str, code: str) -> str:
    """`text` as a reader of `code` reads it (the site's catalogues)."""
    with translation.override(HTML_LANG[code]):
        return str(translation.gettext(text))


def verdict_label(verdict: str, code: str) -> str:
    with translation.override(HTML_LANG[code]):
        return str(Verdict(verdict).label)


def starting_pages() -> None:
    """The desk's pages as their migration writes them (a transactional test before this one flushed them)."""
    if not Page.objects.exists():
        importlib.import_module("public.migrations.0002_starting_pages").create_pages(apps, None)


@dataclass
class Site:
    flow_claim: Claim
    zh_claim: Claim
    retracted_claim: Claim


@pytest.fixture
def site(settings) -> Site:
    """The demo's Sora-leak story (Chinese quotes, English reviews), one claim reviewed in Chinese, the desk's
    pages; a tip limit no test here reaches (the limiter's counts outlive the test database)."""
    settings.TIPS_RATE = "1000/hour"
    call_command("load_demo", verbosity=0)
    starting_pages()
    article = ArticleFactory(
        url="https://openai.com/index/sora/", title="Sora: Creating video from text", outlet="OpenAI", language="en"
    )
    zh_claim = PublishedClaimFactory(
        article=article,
        text=ZH_CLAIM_TEXT,
        quote="Introducing Sora, our text-to-video model.",
        language="en",
        claimant="OpenAI",
        review_language="zh-Hans",
        verdict=Verdict.TRUE,
        explanation=ZH_CLAIM_EXPLANATION,
        evidence__source=Source.objects.get(url="https://openai.com/index/sora/"),  # the demo cites it too
        evidence__excerpt="Today, Sora is becoming available to red teamers to assess critical areas for harms.",
    )
    return Site(
        flow_claim=Claim.objects.get(text=FLOW_CLAIM),
        zh_claim=zh_claim,
        retracted_claim=Claim.objects.filter(status=ClaimStatus.RETRACTED).first(),
    )


@pytest.fixture
def stress_claim(site) -> Claim:
    """A published claim whose every field is as long and unbroken as a reader's screen can be made to bear."""
    article = ArticleFactory(url=LONG_URL, title="", outlet=LONG_WORD, language="zh-Hans")
    claim = PublishedClaimFactory(
        article=article,
        text=STRESS_CLAIM_TEXT,
        quote=LONG_CHINESE,
        language="zh-Hans",
        claimant=LONG_CHINESE[:60],
        review_language="zh-Hans",
        verdict=Verdict.MOSTLY_FALSE,
        explanation=f"{LONG_CHINESE}\n\n{LONG_WORD} {LONG_URL}",
        published_at=timezone.now() - timedelta(days=400),  # kept off the home page's screenshot
        evidence__source=SourceFactory(url=LONG_URL, title=""),
        evidence__excerpt=LONG_CHINESE,
    )
    dead = SourceFactory(url=LONG_URL + "/dead", title=LONG_WORD, health=Health.DEAD, archive_url=LONG_URL + "/arc")
    EvidenceFactory(claim=claim, source=dead, stance=Stance.REFUTES, excerpt=LONG_WORD)
    claim.tags.add(Tag.objects.create(name=LONG_WORD[:60]))
    return claim


def html_lang(page) -> str:
    return page.get_attribute("html", "lang")


def claim_url(claim: Claim) -> str:
    from public.links import claim_path

    return claim_path(claim.pk, claim.text)


# ---------------------------------------------------------------------------------------------------------------
# 1. The reader's flow


@pytest.mark.parametrize("code", ["en", "zh"])
def test_reader_searches_opens_a_claim_and_reports_an_error(site, reader_page, screenshot, code):
    claim = site.flow_claim
    page = reader_page(LOCALES[code])

    page.goto("/")
    assert html_lang(page) == HTML_LANG[code]
    assert page.locator("h1").inner_text() == translated("The latest fact-checks", code)
    assert page.locator("label[for=home-q]").inner_text() == translated("Search the fact-checks", code)

    page.fill("#home-q", FLOW_QUERY)
    with page.expect_navigation():
        page.locator("form.search-box button[type=submit]").click()
    assert page.url.endswith("/claims/?q=Sora+seconds")
    assert html_lang(page) == HTML_LANG[code]
    assert page.locator("h1").inner_text() == translated("All fact-checks", code)
    assert page.locator("#results-heading").inner_text() == translated("Results, most relevant first", code)
    assert page.input_value("#f-q") == FLOW_QUERY
    result = page.locator(".claim-item", has=page.get_by_role("link", name=FLOW_CLAIM, exact=True))
    assert result.locator(".fc-label").inner_text() == verdict_label(claim.verdict, code)

    with page.expect_navigation():
        result.get_by_role("link", name=FLOW_CLAIM, exact=True).click()
    assert page.url.endswith(claim_url(claim))
    assert html_lang(page) == HTML_LANG[code]
    heading = page.locator("h1")
    assert heading.inner_text() == FLOW_CLAIM  # as written, in the review's language, in either interface
    assert heading.get_attribute("lang") == "en"
    assert page.locator(".claim-kicker").inner_text().casefold() == translated("Fact-check", code).casefold()
    label = page.locator(".claim-verdict .fc-label")
    assert label.inner_text() == verdict_label(claim.verdict, code)
    assert label.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(21, 128, 61)"  # the true label's
    quote = page.locator(".claim-quote blockquote")
    assert quote.inner_text() == claim.quote  # the article's Chinese, untranslated
    assert quote.get_attribute("lang") == "zh-Hans"
    screenshot(page, f"public-claim-{code}")

    with page.expect_navigation():
        page.get_by_role("link", name=translated("Report an error", code), exact=True).click()
    assert page.url.endswith(f"/tips/?claim={claim.pk}")
    assert page.locator("h1").inner_text() == translated("Report an error in a fact-check", code)
    reported = page.locator(".tip-reported")
    assert reported.locator("h2").inner_text() == translated("The fact-check you are reporting", code)
    assert reported.get_by_role("link", name=FLOW_CLAIM, exact=True).get_attribute("href") == claim_url(claim)
    assert page.locator("label[for=id_text]").inner_text() == translated("What is wrong in this fact-check", code)

    report = {"en": "The leaked page also offered 5-second clips.", "zh": "泄露页面也提供 5 秒的短片。"}[code]
    page.fill("#id_text", report)
    with page.expect_navigation():
        page.get_by_role("button", name=translated("Send the report", code)).click()
    assert page.locator("h1").inner_text() == translated("Thank you", code)
    assert page.get_by_role("link", name=FLOW_CLAIM, exact=True).count() == 1
    tip = Tip.objects.get(text=report)
    assert (tip.kind, tip.matched_claim_id) == (TipKind.ERROR_REPORT, claim.pk)


# ---------------------------------------------------------------------------------------------------------------
# 2. The language switch


def test_language_switch_shows_the_same_page_and_is_remembered(site, reader_page):
    claim = site.zh_claim
    page = reader_page(LOCALES["en"])
    page.goto(claim_url(claim))
    assert html_lang(page) == "en"
    assert page.locator(".claim-verdict .fc-label").inner_text() == verdict_label(claim.verdict, "en")
    assert page.locator(".language button[aria-current=true]").inner_text() == "English"

    with page.expect_navigation():
        page.get_by_role("button", name="简体中文").click()
    assert page.url.endswith(claim_url(claim))  # the same page
    assert html_lang(page) == "zh-hans"
    assert page.locator(".claim-verdict .fc-label").inner_text() == verdict_label(claim.verdict, "zh")
    assert page.locator("h1").inner_text() == ZH_CLAIM_TEXT
    assert page.locator(".language button[aria-current=true]").inner_text() == "简体中文"
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies.get("django_language") == "zh-hans"

    # The next page too, although the browser still asks for English.
    page.goto("/claims/")
    assert html_lang(page) == "zh-hans"
    assert page.locator("h1").inner_text() == translated("All fact-checks", "zh")

    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.url.endswith("/claims/")
    assert html_lang(page) == "en"
    page.goto("/")
    assert page.locator("h1").inner_text() == "The latest fact-checks"


# ---------------------------------------------------------------------------------------------------------------
# 3 and 4. axe-core on every page type; nothing wider than a phone


def page_types(site: Site, stress: Claim) -> list[tuple[str, str]]:
    return [
        ("home", "/"),
        ("archive", "/claims/"),
        ("archive-query", f"/claims/?q={FLOW_QUERY.replace(' ', '+')}"),
        ("archive-error", "/claims/?published_after=yesterday&verdict=nonsense"),
        ("claim", claim_url(site.flow_claim)),
        ("claim-zh-review", claim_url(site.zh_claim)),
        ("claim-retracted", claim_url(site.retracted_claim)),
        ("claim-long", claim_url(stress)),
        ("embed", f"/claims/{site.flow_claim.pk}/embed/"),
        ("embed-long", f"/claims/{stress.pk}/embed/"),
        ("about", "/about/"),
        ("methodology", "/about/methodology/"),
        ("corrections-policy", "/about/corrections-policy/"),
        ("funding", "/about/funding/"),
        ("contact", "/about/contact/"),
        ("tips", "/tips/"),
        ("tips-report", f"/tips/?claim={stress.pk}"),
        *[(name, path) for name, path in PENDING_PAGE_TYPES],
    ]


# Page types added after the first ones (the corrections log).
PENDING_PAGE_TYPES: list[tuple[str, str]] = [
    ("corrections", "/corrections/"),
]


# Moderate in axe's scale, but the site's own rule (headings in order): held here as strictly as serious ones.
ALSO_HELD = {"heading-order"}


def violations(page) -> list[dict]:
    """axe-core's serious and critical violations, and those of ALSO_HELD."""
    found = axe_violations(page, impacts=("moderate", "serious", "critical"))
    return [v for v in found if v["impact"] != "moderate" or v["id"] in ALSO_HELD]


def tip_with_an_error(page) -> None:
    """The tip form's error state: a control character the server refuses (the browser cannot catch it)."""
    page.fill("#id_text", "A claim with a bell \x07 in it.")
    with page.expect_navigation():
        page.locator(".tip-form button[type=submit]").click()
    assert page.locator(".form-errors").is_visible()


def test_axe_finds_what_it_should(site, reader_page):
    """The harness can fail: grey on white and an unlabelled field, added to a page, are found."""
    page = reader_page()
    page.goto("/")
    page.evaluate(
        """() => {
            const p = document.createElement("p"); p.textContent = "Faint"; p.style.color = "#ccc";
            document.querySelector("main").append(p, document.createElement("input"));
        }"""
    )
    assert {v["id"] for v in axe_violations(page)} >= {"color-contrast", "label"}


@pytest.mark.parametrize("code", ["en", "zh"])
def test_every_page_type_has_no_serious_axe_violation(site, stress_claim, reader_page, code):
    page = reader_page(LOCALES[code])
    found = {}
    for name, path in page_types(site, stress_claim):
        response = page.goto(path)
        assert response.status == (400 if name == "archive-error" else 200), (name, path, response.status)
        assert html_lang(page) == HTML_LANG[code], name
        if found_here := violations(page):
            found[name] = found_here
    page.goto("/tips/")
    tip_with_an_error(page)
    if found_here := violations(page):
        found["tips-errors"] = found_here
    page.goto("/tips/")
    page.fill("#id_text", "Hot water cures the flu.")
    with page.expect_navigation():
        page.locator(".tip-form button[type=submit]").click()
    if found_here := violations(page):
        found["tips-thanks"] = found_here
    assert found == {}


@pytest.mark.parametrize("code", ["en", "zh"])
def test_no_page_type_scrolls_sideways_on_a_phone(site, stress_claim, reader_page, screenshot, code):
    page = reader_page(LOCALES[code], width=PHONE, height=740)
    overflowing = {}
    for name, path in [*page_types(site, stress_claim), ("archive-long", "/claims/?q=Pneumonoultramicroscopic")]:
        page.goto(path)
        if excess := horizontal_overflow(page):
            overflowing[name] = excess
    page.goto(f"/tips/?claim={stress_claim.pk}")
    tip_with_an_error(page)
    if excess := horizontal_overflow(page):
        overflowing["tips-errors"] = excess
    assert overflowing == {}
    # The stress claim really was on the pages measured.
    page.goto("/claims/?q=Pneumonoultramicroscopic")
    assert page.locator(".claim-item").count() == 1
    page.goto(claim_url(stress_claim))
    assert LONG_URL in page.content()
    screenshot(page, f"public-claim-long-phone-{code}")


# ---------------------------------------------------------------------------------------------------------------
# 5. No script runs


def test_the_claim_page_runs_no_script(site, new_page):
    page = new_page()  # a context that honours the page's CSP
    blocked = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else 0)
    response = page.goto(claim_url(site.flow_claim))
    assert response.status == 200

    csp = {
        directive.split()[0]: directive.split()[1:]
        for directive in (part.strip() for part in response.headers["content-security-policy"].split(";"))
        if directive
    }
    assert csp["default-src"] == ["'none'"]
    assert csp.get("script-src", ["'none'"]) == ["'none'"]  # no script-src: default-src 'none' governs scripts

    scripts = page.locator("script")
    assert scripts.count() == 1
    assert scripts.first.get_attribute("type") == "application/ld+json"
    assert page.locator("[onclick], [onload], [onerror], [onmouseover]").count() == 0

    # And the browser enforces it: a script slipped into the page does not run.
    with contextlib.suppress(PlaywrightError):  # Playwright may report the refusal as an error of its own
        page.add_script_tag(content="window.injected = true;")
    assert page.evaluate("() => window.injected === undefined")
    assert blocked, "the browser reported the blocked script"


# ---------------------------------------------------------------------------------------------------------------
# 6. Screenshots


def test_screenshots(site, reader_page, screenshot):
    """public-claim-en/zh.png are taken by the reader's flow; these are the rest."""
    page = reader_page(LOCALES["en"])
    page.goto("/")
    screenshot(page, "public-home")
    page.goto(f"/claims/?q={FLOW_QUERY.replace(' ', '+')}")
    screenshot(page, "public-archive")
    page.goto("/tips/")
    screenshot(page, "public-tips")
    for name, path in PENDING_PAGE_TYPES:
        page.goto(path)
        screenshot(page, f"public-{name}")

    zh = reader_page(LOCALES["zh"])
    zh.goto("/")
    screenshot(zh, "public-home-zh")
    zh.goto(claim_url(site.zh_claim))
    screenshot(zh, "public-claim-zh-review")

    phone = reader_page(LOCALES["zh"], width=PHONE, height=740)
    phone.goto(claim_url(site.flow_claim))
    screenshot(phone, "public-claim-phone")


# ---------------------------------------------------------------------------------------------------------------
# 7. The admin's "View site"


def test_admin_view_site_goes_to_the_home_page(client):
    staff = UserFactory(username="ada", is_staff=True)
    client.force_login(staff)
    admin = client.get("/admin/")
    assert admin.status_code == 200
    assert admin.context["site_url"] == "/"
    assert b'<a href="/">' in admin.content
    assert client.get("/").status_code == 200
