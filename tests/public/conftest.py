import pytest
from django.core.cache import cache

# Where the site says it lives (FACTCHECK_SITE_URL) in tests that check absolute urls: canonical links, feeds,
# sitemaps, oEmbed. Another host than the test client's, so a url built from the request would show.
SITE = "https://desk.example.org"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}


@pytest.fixture
def public_site(settings):
    """FACTCHECK_SITE_URL set to SITE, and an empty cache before and after (claim pages are cached whole)."""
    settings.FACTCHECK_SITE_URL = SITE
    cache.clear()
    yield
    cache.clear()
