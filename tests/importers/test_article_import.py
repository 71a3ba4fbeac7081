from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from claims.importers.article import article_data_from_url
from claims.importers.base import ParseError
from claims.models import Article
from sources.models import Source

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("import_article", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_import_export_file_then_reimport_updates_the_same_article(tmp_path):
    output = run(str(FIXTURES / "export-article.md"))
    assert "created article" in output
    assert "candidate sources" in output
    article = Article.objects.get()
    assert article.url == "http://mp.weixin.qq.com/s?__biz=TESTBIZ==&mid=100&idx=1&sn=abc"
    assert article.published_at == datetime(2024, 11, 27, 1, 23, tzinfo=UTC)
    assert (article.author, article.place, article.language) == ("测试科技观察", "上海", "zh")

    edited = (FIXTURES / "export-article.md").read_text().replace("发布地: 上海", "发布地: 北京")
    # the same article under a differently written url (fragment, tracking parameter): still the same row
    edited = edited.replace("&utm_source=share#rd", "#other")
    path = tmp_path / "again.md"
    path.write_text(edited)
    assert "updated article" in run(str(path))
    assert Article.objects.get().place == "北京"


def test_a_file_that_cannot_be_parsed_writes_nothing_and_names_the_field():
    with pytest.raises(CommandError):
        run(str(FIXTURES / "export-missing-link.md"))
    assert not Article.objects.exists()


def test_a_binary_file_writes_nothing(tmp_path):
    path = tmp_path / "image.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)))
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_article", str(path), stdout=out, stderr=out)
    assert "binary" in out.getvalue()
    assert not Article.objects.exists()


def test_one_bad_input_does_not_stop_the_others(tmp_path):
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 2"):
        call_command(
            "import_article",
            str(FIXTURES / "export-missing-link.md"),
            str(FIXTURES / "export-partial.md"),
            stdout=out,
            stderr=out,
        )
    assert list(Article.objects.values_list("url", flat=True)) == ["https://news.example.org/only-title"]


def test_extraction_from_a_page_served_on_loopback(loopback):
    loopback.routes["/news/leak"] = (200, "text/html; charset=utf-8", (FIXTURES / "page.html").read_bytes())
    output = run(f"{loopback.base}/news/leak?utm_source=x", "--add-sources")
    article = Article.objects.get()
    # the page's canonical url (same host) in canonical form
    assert article.url == f"{loopback.base}/news/leak"
    assert article.title == "Artists leak video model in protest"
    assert article.author == "Jane Roe"
    assert article.outlet == "Example Daily"
    assert article.language == "en"
    assert article.published_at == datetime(2024, 11, 27, 1, 23, tzinfo=UTC)
    assert "10-second videos at 1080p resolution" in article.body
    assert "Privacy" not in article.body
    assert "About us" not in article.body
    # links in the main text are offered as candidate sources (nav and footer links are not)
    assert "https://models.example.org/pr-puppets" in output
    added = Source.objects.count()
    assert added > 0
    assert f"Sources: {added} added, 0 already known." in output
    # Imported again: the same links are sources already, and the count says so.
    assert f"Sources: 0 added, {added} already known." in run(f"{loopback.base}/news/leak", "--add-sources")
    assert set(Source.objects.values_list("url", flat=True)) == {
        "https://models.example.org/pr-puppets",
        "https://analysis.example.org/leak-code",
    }
    # importing the page again updates the same row
    assert "updated article" in run(f"{loopback.base}/news/leak")
    assert Article.objects.count() == 1


def test_a_page_that_cannot_be_fetched_is_an_error_naming_the_url(loopback):
    with pytest.raises(ParseError) as info:
        article_data_from_url(f"{loopback.base}/missing")
    assert info.value.field == "url"
    assert "could not be fetched: the page is not there (HTTP 404)" in str(info.value)


def test_the_safe_fetcher_guards_imports_too(settings, loopback):
    settings.LINKCHECK_ALLOW_NETWORKS = []  # loopback is refused unless allowed
    loopback.routes["/news/leak"] = (200, "text/html", (FIXTURES / "page.html").read_bytes())
    with pytest.raises(ParseError, match="blocked"):
        article_data_from_url(f"{loopback.base}/news/leak")
    assert not Article.objects.exists()


def test_a_local_html_file_uses_its_canonical_url_or_the_given_one(tmp_path):
    html = (
        (FIXTURES / "page.html")
        .read_text()
        .replace('href="/news/leak?utm_source=feed"', 'href="https://daily.example.org/news/leak"')
    )
    path = tmp_path / "page.html"
    path.write_text(html)
    run(str(path))
    assert Article.objects.get().url == "https://daily.example.org/news/leak"
