"""The admin's screens through the test client: the header's links in place of the sidebar, long texts clipped with
the whole text on hover, the article's text with "New claim from this article", and the links an import found
offered for evidence on the claim page. (tests/e2e/test_screens.py measures them in a browser.)"""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from claims.importers.article import article_data_from_path
from claims.importers.base import ArticleData, CandidateLink
from claims.importers.services import article_import
from claims.selectors.articles import CandidateLinkRow, article_candidate_links
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory, PublishedClaimFactory, SourceFactory
from tests.importers.conftest import FIXTURES

pytestmark = pytest.mark.django_db

LONG_TITLE = "白嫖遭反噬！众包测试人员泄露 OpenAI 的 Sora 视频模型以抗议无偿工作"


@pytest.fixture
def rclient(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def imported():
    """The export fixture, imported as a reviewer would: three links in its text."""
    article, _ = article_import(data=article_data_from_path(FIXTURES / "export-article.md"))
    return article


def test_an_import_keeps_the_links_found_in_the_text(imported):
    assert [link["url"] for link in imported.candidate_links] == [
        "https://news.example.org/report/42",
        "https://tools.example.org/list",
        "https://mp.weixin.qq.com/s?__biz=TESTBIZ==&mid=99&idx=2&sn=def&scene=21",
    ]
    assert imported.candidate_links[0]["text"] == "《示例日报》报道"


def test_a_reimport_that_finds_no_links_keeps_the_ones_found_before(imported):
    article, created = article_import(data=ArticleData(url=imported.url, title="New title"))
    assert not created
    assert article.title == "New title"
    assert len(article.candidate_links) == 3


def test_link_text_that_would_act_is_stored_escaped():
    data = ArticleData(url="https://news.example.org/a", links=[CandidateLink("https://x.example.org/", "a\x00b")])
    article, _ = article_import(data=data)
    assert article.candidate_links == [{"url": "https://x.example.org/", "text": "a\\u0000b"}]


def test_the_models_are_links_in_the_header_not_a_sidebar(rclient):
    response = rclient.get(reverse("admin:claims_claim_changelist"))
    html = response.content.decode()
    assert response.context["is_nav_sidebar_enabled"] is False
    assert 'id="nav-sidebar"' not in html
    assert '<nav id="fc-nav"' in html
    assert '<a href="/admin/claims/claim/" aria-current="page">Claims</a>' in html
    assert '<a href="/admin/sources/source/">Sources</a>' in html
    # One stylesheet of ours on every admin page, then the labels' generated colours.
    assert html.count("claims/admin.css") == 1
    assert html.index("claims/admin.css") < html.index("claims/labels.css")
    assert "claims/admin.js" in html


def test_the_list_clips_long_texts_and_keeps_them_whole_on_hover(rclient):
    article = ArticleFactory(title=LONG_TITLE)
    long_text = "A statement long enough to need three lines in its column, " * 4
    ClaimFactory(article=article, text=long_text, claimant="PR-Puppets (group of Sora early-access testers)")
    html = rclient.get(reverse("admin:claims_claim_changelist")).content.decode()
    assert f'<span class="fc-clip fc-clip-1" title="{LONG_TITLE}">{LONG_TITLE}</span>' in html
    assert f'title="{long_text}"' in html
    assert 'class="fc-clip fc-clip-2" title="PR-Puppets (group of Sora early-access testers)"' in html


def test_the_article_page_shows_the_text_and_offers_a_new_claim(rclient, imported):
    response = rclient.get(reverse("admin:claims_article_change", args=[imported.pk]))
    html = response.content.decode()
    assert '<div class="fc-article-text" lang="zh">' in html
    assert "<p>一群测试人员称" in html
    box = html[html.index('<div class="fc-new-claim"') :]
    href = box[box.index('href="') + 6 : box.index('">New claim from this article')]
    url = urlsplit(href.replace("&amp;", "&"))
    assert url.path == reverse("admin:claims_claim_add")
    assert parse_qs(url.query) == {"article": [str(imported.pk)], "language": ["zh"]}
    assert 'data-label="New claim from this sentence"' in box
    assert 'data-max="500"' in box
    # The links the import found are listed; the body field is still there to edit, folded away.
    assert "https://tools.example.org/list" in html
    assert 'name="body"' in html


def test_a_researcher_reads_the_text_but_is_offered_no_new_claim(client, researcher, imported):
    researcher.is_staff = True
    researcher.save()
    PublishedClaimFactory(article=imported)  # researchers see articles with a public claim
    client.force_login(researcher)
    html = client.get(reverse("admin:claims_article_change", args=[imported.pk])).content.decode()
    assert "fc-article-text" in html
    assert "fc-new-claim" not in html


def test_the_add_form_takes_quote_language_and_article_from_the_link(rclient, imported):
    quote = "据《示例日报》报道，原始系统制作一分钟的视频需要超过 10 分钟的处理时间。"
    response = rclient.get(
        reverse("admin:claims_claim_add"), {"article": imported.pk, "language": "zh", "quote": quote}
    )
    form = response.context["adminform"].form
    assert (form["quote"].value(), form["language"].value(), str(form["article"].value())) == (
        quote,
        "zh",
        str(imported.pk),
    )
    assert [link.url for link in response.context["candidate_links"]] == [
        link["url"] for link in imported.candidate_links
    ]


def test_the_claim_page_offers_the_articles_links_and_marks_those_cited(rclient, imported):
    claim = ClaimFactory(article=imported)
    EvidenceFactory(claim=claim, source=SourceFactory(url="https://news.example.org/report/42"))
    response = rclient.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    html = response.content.decode()
    assert [(row.url, row.cited) for row in response.context["candidate_links"]] == [
        ("https://news.example.org/report/42", True),
        ("https://tools.example.org/list", False),
        ("https://mp.weixin.qq.com/s?__biz=TESTBIZ==&mid=99&idx=2&sn=def&scene=21", False),
    ]
    datalist = html[html.index('<datalist id="fc-candidate-urls">') : html.index("</datalist>")]
    assert "https://news.example.org/report/42" not in datalist  # already cited
    assert '<option value="https://tools.example.org/list">开源替代工具</option>' in datalist
    assert 'list="fc-candidate-urls"' in html  # the evidence rows' url fields suggest them
    assert html.index('id="fc-candidates"') < html.index('id="evidence-group"')


def test_a_claim_without_article_links_shows_no_panel(rclient):
    claim = ClaimFactory(article=ArticleFactory())
    html = rclient.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert 'id="fc-candidates"' not in html


def test_the_links_selector_reads_two_queries_and_follows_visibility(
    imported, reviewer, researcher, django_assert_num_queries
):
    claim = ClaimFactory(article=imported)
    reviewer.has_perm("claims.view_claim")  # the permissions, as the admin's request has already read them
    with django_assert_num_queries(2):
        rows = article_candidate_links(article_id=imported.pk, claim_id=claim.pk, user=reviewer)
    assert rows[1] == CandidateLinkRow(url="https://tools.example.org/list", text="开源替代工具", cited=False)
    # A researcher sees no draft claim, so not this article either.
    assert article_candidate_links(article_id=imported.pk, claim_id=None, user=researcher) == []
    assert article_candidate_links(article_id="not a number", claim_id=None, user=reviewer) == []
    assert article_candidate_links(article_id=None, claim_id=None, user=reviewer) == []
