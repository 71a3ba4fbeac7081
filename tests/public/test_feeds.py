"""The Atom feed and the JSON Feed 1.1 of the latest fact-checks, parsed (xml.etree, json) and held to the specs'
required fields; robots.txt."""

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from claims.choices import ClaimStatus, Verdict
from claims.models import Tag
from public.links import claim_path
from public.views.feeds import FEED_LENGTH
from tests import factories
from tests.public.conftest import SITE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_site")]

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def atom(client, **headers):
    response = client.get("/feeds/claims.atom", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return response, ET.fromstring(response.content)


def json_feed(client, **headers):
    response = client.get("/feeds/claims.json", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/feed+json")
    return response, json.loads(response.content)


@pytest.fixture
def claims():
    now = timezone.now()
    older = factories.PublishedClaimFactory(
        text="Older statement", published_at=now - dt.timedelta(days=1), verdict=Verdict.TRUE, claimant="Ann"
    )
    newer = factories.PublishedClaimFactory(
        text="Newer statement", published_at=now, language="zh-Hans", review_language="en", explanation="Because."
    )
    newer.tags.add(Tag.objects.create(name="economy"))
    factories.ClaimFactory(text="Draft statement")
    factories.ClaimFactory(text="In review statement", status=ClaimStatus.IN_REVIEW)
    return newer, older


def test_atom_feed_parses_with_the_required_elements(client, claims):
    newer, older = claims
    _response, root = atom(client)

    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}").text
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == f"{SITE}/feeds/claims.atom"
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["False: Newer statement", "True: Older statement"]
    first = entries[0]
    for name in ("id", "title", "updated", "published", "summary"):
        assert first.find(f"{ATOM}{name}").text, name
    assert first.find(f"{ATOM}link").get("href") == SITE + claim_path(newer.id, newer.text)
    assert first.find(f"{ATOM}id").text == f"{SITE}/claims/{newer.id}/"
    assert first.get(XML_LANG) == "en"
    assert [c.get("term") for c in first.findall(f"{ATOM}category")] == ["economy"]
    assert "Because." in first.find(f"{ATOM}summary").text


def test_json_feed_parses_with_the_required_fields(client, claims):
    newer, older = claims
    _response, feed = json_feed(client)

    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"]
    assert feed["home_page_url"] == f"{SITE}/"
    assert feed["feed_url"] == f"{SITE}/feeds/claims.json"
    assert feed["authors"][0]["name"]
    items = feed["items"]
    assert [item["id"] for item in items] == [f"{SITE}/claims/{newer.id}/", f"{SITE}/claims/{older.id}/"]
    first = items[0]
    assert isinstance(first["id"], str)
    assert first["url"] == SITE + claim_path(newer.id, newer.text)
    assert first["title"] == "False: Newer statement"
    assert "Because." in first["content_text"]
    assert first["summary"]
    assert dt.datetime.fromisoformat(first["date_published"]) == newer.published_at
    assert dt.datetime.fromisoformat(first["date_modified"])
    assert first["language"] == "en"
    assert first["tags"] == ["economy"]
    assert first["_factcheck"] == {"verdict": "false", "retracted": False, "claim_language": "zh-Hans"}
    assert "Ann claimed: Older statement" in items[1]["summary"]


def test_no_draft_in_either_feed(client, claims):
    _, root = atom(client)
    _, feed = json_feed(client)
    text = ET.tostring(root, encoding="unicode") + json.dumps(feed)
    assert "Draft statement" not in text
    assert "In review statement" not in text


def test_a_retracted_fact_check_stays_marked(client):
    factories.PublishedClaimFactory(text="Withdrawn statement", status=ClaimStatus.RETRACTED)
    _, root = atom(client)
    _, feed = json_feed(client)
    assert root.find(f"{ATOM}entry/{ATOM}title").text == "Retracted: False: Withdrawn statement"
    item = feed["items"][0]
    assert item["title"] == "Retracted: False: Withdrawn statement"
    assert item["_factcheck"]["retracted"] is True
    assert "retracted" in item["content_text"]


def test_feeds_are_a_sensible_length_in_one_query(client, django_assert_num_queries):
    for _ in range(FEED_LENGTH + 2):
        factories.PublishedClaimFactory()
    with django_assert_num_queries(1):
        _, root = atom(client)
    with django_assert_num_queries(1):
        _, feed = json_feed(client)
    assert len(root.findall(f"{ATOM}entry")) == FEED_LENGTH
    assert len(feed["items"]) == FEED_LENGTH


def test_empty_feeds_still_parse(client):
    _, root = atom(client)
    _, feed = json_feed(client)
    assert root.findall(f"{ATOM}entry") == []
    assert feed["items"] == []


def test_feeds_in_chinese(client, claims):
    _, root = atom(client, HTTP_ACCEPT_LANGUAGE="zh-Hans")
    _, feed = json_feed(client, HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert root.get(XML_LANG) == "zh-hans"
    assert feed["language"] == "zh-hans"
    assert "Newer statement" in feed["items"][0]["title"]  # claim content is never translated


def test_feeds_are_linked_from_every_page(client):
    body = client.get("/").content.decode()
    assert 'type="application/atom+xml"' in body
    assert 'type="application/feed+json"' in body


def test_robots_txt(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Allow: /" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /api/" in lines
    assert f"Sitemap: {SITE}/sitemap.xml" in lines


def test_robots_txt_names_the_request_host_without_a_site_url(client, settings):
    settings.FACTCHECK_SITE_URL = ""
    body = client.get("/robots.txt", HTTP_HOST="localhost:8123").content.decode()
    assert "Sitemap: http://localhost:8123/sitemap.xml" in body
