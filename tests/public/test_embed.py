"""The verdict card (/claims/<id>/embed/) and the oEmbed endpoint (/oembed) that hands it out."""

import re

import pytest

from claims.choices import ClaimStatus, Verdict
from claims.models import Claim
from public.links import claim_path
from tests import factories
from tests.public.conftest import SITE, ZH

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_site")]


@pytest.fixture
def claim(reviewer):
    return factories.PublishedClaimFactory(text="The video was made in ten seconds.", verdict=Verdict.FALSE)


def page_url(claim) -> str:
    return f"{SITE}{claim_path(claim.pk, claim.text)}"


# --- The card --------------------------------------------------------------------------------------------------


def test_the_card_shows_the_verdict_the_claim_a_link_and_the_desk(client, claim):
    response = client.get(f"/claims/{claim.pk}/embed/")
    assert response.status_code == 200
    text = response.content.decode()
    assert '<html lang="en">' in text
    assert '<span class="fc-label fc-verdict-false">False</span>' in text
    assert "The video was made in ten seconds." in text
    assert f'<a href="{page_url(claim)}" target="_blank" rel="noopener">' in text
    assert "A fact-check by factcheck demo desk" in text
    assert "<script" not in text


def test_the_card_may_be_framed_by_anyone_and_only_the_card(client, claim):
    card = client.get(f"/claims/{claim.pk}/embed/")
    assert "X-Frame-Options" not in card.headers
    assert "frame-ancestors *" in card["Content-Security-Policy"]
    assert "script-src" not in card["Content-Security-Policy"]  # default-src 'none' covers scripts
    assert "default-src 'none'" in card["Content-Security-Policy"]
    page = client.get(claim_path(claim.pk, claim.text))
    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


def test_the_frame_ancestors_are_a_setting(client, claim, settings):
    settings.FACTCHECK_EMBED_FRAME_ANCESTORS = "https://news.example https://cms.example"
    card = client.get(f"/claims/{claim.pk}/embed/")
    assert "frame-ancestors https://news.example https://cms.example" in card["Content-Security-Policy"]


def test_the_card_in_chinese(client, claim):
    response = client.get(f"/claims/{claim.pk}/embed/", **ZH)
    assert '<html lang="zh-hans">' in response.content.decode()
    assert response["Content-Language"] == "zh-hans"


@pytest.mark.parametrize("status", [ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW])
def test_no_card_for_a_draft_or_a_claim_in_review(client, status):
    claim = factories.ClaimFactory(status=status)
    assert client.get(f"/claims/{claim.pk}/embed/").status_code == 404
    assert client.get("/claims/987654/embed/").status_code == 404


def test_a_retracted_claims_card_says_so(client, claim):
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.RETRACTED)
    assert "This fact-check has been retracted." in client.get(f"/claims/{claim.pk}/embed/").content.decode()


def test_the_card_has_an_etag_and_answers_304_until_the_claim_changes(client, claim, django_assert_num_queries):
    first = client.get(f"/claims/{claim.pk}/embed/")
    etag = first["ETag"]
    assert "max-age=60" in first["Cache-Control"]
    with django_assert_num_queries(1):
        assert client.get(f"/claims/{claim.pk}/embed/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert etag != client.get(claim_path(claim.pk, claim.text))["ETag"]  # not the page's tag
    Claim.objects.filter(pk=claim.pk).update(verdict=Verdict.TRUE)
    again = client.get(f"/claims/{claim.pk}/embed/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert "fc-verdict-true" in again.content.decode()


# --- oEmbed ----------------------------------------------------------------------------------------------------


def oembed(client, **params):
    return client.get("/oembed", params)


def test_oembed_of_a_claim_page(client, claim):
    response = oembed(client, url=page_url(claim), format="json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["type"] == "rich"
    assert data["version"] == "1.0"
    assert data["title"] == claim.text
    assert data["provider_name"] == "factcheck demo desk"
    assert data["provider_url"] == f"{SITE}/"
    assert (data["width"], data["height"]) == (480, 240)
    src = re.search(r'<iframe src="([^"]+)" width="480" height="240"', data["html"]).group(1)
    assert src == f"{SITE}/claims/{claim.pk}/embed/"
    assert client.get(src.removeprefix(SITE)).status_code == 200


@pytest.mark.parametrize("suffix", ["", "any-slug/", "the-video-was-made-in-ten-seconds/"])
def test_oembed_takes_the_page_with_any_slug_or_none(client, claim, suffix):
    assert oembed(client, url=f"{SITE}/claims/{claim.pk}/{suffix}").status_code == 200


def test_oembed_respects_maxwidth_and_maxheight(client, claim):
    data = oembed(client, url=page_url(claim), maxwidth="320", maxheight="150").json()
    assert (data["width"], data["height"]) == (320, 150)
    assert 'width="320" height="150"' in data["html"]
    assert oembed(client, url=page_url(claim), maxwidth="2000").json()["width"] == 480  # a bound, not a size


def test_oembed_refuses_a_bad_bound(client, claim):
    for bad in ("-5", "wide", "0", "1.5"):
        response = oembed(client, url=page_url(claim), maxwidth=bad)
        assert response.status_code == 400, bad
        assert "maxwidth" in response.json()["error"]


def test_oembed_needs_a_url(client):
    response = oembed(client)
    assert response.status_code == 400
    assert "url" in response.json()["error"]


def test_oembed_offers_json_only(client, claim):
    assert oembed(client, url=page_url(claim), format="xml").status_code == 501


def test_oembed_is_404_for_anything_but_a_public_claim_page_of_ours(client, claim):
    draft = factories.ClaimFactory(status=ClaimStatus.IN_REVIEW)
    for url in (
        f"https://elsewhere.example/claims/{claim.pk}/",
        f"{SITE}/corrections/",
        f"{SITE}/claims/{claim.pk}/embed/",
        f"{SITE}/claims/",
        f"{SITE}/claims/{draft.pk}/",
        f"{SITE}/claims/987654/",
        f"ftp://desk.example.org/claims/{claim.pk}/",
        "not a url",
    ):
        assert oembed(client, url=url).status_code == 404, url


def test_oembed_escapes_the_claim_in_the_frames_title(client, reviewer):
    claim = factories.PublishedClaimFactory(text='视频 "十秒" <b>生成</b>')
    data = oembed(client, url=page_url(claim)).json()
    assert data["title"] == claim.text
    assert "<b>" not in data["html"]
    assert "&lt;b&gt;" in data["html"]
