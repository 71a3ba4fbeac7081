"""A zh-Hans reviewer (Accept-Language: zh-Hans) reads the admin in Chinese: no English string of ours is left on the
dashboard, the claim page or the source page (issue 18).

Two checks over the text a reader sees (text nodes, and the titles, placeholders, labels and button values a browser
shows). Every msgid of our catalogues (claims, sources, factcheck), split at its placeholders, must not appear: a
string we marked but did not translate, or rendered outside the language. And, the data being Chinese, no English
word may be left at all except those named below (code, units, names): a string we never marked shows up there.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.core.cache import cache
from django.utils import timezone

from claims.choices import ClaimStatus, Stance, Verdict
from sources.choices import Failure, Health, Outcome
from tests import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
OURS = ("claims", "sources", "factcheck")
ZH = {"accept-language": "zh-Hans"}

# Latin words a Chinese page keeps: names, codes, units and formats a reviewer types or reads as they are.
KEPT = {
    "django",  # "Django 站点管理员", Django's own title
    "http",
    "https",
    "ms",
    "bcp",  # BCP 47 tags
    "zh",
    "hans",
    "en",
    "usd",
    "s",  # units in the figure's help: "10 s、1080 p"
    "p",
    "zh-hans",
    "factcheck_review_language",
    "claimreview",
    "utc",
    "id",
    "url",
    "rita",  # the reviewer's user name
    "omar",
    "svg",
    "dns",  # "DNS、连接或 TLS 错误"
    "tls",
    "api",  # "公开 API": the word Chinese readers use too
    "webhook",  # "Webhook 订阅" (the admin's nav, for reviewers): the word Chinese developers use too
}
# Django's own, left in English by its zh_Hans catalogue (the app list's visually hidden table headings): not ours.
THEIRS = ("Model name", "Add link", "Change or view list link")
_PLACEHOLDER = re.compile(r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[sd]|\{\{[^}]*\}\}|<[^>]+>")
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w.-]+\.(?:org|com|example)\b\S*")
_WORD = re.compile(r"[A-Za-z][A-Za-z_'’-]*[A-Za-z]|[A-Za-z]")


class _Visible(HTMLParser):
    """What a reader sees: text outside script, style and template, and the attributes a browser shows."""

    SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        attrs = dict(attrs)
        if tag == "img" and "/admin/img/" in (attrs.get("src") or ""):
            return  # Django's icons, whose alt Django leaves in English ("Search") or as the Python value ("False")
        for name in self.SHOWN_ATTRIBUTES:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts)


def our_msgids() -> list[str]:
    """The English fragments of every msgid of our catalogues, between placeholders and tags, that the Chinese
    does not keep as it is (a name such as ClaimReview stays in both)."""
    fragments = set()
    for app in OURS:
        for entry in polib.pofile(str(ROOT / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")):
            chinese = entry.msgstr or " ".join(entry.msgstr_plural.values())
            for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
                for fragment in _PLACEHOLDER.split(msgid):
                    fragment = fragment.strip(" .,;:()“”\"'…—–-#")
                    if len(_WORD.findall(fragment)) and len(fragment) >= 3 and fragment not in chinese:
                        fragments.add(fragment)
    return sorted(fragments, key=len, reverse=True)


def english_left(html: str, *, data: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """(our msgids found, English words found) in the visible text of ``html``."""
    text = visible_text(html)
    for value in (*data, *THEIRS):
        text = text.replace(value, " ")
    text = _URL.sub(" ", text)
    found = []
    for fragment in our_msgids():
        pattern = r"(?<![A-Za-z0-9_])" + re.escape(fragment) + r"(?![A-Za-z0-9_])"
        if re.search(pattern, text, flags=re.IGNORECASE):
            found.append(fragment)
    words = sorted({w for w in _WORD.findall(text) if w.lower() not in KEPT})
    return found, words


@pytest.fixture
def chinese_claim(reviewer):
    """A claim as a Chinese desk has it: its text, quote, article, sources and reviews are Chinese."""
    cache.clear()
    article = factories.ArticleFactory(
        title="OpenAI 暂停 Sora 早期访问", outlet="某科技媒体", language="zh-Hans", url="https://news.example.org/zh/1"
    )
    claim = factories.ClaimFactory(
        article=article,
        text="泄露的 Sora 页面生成的视频最长 10 秒。",
        quote="视频最长可达 10 秒",
        claimant="某自媒体",
        language="zh-Hans",
        verdict=Verdict.MOSTLY_TRUE,
        explanation="多家媒体的报道一致认为最长为 10 秒。",
        review_language="zh-Hans",
        status=ClaimStatus.PUBLISHED,
        published_at=timezone.now(),
        reviewed_at=timezone.now(),
        reviewer=reviewer,
        recheck_after=timezone.localdate(),
    )
    dead = factories.SourceFactory(url="https://source.example.org/zh/gone", title="已删除的报道", health=Health.DEAD)
    live = factories.SourceFactory(url="https://source.example.org/zh/live", title="仍在的报道", health=Health.OK)
    factories.EvidenceFactory(claim=claim, source=dead, stance=Stance.SUPPORTS, excerpt="最长 10 秒", note="原始报道")
    factories.EvidenceFactory(claim=claim, source=live, stance=Stance.CONTEXT, excerpt="1080p", note="背景")
    factories.LinkCheckFactory(
        source=dead,
        outcome=Outcome.CONNECTION_ERROR,
        failure=Failure.REFUSED,
        http_status=None,
        error="ClientConnectorError: Cannot connect to host source.example.org:443 ssl:default [Connect call failed]",
    )
    factories.LinkCheckFactory(source=live, outcome=Outcome.OK, http_status=200)
    factories.ExternalReviewFactory(
        claim=claim,
        claim_reviewed="泄露的 Sora 视频最长 10 秒",
        publisher_name="某核查机构",
        rating_text="基本属实",
        verdict=Verdict.MOSTLY_TRUE,
        language="zh-Hans",
    )
    factories.ClaimFactory(text="尚未评级的说法。", quote="", claimant="", language="zh-Hans", article=article)
    return claim


def _assert_chinese(response, *, data: tuple[str, ...] = ()):
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    msgids, words = english_left(html, data=data)
    assert msgids == [], f"strings of ours left in English: {msgids}"
    assert words == [], f"English words left on the page: {words}"


def test_the_dashboard_is_chinese_for_a_chinese_reviewer(client, reviewer, chinese_claim):
    client.force_login(reviewer)
    response = client.get("/admin/", headers={"accept-language": "zh-Hans"})
    assert "需要关注" in response.content.decode()
    _assert_chinese(response, data=("Sora", "OpenAI"))


def test_the_claim_page_is_chinese_for_a_chinese_reviewer(client, reviewer, chinese_claim):
    client.force_login(reviewer)
    response = client.get(f"/admin/claims/claim/{chinese_claim.pk}/change/", headers={"accept-language": "zh-Hans"})
    body = response.content.decode()
    assert "核查结论" in body
    assert "基本属实" in body  # the verdict's label
    _assert_chinese(response, data=("Sora", "OpenAI", "1080p"))


def test_the_source_page_says_why_a_link_failed_in_chinese(client, reviewer, chinese_claim):
    source = chinese_claim.evidence.get(source__health=Health.DEAD).source
    client.force_login(reviewer)
    response = client.get(f"/admin/sources/source/{source.pk}/change/", headers={"accept-language": "zh-Hans"})
    body = response.content.decode()
    assert "服务器拒绝了连接" in body
    # The checker's own text stays for diagnosis, folded away: it is the one English passage allowed.
    checker = "ClientConnectorError: Cannot connect to host source.example.org:443 ssl:default [Connect call failed]"
    assert checker in body
    _assert_chinese(response, data=(checker, "Sora", "OpenAI", "1080p"))


# Names the Chinese keeps as they are: formats and services a reviewer knows by these names.
NAMES = ("Fact Check API", "JSON-LD", "DataFeed", "ld+json", "HTML", "Markdown", "JSON")


@pytest.mark.parametrize(
    "page",
    [
        "/admin/claims/claim/",
        "/admin/claims/claim/?needs_attention=yes",
        "/admin/claims/claim/add/",
        "/admin/claims/evidence/",
        "/admin/claims/article/",
        "/admin/claims/article/{article}/change/",
        "/admin/claims/article/import/",
        "/admin/claims/claim/import-claimreview/",
        "/admin/claims/tag/",
        "/admin/sources/source/",
        "/admin/sources/linkcheck/",
        "/admin/sources/linkcheck/{check}/change/",
    ],
)
def test_the_other_pages_of_ours_are_chinese_too(client, reviewer, chinese_claim, page):
    check = chinese_claim.evidence.get(source__health=Health.DEAD).source.checks.get()
    client.force_login(reviewer)
    response = client.get(page.format(article=chinese_claim.article_id, check=check.pk), headers=ZH)
    _assert_chinese(response, data=(check.error, check.run_key, "Sora", "OpenAI", "1080p", *NAMES))


def test_a_bulk_action_speaks_chinese(client, reviewer, chinese_claim):
    client.force_login(reviewer)
    chosen = {"_selected_action": [chinese_claim.pk]}
    form = client.post("/admin/claims/claim/", {"action": "set_verdict", **chosen}, headers=ZH)
    _assert_chinese(form, data=("Sora", "OpenAI"))
    done = client.post(
        "/admin/claims/claim/", {"action": "set_verdict", "apply": "1", "verdict": "false", **chosen}, headers=ZH
    )
    assert done.status_code == 302
    listing = client.get(done["Location"], headers=ZH)
    body = listing.content.decode()
    assert "1 条说法保持不变" in body  # a published verdict changes only with a public note
    assert "请附上公开更正说明，重新设置核查结论。" in body
    _assert_chinese(listing, data=("Sora", "OpenAI"))


def test_the_same_pages_stay_english_without_the_header(client, reviewer, chinese_claim):
    client.force_login(reviewer)
    body = client.get(f"/admin/claims/claim/{chinese_claim.pk}/change/").content.decode()
    assert '<html lang="en"' in body
    assert "Public correction log" in body
    assert "核查结论" not in body


def test_the_check_finds_an_english_string_of_ours():
    """The check itself: an untranslated msgid, and an English word no catalogue holds, are both found."""
    msgids, words = english_left("<p>需要关注</p><p>Needs attention</p><p title='Some other words'>好</p>")
    assert "Needs attention" in msgids
    assert {"Needs", "attention", "Some", "other", "words"} <= set(words)
