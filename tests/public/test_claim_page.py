"""The claim page: its address, what it shows in both languages, its one ClaimReview, its head, and its cache
(ETag, 304, and a new rendering after every kind of change)."""

import datetime as dt
import json
import re

import extruct
import pytest
from django.test import override_settings
from django.utils import timezone, translation

from claims import services
from claims.choices import ClaimStatus, Stance, Verdict
from claims.models import Appearance, Claim, Tag
from claims.selectors.claimreview import is_our_review, our_reviews
from public.links import claim_path
from sources.choices import Health
from sources.health import Snapshot, source_set_archive
from sources.models import Source
from tests import factories
from tests.public.conftest import SITE, ZH

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_site")]


@pytest.fixture
def claim(reviewer):
    claim = factories.PublishedClaimFactory(
        text="The video was made in ten seconds.",
        quote="这个视频十秒钟就生成了。",
        language="zh-Hans",
        claimant="李明",
        review_language="en",
        verdict=Verdict.FALSE,
        explanation="The maker said it took an hour.",
        claimed_at=timezone.make_aware(dt.datetime(2024, 11, 27, 9, 30)),
        reviewer=reviewer,
        article__title="视频生成的新闻",
        article__outlet="Example News",
        article__language="zh-Hans",
    )
    claim.tags.add(*(Tag.objects.get_or_create(name=n)[0] for n in ["video", "AI"]))
    return claim


def page(client, claim, **extra):
    response = client.get(claim_path(claim.pk, claim.text), **extra)
    assert response.status_code == 200, response.status_code
    return response


def html(response) -> str:
    return response.content.decode()


def claim_reviews(response) -> list[dict]:
    data = extruct.extract(html(response), base_url=response.wsgi_request.build_absolute_uri(), syntaxes=["json-ld"])
    return [item for item in data["json-ld"] if item.get("@type") == "ClaimReview"]


# --- Address ---------------------------------------------------------------------------------------------------


def test_the_bare_address_and_a_wrong_slug_redirect_to_the_canonical_one(client, claim):
    canonical = claim_path(claim.pk, claim.text)
    assert canonical == f"/claims/{claim.pk}/the-video-was-made-in-ten-seconds/"
    for address in (f"/claims/{claim.pk}/", f"/claims/{claim.pk}/old-words/"):
        response = client.get(address)
        assert response.status_code == 301
        assert response["Location"] == canonical
    assert client.get(canonical).status_code == 200


def test_a_chinese_slug_is_canonical_too(client):
    claim = factories.PublishedClaimFactory(text="视频是十秒生成的")
    canonical = claim_path(claim.pk, claim.text)
    assert client.get(f"/claims/{claim.pk}/").headers["Location"] == canonical
    assert client.get(canonical).status_code == 200


def test_the_redirect_keeps_the_query_and_the_cached_page_keeps_none(client, claim):
    canonical = claim_path(claim.pk, claim.text)
    response = client.get(f"/claims/{claim.pk}/?utm_source=feed")
    assert response["Location"] == f"{canonical}?utm_source=feed"
    client.get(f"{canonical}?next=%2Fevil%2F")
    text = html(page(client, claim))
    assert f'name="next" value="{canonical}"' in text
    assert "evil" not in text


@pytest.mark.parametrize("status", [ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW])
def test_drafts_and_claims_in_review_are_404_at_every_address(client, status):
    claim = factories.ClaimFactory(status=status)
    for address in (f"/claims/{claim.pk}/", claim_path(claim.pk, claim.text), f"/claims/{claim.pk}/x/"):
        assert client.get(address).status_code == 404


def test_a_missing_claim_is_404(client):
    assert client.get("/claims/987654/").status_code == 404
    assert client.get("/claims/987654/anything/").status_code == 404


def test_a_claim_moved_back_to_review_disappears_at_once(client, claim, reviewer):
    page(client, claim)
    services.claim_update(claim_id=claim.pk, user=reviewer, data={"status": ClaimStatus.IN_REVIEW})
    assert client.get(claim_path(claim.pk, claim.text)).status_code == 404


def test_a_retracted_claim_shows_its_page_with_a_notice_and_no_claimreview(client, claim):
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.RETRACTED)
    response = page(client, claim)
    assert "This fact-check has been retracted" in html(response)
    assert claim_reviews(response) == []
    assert "application/ld+json" not in html(response)


# --- Content ---------------------------------------------------------------------------------------------------


def test_the_page_shows_the_claim_who_where_when_and_the_verdict(client, claim):
    text = html(page(client, claim))
    assert '<html lang="en">' in text
    assert '<h1 id="claim-title" lang="en">The video was made in ten seconds.</h1>' in text
    assert '<blockquote lang="zh-Hans">这个视频十秒钟就生成了。</blockquote>' in text
    assert '<dd lang="zh-Hans">李明</dd>' in text
    assert claim.article.url in text
    assert "视频生成的新闻" in text
    assert "Example News" in text
    assert '<time datetime="2024-11-27' in text  # claimed_at, the "when"
    assert '<span class="fc-label fc-verdict-false">False</span>' in text
    assert '<div class="claim-explanation" lang="en"><p>The maker said it took an hour.</p></div>' in text
    assert f'href="/tips/?claim={claim.pk}"' in text
    assert "Report an error" in text
    assert "?tag=AI" in text
    assert "?tag=video" in text
    assert "{# correction log" not in text  # the marker is a template comment, not shown


def test_the_page_in_chinese_keeps_the_claim_as_written(client, claim):
    response = page(client, claim, **ZH)
    text = html(response)
    assert '<html lang="zh-hans">' in text
    assert response["Content-Language"] == "zh-hans"
    with translation.override("zh-hans"):
        label = str(Verdict.FALSE.label)
    assert f'<span class="fc-label fc-verdict-false">{label}</span>' in text
    assert '<h1 id="claim-title" lang="en">The video was made in ten seconds.</h1>' in text
    assert '<blockquote lang="zh-Hans">这个视频十秒钟就生成了。</blockquote>' in text


def test_every_source_shows_its_stance_and_excerpt_and_a_dead_one_its_archived_copy(client, claim):
    live = claim.evidence.get()
    live.stance, live.excerpt = Stance.REFUTES, "It took us an hour to render."
    live.save()
    gone = factories.EvidenceFactory(claim=claim, stance=Stance.CONTEXT, excerpt="Background passage.").source
    Source.objects.filter(pk=gone.pk).update(
        health=Health.DEAD,
        archive_url="https://web.archive.org/web/2024/https://gone.example/",
        archived_at=timezone.now(),
    )
    lost = factories.EvidenceFactory(claim=claim).source
    Source.objects.filter(pk=lost.pk).update(health=Health.DEAD)
    text = html(page(client, claim))
    assert '<span class="stance stance-refutes">Refutes</span>' in text
    assert "It took us an hour to render." in text
    assert f'<a href="{live.source.url}"' in text
    assert '<span class="stance stance-context">Context</span>' in text
    assert "This page is no longer online." in text
    assert 'href="https://web.archive.org/web/2024/https://gone.example/"' in text
    assert f'<a href="{gone.url}"' not in text  # the dead page is named, not linked
    assert "No archived copy is known." in text


def test_other_fact_checkers_reviews_show_as_printed(client, claim):
    factories.ExternalReviewFactory(
        claim=claim,
        publisher_name="台湾事实查核中心",
        rating_text="错误",
        language="zh-Hant",
        url="https://tfc.example/review/1",
        reviewed_at=timezone.make_aware(dt.datetime(2024, 12, 2, 10, 0)),
    )
    text = html(page(client, claim))
    assert '<a href="https://tfc.example/review/1" rel="nofollow noopener">台湾事实查核中心</a>' in text
    assert '<span class="review-rating" lang="zh-Hant">错误</span>' in text
    assert '<time datetime="2024-12-02T10:00:00+00:00">' in text


# --- ClaimReview -----------------------------------------------------------------------------------------------


def test_exactly_one_claimreview_with_the_canonical_url_and_what_the_page_shows(client, claim):
    Appearance.objects.create(claim=claim, url="https://elsewhere.example/post", appeared_at=timezone.now())
    for extra in ({}, ZH):
        response = page(client, claim, **extra)
        text = html(response)
        assert text.count('<script type="application/ld+json">') == 1
        (review,) = claim_reviews(response)
        assert review["url"] == f"{SITE}{claim_path(claim.pk, claim.text)}"
        assert f'<link rel="canonical" href="{review["url"]}">' in text
        assert review["claimReviewed"] == claim.text
        assert f'lang="en">{review["claimReviewed"]}</h1>' in text
        shown = re.search(r'class="fc-label fc-verdict-false">([^<]+)<', text).group(1)
        assert review["reviewRating"]["alternateName"] == shown
        assert review["itemReviewed"]["appearance"][-1]["url"] == "https://elsewhere.example/post"


def test_the_claimreview_is_the_apis_but_for_its_url(client, claim):
    api = client.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()
    (review,) = claim_reviews(page(client, claim))
    api.pop("url")
    review.pop("url")
    assert review == api


def test_claim_text_with_a_closing_script_tag_stays_data(client, reviewer):
    text = 'He wrote </script><script>alert(1)</script> & "more" <!-- here'
    claim = factories.PublishedClaimFactory(text=text, reviewer=reviewer)
    response = page(client, claim)
    body = html(response)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S).group(1)
    assert "<" not in block
    assert ">" not in block
    assert "&" not in block
    assert json.loads(block)["claimReviewed"] == text
    (review,) = claim_reviews(response)
    assert review["claimReviewed"] == text
    assert "<script>alert(1)" not in body


def test_another_desks_review_alone_is_not_signed_as_ours(client):
    claim = factories.PublishedClaimFactory(reviewer=None)
    factories.ExternalReviewFactory(claim=claim)
    response = page(client, claim)
    assert claim_reviews(response) == []
    assert "Example Fact Check" in html(response)


def test_our_review_rule_has_one_meaning_in_sql_and_in_python(reviewer):
    ours_alone = factories.PublishedClaimFactory(reviewer=None)
    theirs = factories.PublishedClaimFactory(reviewer=None)
    factories.ExternalReviewFactory(claim=theirs)
    both = factories.PublishedClaimFactory(reviewer=reviewer)
    factories.ExternalReviewFactory(claim=both)
    in_sql = set(our_reviews(Claim.objects.all()).values_list("pk", flat=True))
    for claim in (ours_alone, theirs, both):
        python = is_our_review(
            has_reviewer=claim.reviewer_id is not None, has_external_reviews=claim.external_reviews.exists()
        )
        assert python == (claim.pk in in_sql), claim


# --- Head ------------------------------------------------------------------------------------------------------


def test_open_graph_canonical_description_and_oembed_discovery(client, claim):
    text = html(page(client, claim))
    url = f"{SITE}{claim_path(claim.pk, claim.text)}"
    assert f'<link rel="canonical" href="{url}">' in text
    assert '<meta property="og:type" content="article">' in text
    assert f'<meta property="og:title" content="{claim.text}">' in text
    assert f'<meta property="og:description" content="False: {claim.text}">' in text
    assert f'<meta name="description" content="False: {claim.text}">' in text
    assert f'<meta property="og:url" content="{url}">' in text
    assert '<meta property="og:site_name" content="factcheck demo desk">' in text
    assert '<meta property="og:locale" content="en_US">' in text
    assert 'type="application/json+oembed"' in text
    assert f"{SITE}/oembed?url=https%3A%2F%2Fdesk.example.org%2Fclaims%2F{claim.pk}%2F" in text
    assert '<meta property="og:locale" content="zh_CN">' in html(page(client, claim, **ZH))


def test_without_a_site_url_absolute_urls_follow_the_request_and_are_cached_apart(client, claim, settings):
    settings.FACTCHECK_SITE_URL = ""
    settings.ALLOWED_HOSTS = ["one.test", "two.test"]
    one = html(page(client, claim, HTTP_HOST="one.test"))
    two = html(page(client, claim, HTTP_HOST="two.test"))
    assert f'href="http://one.test{claim_path(claim.pk, claim.text)}"' in one
    assert f'href="http://two.test{claim_path(claim.pk, claim.text)}"' in two


# --- Caching ---------------------------------------------------------------------------------------------------


def test_etag_cache_control_and_304(client, claim):
    response = page(client, claim)
    etag = response["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    control = response["Cache-Control"]
    assert "public" in control
    assert "max-age=60" in control
    assert "must-revalidate" in control
    assert "Accept-Language" in response["Vary"]
    again = client.get(claim_path(claim.pk, claim.text), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""
    assert client.get(claim_path(claim.pk, claim.text), HTTP_IF_NONE_MATCH='"other"').status_code == 200
    # Another language is another rendering: its own ETag.
    assert page(client, claim, **ZH)["ETag"] != etag


def test_a_warm_page_is_one_statement_and_a_cold_one_three(client, claim, django_assert_num_queries):
    factories.EvidenceFactory(claim=claim)
    factories.ExternalReviewFactory(claim=claim)
    path = claim_path(claim.pk, claim.text)
    with django_assert_num_queries(3):  # the digest, the detail row, the correction log
        assert client.get(path).status_code == 200
    with django_assert_num_queries(1):  # the digest; the page comes from the cache
        warm = client.get(path)
    assert warm.status_code == 200
    with django_assert_num_queries(1):
        assert client.get(path, HTTP_IF_NONE_MATCH=warm["ETag"]).status_code == 304
    with django_assert_num_queries(1):
        assert client.get(f"/claims/{claim.pk}/").status_code == 301


def _changes(client, claim, change) -> None:
    """`change` makes the page show something else: a new ETag, and the new rendering served."""
    before = page(client, claim)
    page(client, claim)  # warm
    change()
    claim.refresh_from_db()
    after = page(client, claim)
    assert after["ETag"] != before["ETag"]
    assert client.get(claim_path(claim.pk, claim.text), HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200
    return html(after)


def test_a_correction_renders_anew(client, claim, reviewer):
    text = _changes(
        client,
        claim,
        lambda: services.claim_update(
            claim_id=claim.pk,
            user=reviewer,
            data={"verdict": Verdict.MOSTLY_FALSE},
            correction_note="A second source gave the full figure.",
        ),
    )
    assert "fc-verdict-mostly_false" in text
    assert "A second source gave the full figure." in text  # the correction log, with its note


def test_an_orm_update_renders_anew(client, claim):
    text = _changes(client, claim, lambda: Claim.objects.filter(pk=claim.pk).update(explanation="Another reason."))
    assert "Another reason." in text


def test_evidence_added_renders_anew(client, claim):
    text = _changes(
        client,
        claim,
        lambda: services.evidence_add(claim=claim, url="https://new.example/page", excerpt="A new passage."),
    )
    assert "A new passage." in text


def test_a_source_marked_dead_renders_anew(client, claim):
    source = claim.evidence.get().source
    text = _changes(client, claim, lambda: Source.objects.filter(pk=source.pk).update(health=Health.DEAD))
    assert "This page is no longer online." in text


def test_a_source_archived_by_the_link_checker_renders_anew(client, claim):
    source = claim.evidence.get().source
    snapshot = Snapshot(url="https://web.archive.org/web/2025/x", at=timezone.now())
    text = _changes(client, claim, lambda: source_set_archive(source_id=source.pk, snapshot=snapshot))
    assert "https://web.archive.org/web/2025/x" in text


def test_an_external_review_added_renders_anew(client, claim):
    text = _changes(client, claim, lambda: factories.ExternalReviewFactory(claim=claim, publisher_name="Desk Two"))
    assert "Desk Two" in text


def test_a_tag_renamed_or_an_article_edited_renders_anew(client, claim):
    text = _changes(client, claim, lambda: Tag.objects.filter(name="video").update(name="film"))
    assert "?tag=film" in text
    text = _changes(client, claim, lambda: type(claim.article).objects.filter(pk=claim.article_id).update(outlet="X"))
    assert '· <span lang="zh-Hans">X</span>' in text


def test_history_alone_renders_anew(client, claim):
    """The correction log is built from the public history: a record written, or a note set on one, after the page
    was cached must show, though the claim row itself did not change."""
    record = claim.history.first()
    records = Claim.history.model.objects
    _changes(client, claim, lambda: records.filter(pk=record.pk).update(history_change_reason="A public note."))

    def another_record():
        record.history_id = None
        record.save()

    _changes(client, claim, another_record)


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
def test_the_page_works_without_a_cache(client, claim):
    assert page(client, claim)["ETag"]


def test_the_digest_of_a_draft_is_none(reviewer):
    from public.selectors_claimpage import claim_page_digest

    draft = factories.ClaimFactory()
    assert claim_page_digest(claim_id=draft.pk) is None
    published = factories.PublishedClaimFactory()
    assert len(claim_page_digest(claim_id=published.pk)) == 32
