import re
from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from claims.choices import ClaimStatus, Verdict
from claims.demo import sora_leak
from claims.demo.loader import DEMO_REVIEWER
from claims.models import Article, Claim, Evidence, Tag
from claims.services import claim_publish_problems
from sources.models import Source
from sources.urlnorm import normalize_url

# Every site the demo cites. A new domain here should mean someone checked that the page exists.
ALLOWED_SOURCE_DOMAINS = {
    "mp.weixin.qq.com",  # the article itself
    "huggingface.co",  # the PR-Puppets Space
    "readwrite.com",
    "onlinemarketing.de",
    "openai.com",
    "www.livemint.com",
    "outlookbusiness.com",
    "www.ainvest.com",
    "www.anthropic.com",
    "the-decoder.com",
    "qz.com",
    "github.com",  # the four open-source video models
}
CJK = re.compile(r"[\u3400-\u9fff]")


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "articles": list(Article.objects.values_list("id", "updated_at")),
        "claims": list(Claim.objects.order_by("id").values_list("id", "version", "status", "verdict", "updated_at")),
        "sources": Source.objects.count(),
        "evidence": Evidence.objects.count(),
        "tags": Tag.objects.count(),
        "history": Claim.history.count(),
        "versions": Claim.objects.aggregate(total=Sum("version"))["total"],
    }


@pytest.fixture
def demo(db):
    load_demo()


def all_fixture_urls() -> list[str]:
    return [sora_leak.ARTICLE["url"], sora_leak.ARTICLE["cover_image_url"]] + [
        source["url"] for source in sora_leak.SOURCES.values()
    ]


def test_loading_twice_changes_nothing(demo):
    first = snapshot()
    output = load_demo()
    assert snapshot() == first
    assert "0 created" in output
    assert first["sources"] == len(sora_leak.SOURCES)
    assert len(first["claims"]) == len(sora_leak.CLAIMS)


def test_claims_edited_since_are_left_alone(demo):
    claim = Claim.objects.get(tags__name="demo:presets")
    Claim.objects.filter(pk=claim.pk).update(text="Edited by a reviewer.")
    load_demo()
    assert Claim.objects.get(pk=claim.pk).text == "Edited by a reviewer."
    assert Claim.objects.filter(tags__name="demo:presets").count() == 1


def test_published_claims_meet_the_publishing_rule(demo):
    published = Claim.objects.filter(status__in=[ClaimStatus.PUBLISHED, ClaimStatus.RETRACTED])
    assert published.exists()
    for claim in published:
        assert claim_publish_problems(claim) == [], claim.text
        assert claim.published_at is not None


def test_every_fixture_url_is_normalised_http():
    for url in all_fixture_urls():
        assert url.startswith(("http://", "https://")), url
        assert normalize_url(url) == url, url


def test_no_source_outside_the_allow_list(demo):
    assert set(Source.objects.values_list("domain", flat=True)) == ALLOWED_SOURCE_DOMAINS


def test_article(demo):
    article = Article.objects.get()
    assert article.published_at == datetime(2024, 11, 27, 1, 23, tzinfo=UTC)
    assert article.url == sora_leak.ARTICLE["url"]
    assert (article.outlet, article.language, article.place) == ("AI范儿", "zh-Hans", "上海")
    # The body is our summary, not the article's text.
    assert "own words" in article.body
    assert not CJK.search(article.body.replace("AI范儿", ""))


def test_about_fifteen_claims_with_short_chinese_quotes(demo):
    claims = list(Claim.objects.all())
    assert 14 <= len(claims) <= 20
    for claim in claims:
        assert claim.article is not None
        assert claim.language == "zh-Hans"
        assert CJK.search(claim.quote), claim.quote
        assert len(claim.quote) <= 60, claim.quote
        assert claim.text
        assert not CJK.search(claim.text), claim.text
        assert claim.claimant
        # The article's own evidence quotes a phrase of the claim's quote, verbatim.
        own = claim.evidence.get(source__url=sora_leak.ARTICLE["url"])
        assert own.excerpt
        assert own.excerpt in claim.quote


def test_structured_figures(demo):
    figures = {(c.value, c.unit) for c in Claim.objects.exclude(value=None)}
    assert {(10, "s"), (1080, "p"), (10, "min"), (150_000_000_000, "USD"), (3, "h"), (4_000_000_000, "USD")} <= figures


def test_statuses_and_verdicts_give_every_screen_something(demo):
    statuses = set(Claim.objects.values_list("status", flat=True))
    verdicts = set(Claim.objects.values_list("verdict", flat=True))
    assert {ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW, ClaimStatus.PUBLISHED} <= statuses
    assert len(verdicts) >= 4
    assert Verdict.UNRATED in verdicts  # unclear claims stay unrated
    assert Claim.objects.exclude(recheck_after=None).filter(recheck_after=date(2024, 12, 9)).exists()


def test_demo_reviewer_cannot_log_in_and_reviews_the_rated_claims(demo):
    rated = Claim.objects.exclude(verdict=Verdict.UNRATED)
    assert rated.exists()
    for claim in rated:
        assert claim.reviewer.username == DEMO_REVIEWER
        assert claim.reviewed_at is not None
    reviewer = rated.first().reviewer
    assert not reviewer.has_usable_password()
    assert reviewer.groups.filter(name="Reviewer").exists()
