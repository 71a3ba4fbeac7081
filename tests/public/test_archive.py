"""The archive: the API's search and filters for readers, a keyset pager, bad input kept and explained."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from claims.choices import ClaimStatus, Verdict
from claims.models import Tag
from public.views.archive import ARCHIVE_PAGE_SIZE
from tests import factories

pytestmark = pytest.mark.django_db

ITEM_TEXT = re.compile(r'<p class="claim-text"><a href="[^"]+" lang="[^"]+">([^<]+)</a>')


def listed(response) -> list[str]:
    return ITEM_TEXT.findall(response.content.decode())


def link(response, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', response.content.decode())
    return found.group(1).replace("&amp;", "&") if found else None


def test_newest_publication_first_and_no_draft(client):
    now = timezone.now()
    factories.PublishedClaimFactory(text="Old one", published_at=now - dt.timedelta(days=3))
    factories.PublishedClaimFactory(text="New one", published_at=now)
    yesterday = now - dt.timedelta(days=1)
    factories.PublishedClaimFactory(text="Retracted one", status=ClaimStatus.RETRACTED, published_at=yesterday)
    factories.ClaimFactory(text="Draft one")
    factories.ClaimFactory(text="In review one", status=ClaimStatus.IN_REVIEW)

    response = client.get("/claims/")

    assert response.status_code == 200
    assert listed(response) == ["New one", "Retracted one", "Old one"]
    assert "fc-status-retracted" in response.content.decode()


def test_search_uses_the_api_query_with_snippets(client):
    factories.PublishedClaimFactory(text="Vaccines cause autism", quote="They said vaccines cause autism.")
    factories.PublishedClaimFactory(text="The bridge cost two billion")
    factories.ClaimFactory(text="Vaccines draft text")

    response = client.get("/claims/", {"q": "vaccines"})

    assert response.status_code == 200
    assert listed(response) == ["Vaccines cause autism"]
    body = response.content.decode()
    assert "<mark>" in body
    assert "Results, most relevant first" in body
    assert 'value="vaccines"' in body  # the box keeps the query


def test_search_in_chinese(client):
    factories.PublishedClaimFactory(text="某市渲染了新闻", quote="他们渲染了新闻", language="zh-Hans")
    factories.PublishedClaimFactory(text="另一条消息", language="zh-Hans")
    response = client.get("/claims/", {"q": "渲染"})
    assert listed(response) == ["某市渲染了新闻"]


def test_search_phrase_and_exclusion_as_the_api(client):
    factories.PublishedClaimFactory(text="Inflation fell to two percent")
    factories.PublishedClaimFactory(text="Inflation rose to ten percent")
    assert listed(client.get("/claims/", {"q": "inflation -rose"})) == ["Inflation fell to two percent"]
    assert listed(client.get("/claims/", {"q": '"rose to ten"'})) == ["Inflation rose to ten percent"]


def test_filter_by_verdict(client):
    factories.PublishedClaimFactory(text="A true one", verdict=Verdict.TRUE)
    factories.PublishedClaimFactory(text="A false one", verdict=Verdict.FALSE)
    response = client.get("/claims/", {"verdict": "true"})
    assert listed(response) == ["A true one"]
    assert '<option value="true" selected>' in response.content.decode()


def test_filter_by_tag(client):
    tag = Tag.objects.create(name="health")
    factories.PublishedClaimFactory(text="Tagged").tags.add(tag)
    factories.PublishedClaimFactory(text="Untagged")
    response = client.get("/claims/", {"tag": "health"})
    assert listed(response) == ["Tagged"]
    assert 'href="/claims/?tag=health"' in response.content.decode()  # tags on items link to the filter


def test_filter_by_language_matches_subtags(client):
    factories.PublishedClaimFactory(text="Chinese quote", language="zh-Hans")
    factories.PublishedClaimFactory(text="English quote", language="en")
    assert listed(client.get("/claims/", {"language": "zh"})) == ["Chinese quote"]


def test_filter_by_claimant_case_insensitive(client):
    factories.PublishedClaimFactory(text="Said by the minister", claimant="The Minister")
    factories.PublishedClaimFactory(text="Said by someone else", claimant="Someone")
    assert listed(client.get("/claims/", {"claimant": "the minister"})) == ["Said by the minister"]


def test_filter_by_published_dates(client):
    day = dt.datetime(2026, 5, 10, 12, tzinfo=dt.UTC)
    factories.PublishedClaimFactory(text="Before", published_at=day - dt.timedelta(days=5))
    factories.PublishedClaimFactory(text="During", published_at=day)
    factories.PublishedClaimFactory(text="After", published_at=day + dt.timedelta(days=5))
    response = client.get("/claims/", {"published_after": "2026-05-09", "published_before": "2026-05-11"})
    assert listed(response) == ["During"]
    assert 'value="2026-05-09"' in response.content.decode()


def test_filters_combine_with_search(client):
    factories.PublishedClaimFactory(text="Vaccines are safe", verdict=Verdict.TRUE)
    factories.PublishedClaimFactory(text="Vaccines are poison", verdict=Verdict.FALSE)
    assert listed(client.get("/claims/", {"q": "vaccines", "verdict": "false"})) == ["Vaccines are poison"]


def test_reviewer_filters_of_the_api_are_not_offered(client):
    factories.ClaimFactory(text="Draft one")
    factories.PublishedClaimFactory(text="Public one")
    # status is the API's filter for reviewers; here it is ignored, and drafts stay out whatever is asked.
    assert listed(client.get("/claims/", {"status": "draft"})) == ["Public one"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"verdict": "bogus"}, "verdict", "Select a valid choice"),
        ({"published_after": "2026-13-45"}, "published_after", "Enter a valid date"),
        ({"q": "the of", "language": "en"}, "q", "only stop words"),
        ({"q": "!!!"}, "q", "only stop words or punctuation"),
        ({"q": "-vaccines"}, "q", "not only -excluded words"),
    ],
)
def test_bad_input_is_a_400_with_a_message_and_the_input_kept(client, params, field, message):
    factories.PublishedClaimFactory(text="Anything")
    response = client.get("/claims/", {**params, "claimant": "kept claimant"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body
    assert message in body
    assert f'id="f-{field}"' in body
    assert 'aria-invalid="true"' in body
    assert 'value="kept claimant"' in body
    assert f'value="{params[field]}"' in body  # what the reader typed stays in the form


def test_a_broken_cursor_is_a_400_with_a_link_to_the_first_page(client):
    response = client.get("/claims/", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert "This page link is no longer valid" in response.content.decode()


def walk(client, params) -> tuple[list[list[str]], object]:
    """Every page forward from the first, following rel=next; the pages' texts and the last response."""
    pages, response = [], client.get("/claims/", params)
    while True:
        pages.append(listed(response))
        nxt = link(response, "next")
        if not nxt:
            return pages, response
        response = client.get(nxt)


@pytest.mark.parametrize("params", [{}, {"q": "statement"}])
def test_paging_forward_and_back_without_gaps_or_repeats_at_equal_dates(client, params):
    same_moment = timezone.now()
    total = ARCHIVE_PAGE_SIZE * 2 + 5
    for n in range(total):
        factories.PublishedClaimFactory(text=f"Statement {n:03d}", published_at=same_moment)

    pages, last = walk(client, params)

    flat = [text for page in pages for text in page]
    assert len(pages) == 3
    assert len(flat) == total
    assert len(set(flat)) == total
    if not params:
        assert flat == [f"Statement {n:03d}" for n in reversed(range(total))]  # same date: newest id first
    # Back from the last page, following rel=prev: the same pages in reverse.
    back, response = [listed(last)], last
    while prev := link(response, "prev"):
        response = client.get(prev)
        back.append(listed(response))
    assert back == list(reversed(pages))
    nav = response.content.decode()
    assert '<nav class="pager" aria-label="More fact-checks">' in nav


def test_pager_links_keep_the_filters(client):
    for n in range(ARCHIVE_PAGE_SIZE + 1):
        factories.PublishedClaimFactory(text=f"True {n}", verdict=Verdict.TRUE)
    response = client.get("/claims/", {"verdict": "true"})
    query = parse_qs(urlsplit(link(response, "next")).query)
    assert query["verdict"] == ["true"]
    assert "cursor" in query


def test_one_page_has_no_pager(client):
    factories.PublishedClaimFactory()
    assert "pager" not in client.get("/claims/").content.decode()


@pytest.mark.parametrize("params", [{}, {"q": "statement"}, {"verdict": "false", "tag": "x"}])
def test_one_query_per_page(client, django_assert_num_queries, params):
    for n in range(ARCHIVE_PAGE_SIZE + 3):
        factories.PublishedClaimFactory(text=f"Statement {n}").tags.add(Tag.objects.get_or_create(name="x")[0])
    client.get("/claims/", params)  # a query's words are analysed once, then cached
    # The page; a search's page also its snippets, in a statement over the page's ids (snippet_sources).
    expected = 2 if "q" in params else 1
    with django_assert_num_queries(expected):
        response = client.get("/claims/", params)
    with django_assert_num_queries(expected):
        client.get(link(response, "next"))


def test_no_count_and_no_offset(client, django_assert_num_queries):
    factories.PublishedClaimFactory()
    client.get("/claims/", {"q": "statement"})  # the words analysed once, then cached
    with django_assert_num_queries(2) as captured:  # the page, then its snippets
        client.get("/claims/", {"q": "statement"})
    for query in captured.captured_queries:
        assert "COUNT(" not in query["sql"].upper()
        assert "OFFSET" not in query["sql"].upper()


@pytest.mark.parametrize(("accept", "lang", "label"), [("en", "en", "Verdict"), ("zh-Hans", "zh-hans", None)])
def test_archive_in_both_languages(client, accept, lang, label):
    factories.PublishedClaimFactory(text="An English statement")
    response = client.get("/claims/", HTTP_ACCEPT_LANGUAGE=accept)
    body = response.content.decode()
    assert f'<html lang="{lang}">' in body
    assert "An English statement" in body
    if label:
        assert '<label for="f-verdict">Verdict</label>' in body


def test_every_control_has_a_label(client):
    body = client.get("/claims/").content.decode()
    for control in re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', body):
        assert f'<label for="{control}">' in body, control
