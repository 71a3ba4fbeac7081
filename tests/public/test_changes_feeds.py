"""/feeds/changes.atom and /feeds/changes.json: every public event of the outbox, newest first, generated here by
the real claim services inside the test's transaction; parsed (xml.etree, json) and held to Atom's and JSON Feed
1.1's structure; filtered; answered 304 from one query; never a desk event."""

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.utils import timezone, translation
from django.utils.http import http_date

from claims import services
from claims.choices import ClaimStatus, Verdict
from claims.models import Claim
from claims.validators import TAG_MAX_LENGTH
from notifications.choices import DESK_EVENT_TYPES, PUBLIC_EVENT_TYPES, EventType
from notifications.models import Event
from notifications.outbox import event_record
from notifications.selectors import PUBLIC_FEED_LENGTH, public_event_stamps
from public.links import claim_path
from tests.public.conftest import SITE, ZH

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_site", "one_person_desk")]

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ATOM_URL, JSON_URL = "/feeds/changes.atom", "/feeds/changes.json"
PUB, RET, REV = ClaimStatus.PUBLISHED, ClaimStatus.RETRACTED, ClaimStatus.IN_REVIEW


def publish(reviewer, text, *, language="en", tags=(), verdict=Verdict.FALSE, claimant="") -> Claim:
    """A claim walked to publication as the desk does it: created in review, cited, published."""
    claim = services.claim_create(
        user=reviewer,
        text=text,
        language=language,
        tags=tags,
        claimant=claimant,
        verdict=verdict,
        explanation="The record says otherwise.",
        status=REV,
    )
    services.evidence_add(claim=claim, url=f"https://example.org/evidence/{claim.pk}", user=reviewer)
    return services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": PUB})


def correct(reviewer, claim, note, **data) -> Claim:
    return services.claim_update(claim_id=claim.pk, user=reviewer, data=data, correction_note=note)


def atom(client, query="", *, status=200, **headers):
    response = client.get(ATOM_URL + query, **headers)
    assert response.status_code == status, response.content[:300]
    if status != 200:
        return response, None
    assert response["Content-Type"].startswith("application/atom+xml")
    return response, ET.fromstring(response.content)


def json_feed(client, query="", *, status=200, **headers):
    response = client.get(JSON_URL + query, **headers)
    assert response.status_code == status, response.content[:300]
    if status != 200:
        return response, None
    assert response["Content-Type"].startswith("application/feed+json")
    return response, json.loads(response.content)


def atom_titles(root) -> list[str]:
    return [entry.find(f"{ATOM}title").text for entry in root.findall(f"{ATOM}entry")]


def json_event_ids(feed) -> list[int]:
    return [item["_factcheck"]["event_id"] for item in feed["items"]]


@pytest.fixture
def story(reviewer):
    """Two claims and four public changes: published, published, corrected, minor update."""
    bridge = publish(reviewer, "The bridge cost 2 billion.", tags=["economy"], claimant="The mayor")
    dam = publish(reviewer, "The dam holds 3 lakes.", language="en-GB", tags=["water"])
    correct(reviewer, bridge, "A newer budget shows the figure was right.", verdict=Verdict.TRUE)
    services.claim_update(
        claim_id=dam.pk, user=reviewer, data={"explanation": "The record, read again, says otherwise."}, minor_edit=True
    )
    return bridge, dam


# --- structure ----------------------------------------------------------------------------------------------------


def test_atom_is_valid_atom_newest_first(client, story):
    bridge, dam = story
    _, root = atom(client)

    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "subtitle"):
        assert root.find(f"{ATOM}{name}").text, name
    assert root.find(f"{ATOM}author/{ATOM}name").text
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == f"{SITE}{ATOM_URL}"
    assert root.find(f"{ATOM}link[@rel='alternate']").get("href") == f"{SITE}/corrections/"
    assert root.find(f"{ATOM}id").text == f"{SITE}{ATOM_URL}"
    assert atom_titles(root) == [
        "Minor update: False: The dam holds 3 lakes.",
        "Corrected: False → True: The bridge cost 2 billion.",
        "Published: False: The dam holds 3 lakes.",
        "Published: False: The bridge cost 2 billion.",
    ]
    events = list(Event.objects.filter(type__in=PUBLIC_EVENT_TYPES).order_by("-id"))
    entries = root.findall(f"{ATOM}entry")
    for entry, event in zip(entries, events, strict=True):
        # Every element Atom (RFC 4287) requires of an entry, and our own: published, summary, the claim's page.
        for name in ("id", "title", "updated", "published", "summary"):
            assert entry.find(f"{ATOM}{name}").text, name
        assert (
            entry.find(f"{ATOM}id").text
            == f"tag:desk.example.org,{event.created_at:%Y-%m-%d}:factcheck/event/{event.pk}"
        )
        assert dt.datetime.fromisoformat(entry.find(f"{ATOM}updated").text) == event.created_at
        assert entry.find(f"{ATOM}summary").get("type") == "html"
    corrected = entries[1]
    assert corrected.find(f"{ATOM}link").get("href") == SITE + claim_path(bridge.pk, bridge.text)
    assert corrected.get(XML_LANG) == "en"
    assert [c.get("term") for c in corrected.findall(f"{ATOM}category")] == ["economy"]
    summary = corrected.find(f"{ATOM}summary").text
    assert "<p>Corrected: the verdict changed from False to True.</p>" in summary
    assert "<p>Note: A newer budget shows the figure was right.</p>" in summary
    assert "The mayor claimed: The bridge cost 2 billion." in summary
    # The feed's updated is its newest entry's.
    assert root.find(f"{ATOM}updated").text == entries[0].find(f"{ATOM}updated").text


def test_json_feed_has_the_json_feed_1_1_keys(client, story, settings):
    bridge, dam = story
    _, feed = json_feed(client)

    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == f"{settings.FACTCHECK_ORGANIZATION_NAME}: changes to fact-checks"
    assert feed["home_page_url"] == f"{SITE}/corrections/"
    assert feed["feed_url"] == f"{SITE}{JSON_URL}"
    assert feed["description"]
    assert feed["language"] == "en"
    assert feed["authors"][0]["name"]
    events = list(Event.objects.filter(type__in=PUBLIC_EVENT_TYPES).order_by("-id"))
    assert json_event_ids(feed) == [event.pk for event in events]
    for item, event in zip(feed["items"], events, strict=True):
        assert item["id"].endswith(f":factcheck/event/{event.pk}")
        assert item["url"].startswith(SITE + "/claims/")
        assert all(item[key] for key in ("title", "content_text", "summary"))
        assert dt.datetime.fromisoformat(item["date_published"]) == event.created_at
        assert item["date_modified"] == item["date_published"]
        assert item["_factcheck"]["type"] == event.type
    corrected = feed["items"][1]
    assert corrected["url"] == SITE + claim_path(bridge.pk, bridge.text)
    assert corrected["tags"] == ["economy"]
    assert corrected["language"] == "en"
    assert corrected["_factcheck"] == {
        "event_id": events[1].pk,
        "type": "claim.corrected",
        "kind": "corrected",
        "verdict_before": "false",
        "verdict_after": "true",
        "note": "A newer budget shows the figure was right.",
        "claim": {"id": bridge.pk, "text": "The bridge cost 2 billion.", "language": "en"},
    }
    first_publication = feed["items"][3]["_factcheck"]
    assert (first_publication["kind"], first_publication["verdict_before"]) == ("published", None)
    assert feed["items"][0]["_factcheck"]["kind"] == "updated"


def test_both_feeds_list_the_same_items_with_the_same_ids(client, story):
    _, root = atom(client)
    _, feed = json_feed(client)
    assert [entry.find(f"{ATOM}id").text for entry in root.findall(f"{ATOM}entry")] == [
        item["id"] for item in feed["items"]
    ]
    assert atom_titles(root) == [item["title"] for item in feed["items"]]


def test_empty_feeds_parse(client):
    response, root = atom(client)
    _, feed = json_feed(client)
    assert root.findall(f"{ATOM}entry") == []
    assert feed["items"] == []
    assert "Last-Modified" not in response
    assert response["ETag"].startswith('W/"')


def test_a_retraction_and_its_note(client, reviewer):
    claim = publish(reviewer, "The tower leans 10 degrees.")
    correct(reviewer, claim, "The photograph was of another tower.", status=RET)
    _, root = atom(client)
    _, feed = json_feed(client)
    assert atom_titles(root)[0] == "Retracted: The tower leans 10 degrees."
    item = feed["items"][0]
    assert item["summary"] == "Retracted: the verdict False no longer stands."
    assert "Note: The photograph was of another tower." in item["content_text"]
    assert item["_factcheck"]["kind"] == "retracted"


def test_a_feed_is_a_log_a_claim_later_unpublished_keeps_its_past(client, reviewer):
    """What was public stays as it was said: a re-review, a retraction or a deletion later adds or changes no
    past item."""
    claim = publish(reviewer, "The river is 500 km long.", verdict=Verdict.MOSTLY_TRUE)
    first = json_feed(client)[1]["items"]
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": REV})  # back to review: not public
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"verdict": Verdict.FALSE, "text": "Rewritten."})
    assert json_feed(client)[1]["items"] == first
    publish_again = services.claim_update(
        claim_id=claim.pk, user=reviewer, data={"status": PUB}, correction_note="Re-measured."
    )
    correct(reviewer, publish_again, "Withdrawn after all.", status=RET)
    Claim.objects.filter(pk=claim.pk).delete()
    items = json_feed(client)[1]["items"]
    assert [item["title"] for item in items] == [
        "Retracted: Rewritten.",
        "Corrected: Mostly true → False: Rewritten.",
        "Published: Mostly true: The river is 500 km long.",
    ]
    assert items[2] == first[0]


# --- never the desk's ---------------------------------------------------------------------------------------------


def test_desk_events_never_appear(client, story):
    """Desk events written with every attribute a filter could match, and a marker in their payload."""
    for kind in DESK_EVENT_TYPES:
        event_record(
            type=kind,
            order_key="source:1",
            payload={"desk": f"DESK-ONLY {kind}", "claim": {"text": "DESK-ONLY", "url": "/admin/"}},
            language="en",
            tags=["economy", "water"],
        )
    assert set(DESK_EVENT_TYPES) >= {EventType.SOURCE_DEAD, EventType.TIP_RECEIVED}
    for query in ("", "?language=en", "?tag=economy", "?language=en&tag=water"):
        _, root = atom(client, query)
        _, feed = json_feed(client, query)
        text = ET.tostring(root, encoding="unicode") + json.dumps(feed)
        assert "DESK-ONLY" not in text
        assert "/admin/" not in text
        assert {item["_factcheck"]["type"] for item in feed["items"]} <= set(PUBLIC_EVENT_TYPES)
        assert feed["items"]  # the public events of the same filters are there


# --- filters ------------------------------------------------------------------------------------------------------


@pytest.fixture
def languages(reviewer):
    return {
        "zh-Hans": publish(reviewer, "长城在太空中肉眼可见。", language="zh-Hans", tags=["历史"]),
        "zh-Hant": publish(reviewer, "長城在太空中肉眼可見。", language="zh-Hant", tags=["歷史"]),
        "en": publish(reviewer, "The wall is visible from space.", language="en", tags=["历史", "space"]),
        "zhx": publish(reviewer, "Not Chinese at all.", language="zhx"),
    }


def claim_ids(client, query) -> list[int]:
    _, feed = json_feed(client, query)
    _, root = atom(client, query)
    ids = [item["_factcheck"]["claim"]["id"] for item in feed["items"]]
    assert len(root.findall(f"{ATOM}entry")) == len(ids)
    return ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?language=zh", ["zh-Hant", "zh-Hans"]),  # a prefix at a subtag: not "zhx"
        ("?language=ZH-hans", ["zh-Hans"]),  # case does not matter
        ("?language=zh-Hant", ["zh-Hant"]),
        ("?language=en", ["en"]),
        ("?language=fr", []),  # well-formed, nothing in it: an empty feed, not an error
        ("?tag=历史", ["en", "zh-Hans"]),
        ("?tag=%E5%8E%86%E5%8F%B2&language=zh", ["zh-Hans"]),
        ("?tag=nope", []),
        ("?language=&tag=", ["zhx", "en", "zh-Hant", "zh-Hans"]),  # empty is no filter
    ],
)
def test_filters(client, languages, query, expected):
    assert claim_ids(client, query) == [languages[name].pk for name in expected]


def test_filtered_feed_names_its_filters(client, languages):
    _, feed = json_feed(client, "?tag=space&language=en")
    assert feed["feed_url"] == f"{SITE}{JSON_URL}?language=en&tag=space"
    assert feed["title"].endswith("(language en, tag space)")
    _, root = atom(client, "?language=en")
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == f"{SITE}{ATOM_URL}?language=en"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?language=not a tag", "is not a language tag"),
        ("?language=zh_Hans", "is not a language tag"),
        ("?language=" + "a" * 8 + "-abcdefgh" * 4, "is not a language tag"),  # longer than 35
        ("?language=en&language=zh", "Give one language at a time."),
        ("?tag=a&tag=b", "Give one tag at a time."),
        ("?tag=" + "x" * (TAG_MAX_LENGTH + 1), f"A tag has at most {TAG_MAX_LENGTH} characters."),
        ("?tag=bad%07tag", "control character"),
        ("?tag=gpj.%E2%80%AEexe", "reorders text"),
    ],
)
def test_a_bad_filter_is_a_400_with_a_message(client, query, message):
    for get in (atom, json_feed):
        response, _ = get(client, query, status=400)
        assert response["Content-Type"].startswith("text/plain")
        assert message in response.content.decode()


# --- conditional GET ----------------------------------------------------------------------------------------------


def test_if_none_match_is_answered_304_from_one_query(client, story, django_assert_num_queries):
    for url in (ATOM_URL, JSON_URL):
        first = client.get(url)
        etag = first["ETag"]
        assert etag.startswith('W/"')
        assert set(first["Cache-Control"].split(", ")) == {"public", "max-age=60", "must-revalidate"}
        assert "Accept-Language" in first["Vary"]
        with django_assert_num_queries(1) as context:
            again = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == etag
        assert "payload" not in context.captured_queries[0]["sql"]  # the stamps, not the feed
        # Strong or listed among others, it is the same validator (weak comparison, RFC 9110 13.1.2).
        assert client.get(url, HTTP_IF_NONE_MATCH=f'"x", {etag.removeprefix("W/")}').status_code == 304
        assert client.get(url, HTTP_IF_NONE_MATCH='W/"other"').status_code == 200


def test_if_modified_since_is_answered_304_from_one_query(client, story, django_assert_num_queries):
    newest = Event.objects.filter(type__in=PUBLIC_EVENT_TYPES).latest("created_at").created_at
    for url in (ATOM_URL, JSON_URL):
        first = client.get(url)
        assert first["Last-Modified"] == http_date(int(newest.timestamp()))
        with django_assert_num_queries(1):
            again = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert again.status_code == 304
        assert again["Last-Modified"] == first["Last-Modified"]
        earlier = http_date(int(newest.timestamp()) - 1)
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


def test_a_changed_feed_costs_two_queries_an_unconditional_one_one(client, story, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert client.get(JSON_URL).status_code == 200
    with django_assert_num_queries(2):
        assert client.get(JSON_URL, HTTP_IF_NONE_MATCH='W/"stale"').status_code == 200


def test_etag_and_last_modified_change_after_a_new_event(client, story, reviewer):
    bridge, _dam = story
    first = {url: client.get(url) for url in (ATOM_URL, JSON_URL)}
    correct(reviewer, bridge, "Retracted after all.", status=RET)
    for url, before in first.items():
        response = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
        assert response.status_code == 200
        assert response["ETag"] != before["ETag"]
        assert b"Retracted after all." in response.content
        assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    # A filter the new event does not match keeps its feed, and its ETag.
    water = client.get(JSON_URL + "?tag=water")
    publish(reviewer, "Another claim on the economy.", tags=["economy"])
    assert client.get(JSON_URL + "?tag=water", HTTP_IF_NONE_MATCH=water["ETag"]).status_code == 304


def test_etag_changes_when_an_older_event_commits_late(client, story):
    """Ids are taken at insert, seen at commit: an event with a smaller id than the newest can appear later. Here
    it is held back by deleting it and writing it again with its own id."""
    events = list(Event.objects.filter(type__in=PUBLIC_EVENT_TYPES).order_by("-id"))
    late = events[1]
    Event.objects.filter(pk=late.pk).delete()
    before = client.get(JSON_URL)
    Event.objects.bulk_create([late])
    after = client.get(JSON_URL, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert late.pk in json_event_ids(json.loads(after.content))


def test_etag_depends_on_the_feed_its_filters_and_the_language(client, story):
    etags = {
        client.get(ATOM_URL)["ETag"],
        client.get(JSON_URL)["ETag"],
        client.get(JSON_URL + "?language=en")["ETag"],
        client.get(JSON_URL + "?tag=economy")["ETag"],
        client.get(JSON_URL, **ZH)["ETag"],
    }
    assert len(etags) == 5
    assert client.get(JSON_URL)["ETag"] == client.get(JSON_URL)["ETag"]


def test_a_full_feed_is_one_query_and_feed_length_items(client, reviewer, django_assert_num_queries):
    claim = publish(reviewer, "A claim corrected many times.", verdict=Verdict.FALSE)
    verdicts = [Verdict.TRUE, Verdict.FALSE]
    for number in range(PUBLIC_FEED_LENGTH + 1):
        correct(reviewer, claim, f"Correction {number}.", verdict=verdicts[number % 2])
    with django_assert_num_queries(1):
        _, root = atom(client)
    with django_assert_num_queries(1):
        _, feed = json_feed(client)
    assert len(root.findall(f"{ATOM}entry")) == len(feed["items"]) == PUBLIC_FEED_LENGTH
    assert feed["items"][0]["_factcheck"]["note"] == f"Correction {PUBLIC_FEED_LENGTH}."


# --- language and text --------------------------------------------------------------------------------------------


def test_chinese_claims_render_in_utf8(client, languages):
    for get in (atom, json_feed):
        response, _ = get(client)
        assert "长城在太空中肉眼可见。".encode() in response.content  # UTF-8 bytes, not \\u or &# escapes
        assert "charset=utf-8" in response["Content-Type"]
    _, root = atom(client, "?tag=历史")
    assert "长城在太空中肉眼可见。" in atom_titles(root)[1]


def test_a_chinese_reader_gets_chinese_feeds(client, story):
    atom_response, root = atom(client, **ZH)
    json_response, feed = json_feed(client, **ZH)
    assert root.get(XML_LANG) == "zh-hans"
    assert feed["language"] == "zh-hans"
    assert atom_response["Content-Language"] == json_response["Content-Language"] == "zh-hans"
    # The verdicts are the site's Chinese labels; the claim's own text is never translated.
    assert "不实 → 属实" in feed["items"][1]["title"]
    assert "The bridge cost 2 billion." in feed["items"][1]["title"]
    with translation.override("zh-hans"):
        title = translation.gettext("%(site)s: changes to fact-checks")
    if title == "%(site)s: changes to fact-checks":
        pytest.skip("the zh-Hans catalogue has no translation of the changes feeds yet (/work/notes/zh-feeds.po)")
    assert feed["title"].endswith("：事实核查的变更")
    assert root.find(f"{ATOM}title").text.endswith("：事实核查的变更")
    assert feed["items"][1]["summary"] == "已更正：结论由不实改为属实。"


def test_a_relative_claim_url_is_made_absolute_from_the_request(client, reviewer, settings):
    settings.FACTCHECK_SITE_URL = ""  # the event records a path: the site did not know its address
    settings.ALLOWED_HOSTS = ["news.example.net"]
    claim = publish(reviewer, "Written without a site address.")
    assert Event.objects.get().payload["claim"]["url"].startswith("/claims/")
    _, feed = json_feed(client, HTTP_HOST="news.example.net")
    item = feed["items"][0]
    assert item["url"] == "http://news.example.net" + claim_path(claim.pk, claim.text)
    assert item["id"].startswith("tag:news.example.net,")


# --- where the site links them ------------------------------------------------------------------------------------


def test_the_feeds_are_linked_from_the_corrections_page_and_every_head(client):
    body = client.get("/corrections/").content.decode()
    assert f'href="{ATOM_URL}" type="application/atom+xml"' in body
    assert f'href="{JSON_URL}" type="application/feed+json"' in body
    home = client.get("/").content.decode()
    assert (
        f'<link rel="alternate" type="application/atom+xml" title="Changes to fact-checks (Atom)" href="{ATOM_URL}">'
        in home
    )
    assert (
        f'<link rel="alternate" type="application/feed+json" title="Changes to fact-checks (JSON Feed)" '
        f'href="{JSON_URL}">'
    ) in home


# --- the selector ------------------------------------------------------------------------------------------------


def test_the_filters_use_their_indexes(languages):
    """With the planner barred from walking the table or the primary key, the filtered reads still find a plan
    through notif_event_language and notif_event_public_tags: the rule's SQL and the indexes' expressions agree."""
    from notifications.selectors import _public_events

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        for filters, index in (
            ({"language": "zh", "tag": ""}, "notif_event_language"),
            ({"language": "", "tag": "历史"}, "notif_event_public_tags"),
        ):
            plan = _public_events(**filters).explain()
            assert index in plan, plan
    assert [s.id for s in public_event_stamps(language="zh")] == list(
        Event.objects.filter(language__startswith="zh-").order_by("-id").values_list("id", flat=True)
    )


def test_stamps_are_newest_first_and_as_of_the_event(story):
    stamps = public_event_stamps()
    assert [s.id for s in stamps] == sorted((s.id for s in stamps), reverse=True)
    assert all(s.created_at <= timezone.now() for s in stamps)
