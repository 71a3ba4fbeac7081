"""Readers' "as we cited it": the public claim page links a dead or drifted source to our capture's text view
(public.views.captures), which shows the text only, escaped, the excerpt marked, the hash and the time with its zone;
never a capture of a source only a draft cites."""

import hashlib
import itertools
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.choices import ClaimStatus, ExcerptStatus
from sources.choices import CaptureReason, CaptureStatus, Health
from sources.models import Capture
from tests import factories

from .conftest import ZH

pytestmark = pytest.mark.django_db

EXCERPT = "the deficit fell to 3.1 per cent"
TEXT = "Budget report\nThe minister said that the deficit\n fell to 3.1\xa0per cent in 2023. <script>x</script>"
_keys = itertools.count()


def capture_of(evidence, *, reason=CaptureReason.CITED, text=TEXT, at=None, status=CaptureStatus.OK, of_evidence=True):
    """A capture row as the capturer writes one (its file is not read by the text view)."""
    ok = status == CaptureStatus.OK
    return Capture.objects.create(
        source=evidence.source,
        evidence=evidence if of_evidence else None,
        reason=reason,
        key=f"test:{next(_keys)}",
        status=status,
        failure="" if ok else "not_found",
        url=evidence.source.url,
        fetched_at=at or timezone.now(),
        http_status=200 if ok else 404,
        content_type="text/html",
        sha256=hashlib.sha256(text.encode()).hexdigest() if ok else "",
        text=text if ok else "",
    )


@pytest.fixture
def cited(public_site):
    claim = factories.PublishedClaimFactory(text="The deficit fell.")
    evidence = claim.evidence.get()
    evidence.excerpt = EXCERPT
    evidence.save()
    return claim, evidence


def claim_page(client, claim, **headers):
    return client.get(reverse("public-claim", args=[claim.pk]), follow=True, **headers).content.decode()


def capture_url(claim, capture):
    return reverse("public-capture", args=[claim.pk, capture.pk])


def test_a_live_source_links_to_no_capture(client, cited):
    claim, evidence = cited
    capture = capture_of(evidence)
    assert capture_url(claim, capture) not in claim_page(client, claim)


@pytest.mark.parametrize("how", ["dead", "drifted"])
def test_a_dead_or_drifted_source_links_to_the_capture_taken_at_citation(client, cited, how):
    claim, evidence = cited
    at_citation = capture_of(evidence, at=timezone.now() - timedelta(days=30))
    newer = capture_of(evidence, reason=CaptureReason.DRIFT, text="edited", of_evidence=False)
    if how == "dead":
        evidence.source.health = Health.DEAD
        evidence.source.archive_url = "https://web.archive.org/web/2024/https://source.example.org/"
        evidence.source.save()
    else:
        type(evidence).objects.filter(pk=evidence.pk).update(excerpt_status=ExcerptStatus.MISSING)
    html = claim_page(client, claim)
    assert capture_url(claim, at_citation) in html
    assert capture_url(claim, newer) not in html
    assert "as we cited it on" in html
    assert at_citation.sha256 in html
    if how == "dead":  # beside the Wayback copy
        assert html.index("Read the archived copy") < html.index(capture_url(claim, at_citation))


def test_without_a_capture_at_citation_the_earliest_ok_one_is_linked(client, cited):
    claim, evidence = cited
    capture_of(evidence, status=CaptureStatus.FAILED)  # the citation's capture failed
    earliest = capture_of(evidence, reason=CaptureReason.SCHEDULED, of_evidence=False, at=timezone.now() - timedelta(1))
    capture_of(evidence, reason=CaptureReason.DRIFT, of_evidence=False)
    evidence.source.health = Health.DEAD
    evidence.source.save()
    html = claim_page(client, claim)
    assert capture_url(claim, earliest) in html


def test_a_capture_taken_after_the_page_was_rendered_changes_the_page(client, cited):
    claim, evidence = cited
    evidence.source.health = Health.DEAD
    evidence.source.save()
    first = client.get(reverse("public-claim", args=[claim.pk]), follow=True)
    capture = capture_of(evidence)
    again = client.get(reverse("public-claim", args=[claim.pk]), follow=True, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200  # a new ETag, not a 304
    assert capture_url(claim, capture) in again.content.decode()


def test_the_text_view_shows_the_text_escaped_the_excerpt_marked_the_hash_and_the_zone(client, cited, settings):
    settings.FACTCHECK_PUBLIC_TIME_ZONE = "Asia/Shanghai"
    claim, evidence = cited
    capture = capture_of(evidence)
    response = client.get(capture_url(claim, capture))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>the deficit\n fell to 3.1\xa0per cent</mark>" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>x" not in html
    assert capture.sha256 in html
    assert evidence.source.url in html
    assert "(UTC+08:00, Asia/Shanghai)" in html
    assert "our own copy of a page this fact-check cites" in html
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert "script-src" not in response["Content-Security-Policy"]


def test_an_excerpt_not_in_the_capture_is_said_not_found(client, cited):
    claim, evidence = cited
    capture = capture_of(evidence, text="A page that says something else.")
    html = client.get(capture_url(claim, capture)).content.decode()
    assert "Not found in this capture." in html
    assert "<mark>" not in html


def test_the_text_view_answers_304_to_its_etag_and_a_new_one_when_the_excerpt_changes(client, cited):
    claim, evidence = cited
    capture = capture_of(evidence)
    first = client.get(capture_url(claim, capture))
    assert "max-age=60" in first["Cache-Control"]
    assert first["ETag"]
    again = client.get(capture_url(claim, capture), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    evidence.excerpt = "the deficit fell"
    evidence.save()
    changed = client.get(capture_url(claim, capture), HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


@pytest.mark.parametrize("status", [ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW])
def test_a_capture_of_a_source_only_a_non_public_claim_cites_is_never_public(client, public_site, status):
    draft = factories.ClaimFactory(status=status)
    evidence = factories.EvidenceFactory(claim=draft, excerpt=EXCERPT)
    capture = capture_of(evidence)
    assert client.get(capture_url(draft, capture)).status_code == 404
    # Nor through a public claim that cites another source.
    public = factories.PublishedClaimFactory()
    assert client.get(capture_url(public, capture)).status_code == 404


def test_a_failed_capture_has_no_text_view(client, cited):
    claim, evidence = cited
    failed = capture_of(evidence, status=CaptureStatus.FAILED)
    assert client.get(capture_url(claim, failed)).status_code == 404


def test_the_text_view_reads_in_chinese(client, cited):
    from django.utils import translation

    claim, evidence = cited
    capture = capture_of(evidence)
    html = client.get(capture_url(claim, capture), **ZH).content.decode()
    with translation.override("zh-hans"):
        assert translation.gettext("The page as we cited it") in html
    assert '<html lang="zh-hans"' in html
