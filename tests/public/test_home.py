"""The home page: the latest fact-checks, the most-read tags (counted in Redis), the search box."""

import datetime as dt

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from claims.choices import ClaimStatus, Verdict
from claims.models import Tag
from public import reads
from public.links import claim_path
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def read_counts():
    """Redis db of this test run, emptied of read counts before and after."""
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    client = redis.Redis.from_url(settings.REDIS_URL)

    def clear():
        for key in client.scan_iter(f"{reads.KEY_PREFIX}*"):
            client.delete(key)

    clear()
    yield client
    clear()


def tagged(claim, *names):
    claim.tags.add(*(Tag.objects.get_or_create(name=name)[0] for name in names))
    return claim


def test_home_lists_the_latest_published_with_verdict_link_and_date(client):
    older = factories.PublishedClaimFactory(
        text="Older statement", published_at=timezone.now() - dt.timedelta(days=2), verdict=Verdict.TRUE
    )
    newer = factories.PublishedClaimFactory(text="Newer statement", verdict=Verdict.MISLEADING)
    draft = factories.ClaimFactory(text="Draft statement zqxwvy")
    review = factories.ClaimFactory(text="Review statement zqxwvy", status=ClaimStatus.IN_REVIEW)

    response = client.get("/")

    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Newer statement") < body.index("Older statement")
    assert f'href="{claim_path(newer.id, newer.text)}"' in body
    assert f'href="{claim_path(older.id, older.text)}"' in body
    assert 'class="fc-label fc-verdict-misleading">Misleading<' in body
    assert "<time datetime=" in body
    assert "zqxwvy" not in body
    assert draft.text not in body
    assert review.text not in body


def test_home_has_a_labelled_search_box_to_the_archive(client):
    body = client.get("/").content.decode()
    assert '<form class="search-box" role="search" action="/claims/" method="get">' in body
    assert '<label for="home-q">' in body
    assert 'id="home-q" name="q"' in body


def test_home_marks_a_retracted_fact_check(client):
    factories.PublishedClaimFactory(text="Withdrawn statement", status=ClaimStatus.RETRACTED)
    body = client.get("/").content.decode()
    assert "Withdrawn statement" in body
    assert "fc-status-retracted" in body


def test_home_marks_claim_text_and_claimant_with_their_languages(client):
    factories.PublishedClaimFactory(text="A statement", language="zh-Hans", review_language="en", claimant="王某")
    body = client.get("/").content.decode()
    assert '<a href="/claims/' in body
    assert 'lang="en">A statement</a>' in body
    assert '<span lang="zh-Hans">王某</span>' in body


def test_without_reads_the_tags_of_the_latest_fact_checks_and_the_heading_says_so(client, read_counts):
    tagged(factories.PublishedClaimFactory(), "vaccines", "health")
    tagged(factories.PublishedClaimFactory(), "vaccines")
    tagged(factories.ClaimFactory(), "secret-draft-topic")

    body = client.get("/").content.decode()

    assert "Topics of the latest fact-checks" in body
    assert "Most-read" not in body
    assert body.index(">vaccines<") < body.index(">health<")  # carried by more of the latest
    assert 'href="/claims/?tag=vaccines"' in body
    assert "secret-draft-topic" not in body


def test_most_read_tags_follow_the_reads_of_claim_pages(client, read_counts):
    economy = tagged(factories.PublishedClaimFactory(), "economy")
    health = tagged(factories.PublishedClaimFactory(), "health")
    for _ in range(3):
        reads.record_read(economy.id)
    reads.record_read(health.id)
    reads.record_read(health.id, today=timezone.now().date() - dt.timedelta(days=30))  # outside the week

    tags, by_reads = reads.most_read_tags(days=7)
    assert (tags, by_reads) == (["economy", "health"], True)

    body = client.get("/").content.decode()
    assert "Most-read topics this week" in body
    assert body.index(">economy<") < body.index(">health<")


def test_most_read_tags_name_no_tag_of_a_claim_no_longer_public(read_counts):
    claim = tagged(factories.PublishedClaimFactory(), "withdrawn-topic")
    reads.record_read(claim.id)
    claim.status = ClaimStatus.IN_REVIEW
    claim.save()

    tags, by_reads = reads.most_read_tags()
    assert "withdrawn-topic" not in tags
    assert by_reads is False  # no public claim read: the fallback, and the heading says so


def test_reads_fail_open_without_redis(settings, client):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    claim = tagged(factories.PublishedClaimFactory(), "economy")
    reads.record_read(claim.id)  # no exception
    assert reads.most_read_claims() == {}
    response = client.get("/")
    assert response.status_code == 200
    assert "Topics of the latest fact-checks" in response.content.decode()


def test_home_reads_the_list_and_the_tags_in_one_query_each(client, django_assert_num_queries, read_counts):
    for _ in range(3):
        tagged(factories.PublishedClaimFactory(), "a", "b")
    with django_assert_num_queries(2):
        client.get("/")
    reads.record_read(factories.PublishedClaimFactory().id)
    with django_assert_num_queries(3):  # read claims with no tag: their tags (none), then the fallback
        client.get("/")


@pytest.mark.parametrize(
    ("accept", "lang", "heading"), [("en", "en", "The latest fact-checks"), ("zh-Hans", "zh-hans", None)]
)
def test_home_in_both_languages(client, accept, lang, heading):
    factories.PublishedClaimFactory(text="A statement in English")
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)
    body = response.content.decode()
    assert f'<html lang="{lang}">' in body
    assert response["Content-Language"] == lang
    assert "A statement in English" in body  # claim content is never translated
    if heading:
        assert heading in body
