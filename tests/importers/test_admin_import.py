import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims.choices import ClaimStatus
from claims.models import Article, Claim
from sources.models import Source
from tests.factories import ClaimFactory

from .conftest import FIXTURES
from .test_claimreview import review

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, reviewer):
    client.force_login(reviewer)
    return client


def test_article_list_links_to_the_import_page(admin_client):
    page = admin_client.get(reverse("admin:claims_article_changelist")).content.decode()
    assert reverse("admin:claims_article_import") in page
    assert "Add article from url" in page


def test_import_a_file_then_add_candidate_sources(admin_client):
    url = reverse("admin:claims_article_import")
    upload = SimpleUploadedFile("export.md", (FIXTURES / "export-article.md").read_bytes())
    response = admin_client.post(url, {"file": upload})
    assert response.status_code == 200
    article = Article.objects.get()
    assert "Created" in response.content.decode()
    assert "https://news.example.org/report/42" in response.content.decode()
    response = admin_client.post(
        url,
        {
            "action": "add_sources",
            "link": ["https://news.example.org/report/42"],
            "link_all": ["https://news.example.org/report/42"],
            "link_text": ["report"],
            "next": reverse("admin:claims_article_change", args=[article.pk]),
        },
    )
    assert response.status_code == 302
    assert list(Source.objects.values_list("url", flat=True)) == ["https://news.example.org/report/42"]


def test_import_from_a_url_on_loopback(admin_client, loopback):
    loopback.routes["/news/leak"] = (200, "text/html", (FIXTURES / "page.html").read_bytes())
    response = admin_client.post(reverse("admin:claims_article_import"), {"url": f"{loopback.base}/news/leak"})
    assert response.status_code == 200
    assert Article.objects.get().title == "Artists leak video model in protest"


def test_a_bad_file_shows_the_field_and_writes_nothing(admin_client):
    upload = SimpleUploadedFile("missing.md", (FIXTURES / "export-missing-link.md").read_bytes())
    response = admin_client.post(reverse("admin:claims_article_import"), {"file": upload})
    assert "原文链接 (url): missing" in response.content.decode()
    assert not Article.objects.exists()


def test_researchers_cannot_import(client, researcher):
    client.force_login(researcher)
    response = client.get(reverse("admin:claims_article_import"))
    assert response.status_code in (302, 403)


def test_claimreview_upload_shows_the_table(admin_client):
    page = admin_client.get(reverse("admin:claims_claim_changelist")).content.decode()
    assert reverse("admin:claims_claim_import_claimreview") in page
    files = [
        SimpleUploadedFile("a.json", json.dumps([review(1), review(2, claimReviewed="")]).encode()),
        SimpleUploadedFile("b.json", b"{ nope"),
    ]
    response = admin_client.post(reverse("admin:claims_claim_import_claimreview"), {"files": files})
    text = response.content.decode()
    assert "1 created, 0 updated, 0 linked" in text
    assert "claimReviewed: missing or empty" in text
    assert "not valid JSON" in text
    claim = Claim.objects.get()
    assert claim.status == ClaimStatus.IN_REVIEW
    assert claim.history.first().history_user_id is not None


def test_claim_page_shows_similar_claims(admin_client):
    claim = ClaimFactory(quote="", text="The leaked Sora model can generate 10-second videos at 1080p resolution.")
    other = ClaimFactory(quote="", text="泄露的 Sora 模型能够生成 10 秒钟的 1080p 分辨率视频。")
    ClaimFactory(quote="", text="The vaccine contains microchips.")
    page = admin_client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert "field-similar_claims" in page
    assert reverse("admin:claims_claim_change", args=[other.pk]) in page
    assert "microchips" not in page
