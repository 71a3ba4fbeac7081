import pytest
from django.core.exceptions import ValidationError

from sources.models import Source
from sources.urlnorm import normalize_url, url_domain

SEED_URL = (
    "http://mp.weixin.qq.com/s?__biz=Mzk0NzQzOTczOA==&mid=2247512699&idx=1&sn=8f4eed094066b13763cf13bedbd50a79#rd"
)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("https://example.org/a", "https://example.org/a"),
        ("HTTPS://EXAMPLE.org/Path/Kept", "https://example.org/Path/Kept"),
        ("  https://example.org/a  ", "https://example.org/a"),
        ("https://example.org", "https://example.org/"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("https://example.org:443/a", "https://example.org/a"),
        ("https://example.org:8443/a", "https://example.org:8443/a"),
        ("http://example.org:443/a", "http://example.org:443/a"),
        ("https://example.org/a#section-2", "https://example.org/a"),
        ("https://example.org/a?utm_source=x&utm_medium=y&id=7", "https://example.org/a?id=7"),
        ("https://example.org/a?UTM_Campaign=x&id=7", "https://example.org/a?id=7"),
        ("https://example.org/a?fbclid=abc&gclid=def", "https://example.org/a"),
        ("https://example.org/a?b=2&a=1", "https://example.org/a?b=2&a=1"),  # order is the server's business
        ("https://example.org/a?q=%E6%B8%B2%E6%9F%93", "https://example.org/a?q=%E6%B8%B2%E6%9F%93"),
        ("https://Bücher.example/straße", "https://xn--bcher-kva.example/straße"),
        ("https://例子.测试/", "https://xn--fsqu00a.xn--0zwm56d/"),
        ("https://[2001:DB8::1]:443/x", "https://[2001:db8::1]/x"),
        (SEED_URL, SEED_URL.removesuffix("#rd")),
    ],
)
def test_normalize_url(raw, canonical):
    assert normalize_url(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter a url"),
        ("example.org/a", "Only http and https"),
        ("javascript:alert(1)", "not “javascript:”"),
        ("file:///etc/passwd", "not “file:”"),
        ("ftp://example.org/", "not “ftp:”"),
        ("https://exa mple.org/", "spaces, control characters"),
        ("https://example.org/\x00", "spaces, control characters"),
        ("https://example.org/\ud800", "lone surrogates"),  # a JSON "\\ud800" escape in an imported file
        ("https://\udc80.example/", "lone surrogates"),
        ("https:///path-only", "no host name"),
        ("https://example.org:99999/", "could not be parsed"),
        ("https://" + "a" * 2100 + ".org/", "at most 2048"),
        ("https://xn--.org/", "not a valid domain name"),
    ],
)
def test_bad_urls_give_a_clear_validation_error(raw, message):
    with pytest.raises(ValidationError, match=message):
        normalize_url(raw)


def test_url_domain():
    assert url_domain("https://xn--bcher-kva.example:8443/x") == "xn--bcher-kva.example"


@pytest.mark.django_db
def test_source_is_stored_in_canonical_form_and_unique():
    source = Source.objects.create(url="HTTP://Example.org:80/report?utm_source=feed#top")
    assert source.url == "http://example.org/report"
    assert source.domain == "example.org"
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(url="http://example.org/report#again")
    assert Source.objects.count() == 1
