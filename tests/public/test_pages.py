"""The desk's pages: /about/ and the four under it, edited in the admin, in the reader's language or English."""

import re

import pytest
from django.urls import reverse

from public.models import Page, PageSlug

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}


def test_the_migration_made_every_page_in_both_languages():
    made = set(Page.objects.values_list("slug", "language"))
    assert made == {(slug, language) for slug in PageSlug.values for language in ("en", "zh-hans")}


@pytest.mark.parametrize("slug", PageSlug.values)
def test_each_page_is_served_in_english_and_chinese(client, slug):
    url = reverse(f"public-{slug}")
    english = client.get(url)
    chinese = client.get(url, **ZH)
    assert english.status_code == chinese.status_code == 200
    assert '<html lang="en">' in english.text
    assert '<html lang="zh-hans">' in chinese.text
    assert f"<h1>{Page.objects.get(slug=slug, language='en').title}</h1>" in english.text
    assert f"<h1>{Page.objects.get(slug=slug, language='zh-hans').title}</h1>" in chinese.text
    assert english["Content-Language"] == "en"
    assert "script-src" not in english["Content-Security-Policy"]
    assert "default-src 'none'" in english["Content-Security-Policy"]


def test_a_page_missing_in_chinese_falls_back_to_english(client):
    Page.objects.filter(slug="funding", language="zh-hans").delete()
    response = client.get(reverse("public-funding"), **ZH)
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.text  # the site's strings stay in the reader's language
    assert '<article class="desk-page" lang="en">' in response.text  # the page's text is marked as English
    assert "<h1>Funding and ownership</h1>" in response.text


def test_a_missing_page_is_404(client):
    Page.objects.filter(slug="contact").delete()
    assert client.get(reverse("public-contact")).status_code == 404
    assert client.get(reverse("public-contact"), **ZH).status_code == 404


def test_a_staff_edit_shows_at_once(client):
    Page.objects.filter(slug="about", language="en").update(title="Who we are", body="We check **facts**.")
    response = client.get(reverse("public-about"))
    assert "<h1>Who we are</h1>" in response.text
    assert "<p>We check <strong>facts</strong>.</p>" in response.text


def test_markdown_carries_no_html_from_the_database(client):
    body = (
        "# Heading\n\n<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[click](javascript:alert(1)) and [ours](/about/methodology/)"
    )
    Page.objects.filter(slug="about", language="en").update(body=body)
    text = client.get(reverse("public-about")).text
    assert "<script>" not in text
    assert "<img src=x" not in text
    assert "<p>&lt;script&gt;alert(" in text  # shown as the text it is
    assert 'href="javascript:' not in text
    assert '<a href="/about/methodology/">ours</a>' in text
    assert "<h2>Heading</h2>" in text  # the body's "#" is under the page's <h1>


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("# A\n\n## B\n\n### C", ["h2", "h3", "h4"]),
        ("## A\n\n### B\n\n## C", ["h2", "h3", "h2"]),  # the starting pages' own shape
        ("### A\n\n#### B", ["h2", "h3"]),
        ("no heading at all", []),
    ],
)
def test_a_bodys_highest_heading_sits_right_under_the_title(body, expected):
    """axe-core's heading-order: the starting pages begin at "##", which a fixed shift made <h3> under the <h1>."""
    from public.markdown import render_markdown

    assert re.findall(r"<(h[1-6])>", render_markdown(body)) == expected


def test_the_starting_pages_headings_are_in_order(client):
    for slug in PageSlug.values:
        for extra in ({}, ZH):
            text = client.get(reverse(f"public-{slug}"), **extra).text
            levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", text)]
            assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), (slug, extra, levels)


def test_the_pages_link_to_each_other(client):
    text = client.get(reverse("public-about")).text
    for slug in PageSlug.values:
        assert f'href="{reverse(f"public-{slug}")}"' in text
    assert 'aria-current="page"' in text
    methodology = client.get(reverse("public-methodology")).text
    for label in ("True", "Mostly true", "Mixed", "Mostly false", "False", "Misleading", "Unverifiable"):
        assert f"<strong>{label}</strong>" in methodology
    policy = client.get(reverse("public-corrections-policy")).text
    assert 'href="/tips/"' in policy
    assert 'href="/corrections/"' in policy


def test_a_page_is_one_query(client, django_assert_num_queries):
    client.get(reverse("public-about"))  # warm: sessions and the like
    with django_assert_num_queries(1):
        assert client.get(reverse("public-methodology"), **ZH).status_code == 200


def test_staff_edit_pages_in_the_admin_with_a_link_to_the_site(client, reviewer):
    client.force_login(reviewer)
    page = Page.objects.get(slug="methodology", language="en")
    listing = client.get(reverse("admin:public_page_changelist"))
    assert listing.status_code == 200
    assert f'href="{reverse("public-methodology")}"' in listing.text
    change = reverse("admin:public_page_change", args=[page.pk])
    response = client.post(
        change, {"slug": "methodology", "language": "en", "title": "How we work", "body": "Carefully."}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert client.get(reverse("public-methodology")).text.count("<h1>How we work</h1>") == 1


def test_the_admin_refuses_control_characters_in_a_page(client, reviewer):
    client.force_login(reviewer)
    page = Page.objects.get(slug="about", language="en")
    response = client.post(
        reverse("admin:public_page_change", args=[page.pk]),
        {"slug": "about", "language": "en", "title": "About", "body": "bad \x07 bell"},
    )
    assert response.status_code == 200
    assert "control character" in response.text
