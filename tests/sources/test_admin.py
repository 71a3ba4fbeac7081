"""The reviewer admin for sources and link checks, driven through the test client against the real admin urls."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sources.choices import Health, Outcome
from sources.models import Source
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    LinkCheckFactory,
    PublishedClaimFactory,
    ResearcherFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:sources_source_changelist"


@pytest.fixture
def rclient(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def sources():
    """A dead source cited by two claims, a healthy one cited by one, one never checked and cited by none."""
    dead = SourceFactory(
        url="https://gone.example.com/post",
        title="Gone post",
        health=Health.DEAD,
        last_checked_at=timezone.now(),
        last_status=404,
        last_outcome=Outcome.NOT_FOUND,
    )
    ok = SourceFactory(
        url="https://alive.example.net/page",
        title="Alive page",
        health=Health.OK,
        last_status=200,
        last_outcome=Outcome.OK,
    )
    unknown = SourceFactory(url="https://new.example.org/", title="Never checked")
    EvidenceFactory(source=dead)
    EvidenceFactory(source=dead)
    EvidenceFactory(source=ok)
    return dead, ok, unknown


def test_changelist_shows_health_labels_checks_and_claim_counts(rclient, sources):
    dead, ok, unknown = sources
    response = rclient.get(reverse(CHANGELIST))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="fc-label fc-health-dead">Dead</span>' in html
    assert '<span class="fc-label fc-health-ok">OK</span>' in html
    assert '<span class="fc-label fc-health-unknown">Unknown</span>' in html
    assert "Not found" in html
    # The labels' colours come after admin.css, so they win over its grey default for .fc-label.
    assert "claims/admin.css" in html
    assert html.index("claims/admin.css") < html.index("claims/labels.css")
    counts = {s.pk: s.claim_count for s in response.context["cl"].result_list}
    assert counts == {dead.pk: 2, ok.pk: 1, unknown.pk: 0}
    assert "By health" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"health__exact": "dead"}, {"dead"}),
        ({"health__exact": "ok"}, {"ok"}),
        ({"health__exact": "unknown"}, {"unknown"}),
        ({"health__exact": "failing"}, set()),
        ({"last_outcome__exact": "not_found"}, {"dead"}),
        ({"q": "alive.example.net"}, {"ok"}),  # domain
        ({"q": "gone.example.com/post"}, {"dead"}),  # url
        ({"q": "never checked"}, {"unknown"}),  # title
    ],
)
def test_changelist_filters_and_search(rclient, sources, query, expected):
    names = dict(zip(("dead", "ok", "unknown"), sources, strict=True))
    response = rclient.get(reverse(CHANGELIST), query)
    assert response.status_code == 200
    assert {s.pk for s in response.context["cl"].result_list} == {names[n].pk for n in expected}


def test_changelist_orders_by_claim_count(rclient, sources):
    dead, ok, unknown = sources
    response = rclient.get(reverse(CHANGELIST), {"o": "-7"})  # the claims column, most cited first
    assert [s.pk for s in response.context["cl"].result_list] == [dead.pk, ok.pk, unknown.pk]


def _sources_with_everything(n: int) -> None:
    for i in range(n):
        source = SourceFactory(health=Health.FAILING if i % 2 else Health.OK, last_outcome=Outcome.SERVER_ERROR)
        EvidenceFactory(source=source)
        EvidenceFactory(source=source)
        LinkCheckFactory(source=source)


def test_changelist_query_count_does_not_grow_with_rows(rclient, django_assert_max_num_queries):
    _sources_with_everything(5)
    rclient.get(reverse(CHANGELIST))  # warm up the session and content-type caches
    with CaptureQueriesContext(connection) as five:
        assert rclient.get(reverse(CHANGELIST)).status_code == 200
    _sources_with_everything(25)
    with django_assert_max_num_queries(len(five.captured_queries)):
        response = rclient.get(reverse(CHANGELIST))
    assert len(response.context["cl"].result_list) == 30
    assert all(s.claim_count == 2 for s in response.context["cl"].result_list)


def test_change_page_lists_newest_checks_first_and_limited(rclient):
    source = SourceFactory()
    start = timezone.now() - datetime.timedelta(days=30)
    for day in range(25):
        LinkCheckFactory(source=source, checked_at=start + datetime.timedelta(days=day), elapsed_ms=1000 + day)
    claim = ClaimFactory(text="A claim citing the source")
    EvidenceFactory(claim=claim, source=source)
    response = rclient.get(reverse("admin:sources_source_change", args=[source.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    table = html[html.index('<table class="fc-checks">') :].split("</table>")[0]
    shown = [f"{1000 + day} ms" for day in range(25) if f"{1000 + day} ms" in table]
    assert shown == [f"{1000 + day} ms" for day in range(5, 25)]  # the 20 newest
    assert table.index("1024 ms") < table.index("1005 ms")  # newest first
    assert f"?source__id__exact={source.pk}" in html
    assert "A claim citing the source" in html
    assert reverse("admin:claims_claim_change", args=[claim.pk]) in html


def test_change_page_shows_a_timeline_of_checks_oldest_to_newest(rclient):
    import xml.etree.ElementTree as ET

    source = SourceFactory()
    start = timezone.now() - datetime.timedelta(days=100)
    outcomes = [Outcome.OK, Outcome.TIMEOUT, Outcome.NOT_FOUND, Outcome.RATE_LIMITED]
    for day in range(70):
        LinkCheckFactory(
            source=source,
            checked_at=start + datetime.timedelta(days=day),
            outcome=outcomes[day % 4],
            elapsed_ms=10 * day,
        )
    LinkCheckFactory(checked_at=timezone.now(), elapsed_ms=99999)  # another source's
    url = reverse("admin:sources_source_change", args=[source.pk])
    with CaptureQueriesContext(connection) as queries:
        html = rclient.get(url).content.decode()
    assert sum("sources_linkcheck" in q["sql"] for q in queries.captured_queries) == 1  # table and timeline share
    svg = ET.fromstring(
        html[html.index('<svg class="fc-chart" data-chart="source-checks"') :].split("</svg>")[0] + "</svg>"
    )
    ns = "{http://www.w3.org/2000/svg}"
    marks = [r for r in svg.iter(f"{ns}rect") if r.get("class") == "fc-mark"]
    assert len(marks) == 60  # the newest 60, oldest on the left
    assert [int(m.get("data-value")) for m in marks] == [10 * day for day in range(10, 70)]
    assert (
        marks[-1]
        .find(f"{ns}title")
        .text.endswith(": Timeout (HTTP 200): no complete answer in the time allowed, 690 ms")
    )
    assert marks[-2].find(f"{ns}title").text.endswith(": OK (HTTP 200), 680 ms")
    assert marks[-1].get("fill") != marks[-2].get("fill")
    assert svg.get("role") == "img"


def test_change_page_of_a_source_never_checked_says_so(rclient):
    source = SourceFactory()
    html = rclient.get(reverse("admin:sources_source_change", args=[source.pk])).content.decode()
    assert "the timeline starts with the first check" in html
    assert 'data-chart="source-checks"' not in html


def test_link_health_fields_are_read_only(rclient):
    source = SourceFactory(health=Health.DEAD)
    form = rclient.get(reverse("admin:sources_source_change", args=[source.pk])).context["adminform"].form
    assert "health" not in form.fields
    assert "last_checked_at" not in form.fields
    assert {"url", "title", "publisher", "archive_url"} <= set(form.fields)


def test_adding_a_second_spelling_of_a_known_source_is_a_form_error(rclient):
    SourceFactory(url="https://example.org/page")
    response = rclient.post(
        reverse("admin:sources_source_add"), {"url": "HTTPS://Example.org:443/page?fbclid=abc", "title": "Again"}
    )
    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors["url"])
    assert Source.objects.count() == 1


def test_adding_a_source_stores_the_canonical_url(rclient):
    response = rclient.post(
        reverse("admin:sources_source_add"), {"url": "https://EXAMPLE.org/new?utm_source=feed", "title": "New"}
    )
    assert response.status_code == 302
    assert Source.objects.get().url == "https://example.org/new"


def test_link_checks_are_read_only(rclient):
    check = LinkCheckFactory(outcome=Outcome.TIMEOUT, http_status=None)
    listing = rclient.get(reverse("admin:sources_linkcheck_changelist"), {"outcome__exact": "timeout"})
    assert listing.status_code == 200
    assert [c.pk for c in listing.context["cl"].result_list] == [check.pk]
    by_source = rclient.get(reverse("admin:sources_linkcheck_changelist"), {"source__id__exact": check.source_id})
    assert [c.pk for c in by_source.context["cl"].result_list] == [check.pk]
    page = rclient.get(reverse("admin:sources_linkcheck_change", args=[check.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert rclient.get(reverse("admin:sources_linkcheck_add")).status_code == 403
    assert rclient.post(reverse("admin:sources_linkcheck_change", args=[check.pk]), {}).status_code == 403
    assert rclient.get(reverse("admin:sources_linkcheck_delete", args=[check.pk])).status_code == 403


def test_researcher_can_view_sources_but_not_change_them(client, sources):
    client.force_login(ResearcherFactory(username="ruth", is_staff=True))
    dead, ok, _ = sources
    # Researchers see the sources that public claims cite.
    EvidenceFactory(source=dead, claim=PublishedClaimFactory(evidence=None))
    listed = client.get(reverse(CHANGELIST))
    assert [s.pk for s in listed.context["cl"].result_list] == [dead.pk]
    assert listed.context["cl"].result_list[0].claim_count == 1  # the drafts citing it are not counted
    # A source only drafts cite is not theirs (as in the API): "not found", back to the admin home.
    assert client.get(reverse("admin:sources_source_change", args=[ok.pk])).status_code == 302
    page = client.get(reverse("admin:sources_source_change", args=[dead.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = client.post(
        reverse("admin:sources_source_change", args=[dead.pk]), {"url": dead.url, "title": "Renamed"}
    )
    assert response.status_code == 403
    dead.refresh_from_db()
    assert dead.title == "Gone post"
    assert client.get(reverse("admin:sources_linkcheck_changelist")).status_code == 200
