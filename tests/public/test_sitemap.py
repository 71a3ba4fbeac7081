"""The sitemap: an index of the static pages and of the claim pages by id range (django.contrib.sitemaps)."""

import xml.etree.ElementTree as ET

import pytest

from claims.choices import ClaimStatus
from public.links import claim_path
from public.views import feeds
from tests import factories
from tests.public.conftest import SITE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_site")]

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def index_locations(client) -> list[str]:
    root = xml(client, "/sitemap.xml")
    assert root.tag == f"{SM}sitemapindex"
    return [loc.text for loc in root.iter(f"{SM}loc")]


def urls_of(client, location: str) -> dict[str, str | None]:
    root = xml(client, location.removeprefix(SITE))
    assert root.tag == f"{SM}urlset"
    return {url.find(f"{SM}loc").text: getattr(url.find(f"{SM}lastmod"), "text", None) for url in root.iter(f"{SM}url")}


def test_index_names_the_pages_and_each_claims_range(client, monkeypatch):
    monkeypatch.setattr(feeds, "CLAIMS_PER_SITEMAP", 2)
    claims = [factories.PublishedClaimFactory() for _ in range(5)]
    draft = factories.ClaimFactory()  # highest id, but not public: no range for it
    locations = index_locations(client)
    assert locations[0] == f"{SITE}/sitemap-pages.xml"
    last = claims[-1].id
    assert locations[1:] == [f"{SITE}/sitemap-claims.xml?p={p}" for p in range(1, -(-last // 2) + 1)]
    assert draft.id > last

    seen: dict[str, str | None] = {}
    for location in locations[1:]:
        page = urls_of(client, location)
        assert len(page) <= 2
        assert not set(page) & set(seen)
        seen.update(page)
    assert set(seen) == {SITE + claim_path(c.id, c.text) for c in claims}
    assert all(seen.values())  # lastmod on every claim


def test_static_pages(client):
    pages = urls_of(client, "/sitemap-pages.xml")
    assert set(pages) == {
        f"{SITE}{path}"
        for path in (
            "/",
            "/claims/",
            "/corrections/",
            "/about/",
            "/about/methodology/",
            "/about/corrections-policy/",
            "/about/funding/",
            "/about/contact/",
            "/tips/",
        )
    }


def page_of(claim_id: int) -> int:
    """The claims sitemap page holding an id (ranges of CLAIMS_PER_SITEMAP ids)."""
    return (claim_id - 1) // feeds.CLAIMS_PER_SITEMAP + 1


def test_drafts_and_claims_in_review_are_never_listed(client):
    public = factories.PublishedClaimFactory()
    retracted = factories.PublishedClaimFactory(status=ClaimStatus.RETRACTED)
    draft = factories.ClaimFactory()
    review = factories.ClaimFactory(status=ClaimStatus.IN_REVIEW)
    assert page_of(public.id) == page_of(review.id)  # ids come from a sequence earlier tests also drew from
    urls = urls_of(client, f"{SITE}/sitemap-claims.xml?p={page_of(public.id)}")
    assert SITE + claim_path(public.id, public.text) in urls
    assert SITE + claim_path(retracted.id, retracted.text) in urls  # its page is public, with the retraction
    text = " ".join(urls)
    assert f"/claims/{draft.id}/" not in text
    assert f"/claims/{review.id}/" not in text


def test_a_page_past_the_last_or_not_a_number_is_a_404(client):
    last = factories.PublishedClaimFactory()
    assert client.get(f"/sitemap-claims.xml?p={page_of(last.id)}").status_code == 200
    assert client.get(f"/sitemap-claims.xml?p={page_of(last.id) + 1}").status_code == 404
    assert client.get("/sitemap-claims.xml?p=x").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_a_range_with_no_public_claim_is_an_empty_urlset(client, monkeypatch):
    monkeypatch.setattr(feeds, "CLAIMS_PER_SITEMAP", 1)
    draft = factories.ClaimFactory()
    public = factories.PublishedClaimFactory()
    assert urls_of(client, f"/sitemap-claims.xml?p={draft.id}") == {}
    assert len(urls_of(client, f"/sitemap-claims.xml?p={public.id}")) == 1


def test_a_claims_page_reads_by_id_range_without_offset(client, django_assert_num_queries):
    claims = [factories.PublishedClaimFactory() for _ in range(3)]
    with django_assert_num_queries(2) as captured:  # the last public id (is the page in range), the page
        assert client.get(f"/sitemap-claims.xml?p={page_of(claims[0].id)}").status_code == 200
    sql = " ".join(q["sql"].upper() for q in captured.captured_queries)
    assert "OFFSET" not in sql
    assert "COUNT(" not in sql
    with django_assert_num_queries(1):
        client.get("/sitemap.xml")


def test_no_claims_still_gives_a_valid_index_and_an_empty_first_page(client):
    assert index_locations(client)[1:] == [f"{SITE}/sitemap-claims.xml?p=1"]
    assert urls_of(client, "/sitemap-claims.xml?p=1") == {}
