"""What reviewers see of captures in the admin (sources.admin.CaptureAdmin, the source's and the evidence's capture
tables) and the rules it renders (sources.capture_read): excerpts marked in the text or "not found", the diff of two
captures, the WARC download, the captured HTML answered under a CSP that forbids every request."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone, translation

from claims import services
from sources.capture import source_capture
from sources.capture_read import (
    CAPTURED_HTML_CSP,
    capture_as_cited,
    capture_as_cited_sql,
    excerpt_spans,
    text_diff,
    text_marked,
)
from sources.choices import CaptureReason, CaptureStatus, Failure
from sources.health import excerpt_on_page, fold_text
from sources.models import Capture
from tests import factories

from .capture_farm import EXCERPT, article

pytestmark = pytest.mark.django_db

HOSTILE = (
    "<!doctype html><html><head><meta charset='windows-1252'><title>Budget</title></head><body>"
    "<h1>Budget report</h1><p>In 2024 the deficit fell to 3.1&nbsp;per cent of GDP. Caf\xe9 prices rose.</p>"
    "<script>document.body.innerHTML='owned'</script></body></html>"
).encode("cp1252")


@pytest.fixture(autouse=True)
def _captures_on(settings):
    settings.CAPTURE_ENABLED = True  # off elsewhere in the tests (tests/conftest.py)


def cite(url: str, *, claim=None, excerpt: str = EXCERPT, capture_hooks=None):
    with capture_hooks(execute=True):
        return services.evidence_add(claim=claim or factories.ClaimFactory(), url=url, excerpt=excerpt)


@pytest.fixture
def cited(capture_farm, django_capture_on_commit_callbacks):
    """A draft claim citing the farm's budget article with EXCERPT: its capture taken at citation."""
    url = capture_farm.page_url("budget", article())
    evidence = cite(url, capture_hooks=django_capture_on_commit_callbacks)
    return evidence, Capture.objects.get(evidence=evidence)


@pytest.fixture
def staff_researcher(db):
    return factories.ResearcherFactory(username="ruth", is_staff=True)


def admin_get(client, user, name, *args):
    client.force_login(user)
    return client.get(reverse(name, args=args))


# --- The rules -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "excerpt", "marked"),
    [
        ("It said “the deficit  fell” today", '"The Deficit fell"', ["“the deficit  fell”"]),
        ("Cafe\u0301 ÉTÉ", "café été", ["Cafe\u0301 ÉTÉ"]),
        ("赤字 下降 了", "赤字下降", ["赤字 下降"]),
        ("ＡＢＣ and abc", "abc", ["ＡＢＣ", "abc"]),
        ("soft\u00adhyphen", "softhyphen", ["soft\u00adhyphen"]),
    ],
)
def test_an_excerpt_is_marked_where_the_drift_check_finds_it_through_the_fold(text, excerpt, marked):
    assert excerpt_on_page(excerpt, fold_text(text))  # the drift check's own verdict
    assert [text[start:end] for start, end in excerpt_spans(text, excerpt)] == marked


def test_the_marked_text_is_escaped_and_says_which_excerpts_are_missing():
    html, found = text_marked("<b>x</b> the deficit fell & <i>", ["deficit fell", "not on this page"])
    assert str(html) == "&lt;b&gt;x&lt;/b&gt; the <mark>deficit fell</mark> &amp; &lt;i&gt;"
    assert [(f.excerpt, f.found) for f in found] == [("deficit fell", True), ("not on this page", False)]


def test_the_diff_shows_removed_and_added_lines_around_the_change_only():
    before = "\n".join(f"line {n}" for n in range(20))
    after = before.replace("line 10", "line ten <b>")
    lines = text_diff(before, after)
    assert [(line.kind, line.text) for line in lines if line.kind in ("removed", "added")] == [
        ("removed", "line 10"),
        ("added", "line ten <b>"),
    ]
    assert [line.text for line in lines if line.kind == "same"] == [f"line {n}" for n in (7, 8, 9, 11, 12, 13)]
    assert text_diff(before, before) == []


# --- What reviewers see ---------------------------------------------------------------------------------------------


def test_the_capture_page_shows_time_hash_size_and_the_excerpt_marked(client, reviewer, cited):
    evidence, capture = cited
    response = admin_get(client, reviewer, "admin:sources_capture_change", capture.pk)
    html = response.content.decode()
    assert response.status_code == 200
    assert capture.sha256 in html
    assert "<mark>the deficit\n fell to 3.1\xa0per cent</mark>" in html  # marked in the original, through the fold
    assert "Found in this capture" in html
    assert "Not found in this capture" not in html
    # The time in the reviewer's zone, the zone named (factcheck/formats ends every date-and-time with it).
    assert timezone.localtime(capture.fetched_at).strftime("%Y") in html
    assert "UTC" in html
    assert reverse("admin:sources_capture_warc", args=[capture.pk]) in html
    # The captured page only in a frame with an empty sandbox: no scripts, no same origin.
    frame = f'<iframe class="fc-captured-page" sandbox src="{reverse("admin:sources_capture_html", args=[capture.pk])}"'
    assert frame in html
    assert "allow-scripts" not in html
    assert "allow-same-origin" not in html


def test_an_excerpt_the_capture_does_not_hold_is_said_not_found(client, reviewer, capture_farm, cited):
    evidence, _ = cited
    capture_farm.pages["budget"] = (article().replace(b"3.1&nbsp;per cent", b"3.4&nbsp;per cent"), "text/html")
    drift = source_capture(source_id=evidence.source_id, reason=CaptureReason.DRIFT)
    html = admin_get(client, reviewer, "admin:sources_capture_change", drift.pk).content.decode()
    assert "Not found in this capture" in html
    assert "<mark>" not in html


def test_a_failed_capture_is_shown_with_its_reason_on_the_source_and_the_evidence(
    client, reviewer, capture_farm, django_capture_on_commit_callbacks
):
    url = capture_farm.url("/status/404")
    evidence = cite(url, capture_hooks=django_capture_on_commit_callbacks)
    capture = Capture.objects.get(evidence=evidence)
    assert (capture.status, capture.failure) == (CaptureStatus.FAILED, Failure.NOT_FOUND)
    shown = f"Failed: {Failure.NOT_FOUND.label}"
    source_page = admin_get(client, reviewer, "admin:sources_source_change", evidence.source_id).content.decode()
    claim_page = admin_get(client, reviewer, "admin:claims_claim_change", evidence.claim_id).content.decode()
    capture_page = admin_get(client, reviewer, "admin:sources_capture_change", capture.pk).content.decode()
    for html in (source_page, claim_page, capture_page):
        assert shown in html
    assert "A failed capture keeps no file." in capture_page


def test_the_source_and_the_evidence_list_each_capture_with_time_status_hash_and_size(client, reviewer, cited):
    evidence, capture = cited
    again = source_capture(source_id=evidence.source_id, reason=CaptureReason.ON_DEMAND)
    assert again.duplicate_of_id == capture.pk
    source_page = admin_get(client, reviewer, "admin:sources_source_change", evidence.source_id).content.decode()
    claim_page = admin_get(client, reviewer, "admin:claims_claim_change", evidence.claim_id).content.decode()
    for html in (source_page, claim_page):
        assert html.count(capture.sha256) == 2  # both rows: the second shares the first's body
        assert reverse("admin:sources_capture_change", args=[again.pk]) in html
        assert "same body as an earlier capture" in html
        assert ">OK<" in html


def test_the_diff_of_two_captures_shows_the_changed_line_escaped(client, reviewer, capture_farm, cited):
    evidence, capture = cited
    capture_farm.pages["budget"] = (
        article().replace(b"3.1&nbsp;per cent", b"3.4&nbsp;per cent &lt;b&gt;"),
        "text/html",
    )
    newer = source_capture(source_id=evidence.source_id, reason=CaptureReason.DRIFT)
    page = admin_get(client, reviewer, "admin:sources_capture_change", newer.pk).content.decode()
    diff_url = reverse("admin:sources_capture_diff", args=[newer.pk, capture.pk])
    assert diff_url in page
    html = admin_get(client, reviewer, "admin:sources_capture_diff", newer.pk, capture.pk).content.decode()
    assert '<tr class="fc-diff-removed">' in html
    assert "<del>In 2024 the deficit fell to 3.1\xa0per cent of GDP.</del>" in html or "3.1" in html.split("<del>")[1]
    added = html.split("<ins>")[1].split("</ins>")[0]
    assert "3.4" in added
    assert "&lt;b&gt;" in added  # the page's text is text here, never markup
    # The older is always on the left, whichever order the url names them in.
    assert html.index(f'href="{reverse("admin:sources_capture_change", args=[capture.pk])}"') < html.index(
        f'href="{reverse("admin:sources_capture_change", args=[newer.pk])}"'
    )


def test_captures_of_two_sources_are_not_compared(client, reviewer, capture_farm, cited):
    _, capture = cited
    other_url = capture_farm.page_url("other", article())
    other = source_capture(source_id=factories.SourceFactory(url=other_url).pk, reason=CaptureReason.ON_DEMAND)
    response = admin_get(client, reviewer, "admin:sources_capture_diff", capture.pk, other.pk)
    assert response.status_code == 404


def test_the_warc_downloads_as_an_attachment_streamed_from_storage(client, reviewer, cited):
    _, capture = cited
    response = admin_get(client, reviewer, "admin:sources_capture_warc", capture.pk)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/warc"
    assert response["Content-Disposition"] == (
        f'attachment; filename="capture-{capture.pk}-{capture.sha256[:12]}.warc.gz"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    with default_storage.open(capture.warc.name, "rb") as fh:
        assert hashlib.sha256(body).hexdigest() == hashlib.sha256(fh.read()).hexdigest()


def test_the_captured_html_is_answered_under_a_csp_that_forbids_every_request(client, reviewer, capture_farm):
    url = capture_farm.page_url("hostile", HOSTILE, content_type="text/html; charset=windows-1252")
    capture = source_capture(source_id=factories.SourceFactory(url=url).pk, reason=CaptureReason.ON_DEMAND)
    response = admin_get(client, reviewer, "admin:sources_capture_html", capture.pk)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == (
        "default-src 'none'; img-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    assert response["Content-Security-Policy"] == CAPTURED_HTML_CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["X-Frame-Options"] == "SAMEORIGIN"  # framed by our admin page only
    # Decoded by the charset the server named, re-encoded as the header says.
    assert "Café prices rose." in response.content.decode("utf-8")


@pytest.mark.parametrize("name", ["admin:sources_capture_warc", "admin:sources_capture_html"])
def test_the_warc_and_the_html_are_for_reviewers_only(client, staff_researcher, capture_farm, name):
    researcher = staff_researcher
    url = capture_farm.page_url("budget", article())
    claim = factories.PublishedClaimFactory()
    services.evidence_add(claim=claim, url=url, excerpt=EXCERPT)
    capture = source_capture(source_id=claim.evidence.get(source__url=url).source_id, reason="on_demand")
    assert admin_get(client, researcher, "admin:sources_capture_change", capture.pk).status_code == 200
    assert admin_get(client, researcher, name, capture.pk).status_code == 403
    client.logout()
    anonymous = client.get(reverse(name, args=[capture.pk]))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("admin:login"))


def test_a_researcher_sees_no_capture_of_a_source_only_a_draft_cites(client, staff_researcher, cited):
    researcher = staff_researcher
    _, capture = cited  # cited by a draft
    # Django's admin answers an object outside the queryset with a redirect to its index ("does not exist").
    change = admin_get(client, researcher, "admin:sources_capture_change", capture.pk)
    assert (change.status_code, change["Location"]) == (302, reverse("admin:index"))
    diff = admin_get(client, researcher, "admin:sources_capture_diff", capture.pk, capture.pk)
    assert diff.status_code == 404
    listing = admin_get(client, researcher, "admin:sources_capture_changelist").content.decode()
    assert capture.sha256 not in listing


def test_the_capture_page_reads_in_chinese(client, reviewer, cited):
    _, capture = cited
    from accounts.services import profile_set_preferences

    profile_set_preferences(user=reviewer, language="zh-hans", time_zone="Asia/Shanghai")
    html = admin_get(client, reviewer, "admin:sources_capture_change", capture.pk).content.decode()
    with translation.override("zh-hans"):
        assert translation.gettext("Found in this capture") in html
        assert translation.gettext("Download the WARC file") in html


# --- Which capture readers are shown --------------------------------------------------------------------------------


def test_readers_are_shown_the_capture_taken_at_citation_in_sql_as_in_the_orm(
    capture_farm, cited, django_capture_on_commit_callbacks
):
    from django.db import connection

    evidence, at_citation = cited
    later = source_capture(source_id=evidence.source_id, reason=CaptureReason.ON_DEMAND)
    # A second claim cites the same page later: its own capture at citation is the one its readers see.
    second = cite(evidence.source.url, capture_hooks=django_capture_on_commit_callbacks)
    second_at_citation = Capture.objects.get(evidence=second)

    def in_sql(e):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {capture_as_cited_sql()} FROM claims_evidence e WHERE e.id = %s",
                [e.pk],
            )
            return cursor.fetchone()[0]

    for e, expected in ((evidence, at_citation), (second, second_at_citation)):
        assert capture_as_cited(evidence_id=e.pk, source_id=e.source_id) == expected
        assert in_sql(e) == expected.pk
    assert later.pk not in (in_sql(evidence), in_sql(second))
    # No capture at citation that succeeded (it is no longer this evidence's): the source's earliest ok capture.
    Capture.objects.filter(pk=at_citation.pk).update(evidence=None)
    Capture.objects.filter(pk=later.pk).update(fetched_at=at_citation.fetched_at - timedelta(days=1))
    assert capture_as_cited(evidence_id=evidence.pk, source_id=evidence.source_id) == later
    assert in_sql(evidence) == later.pk
