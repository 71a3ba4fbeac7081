"""Bilingual search: the stored vector, compared with plain substring matching for recall."""

import pytest
from django.db import connection
from django.db.models import Q

from claims import services
from claims.choices import ClaimStatus
from claims.models import Claim
from tests import factories

CORPUS = [
    # (quote, text, claimant, article title)
    ("视频处理时间超过十秒", "Sora takes over ten seconds to process a video.", "OpenAI", "Sora 泄露事件"),
    ("Sora 支持 1080p 渲染", "Sora renders 1080p video.", "泄露者", "艺术家抗议"),
    ("OpenAI 估值达到 1570 亿美元", "OpenAI is valued at 157 billion dollars.", "路透社", "OpenAI 融资"),
    ("微软投资了一百亿美元", "Microsoft invested ten billion dollars in OpenAI.", "Microsoft", "AI 投资"),
    ("渲染速度很慢，处理需要时间", "Rendering is slow.", "艺术家", "Rendering farms"),
    ("时间处理得当", "Time was handled well.", "某人", "无关"),
    ("人工智能会取代艺术家吗", "Will AI replace artists?", "评论员", "人工智能与艺术"),
    ("１０８０ｐ 是全角写法", "Full-width 1080p is still 1080p.", "", ""),
    ("A股市场大涨", "The A-share market rallied.", "新华社", "A股"),
    ("这是一个很长的句子，其中提到了处理时间。", "Long sentence mentioning processing time.", "", ""),
]
QUERIES = [
    "处理时间",
    "渲染",
    "亿美元",
    "人工智能",
    "处理",
    "时间",
    "1080p",
    "render",
    "OpenAI",
    "sora",
    "艺术家",
    "A股",
    "股",
    "估值达到",
    "billion dollars",
    "OpenAI 亿美元",
    "Microsoft OpenAI",
    "泄露",
]


@pytest.fixture
def corpus(db):
    claims = []
    for quote, text, claimant, title in CORPUS:
        article = factories.ArticleFactory(title=title) if title else None
        claims.append(factories.PublishedClaimFactory(quote=quote, text=text, claimant=claimant, article=article))
    factories.ClaimFactory(quote="草稿：处理时间", text="A draft about 处理时间.")  # never found by the public
    return claims


def substring_ids(q: str) -> set[int]:
    """What plain substring matching (case-insensitive, every word in one of the indexed fields) finds among the
    published claims: the recall oracle."""
    qs = Claim.objects.filter(status=ClaimStatus.PUBLISHED)
    for word in q.split():
        qs = qs.filter(
            Q(quote__icontains=word)
            | Q(text__icontains=word)
            | Q(claimant__icontains=word)
            | Q(article__title__icontains=word)
        )
    return set(qs.values_list("pk", flat=True))


def api_ids(client, q: str) -> list[int]:
    response = client.get("/api/v1/claims/", {"q": q, "page_size": 200})
    assert response.status_code == 200, response.content
    return [c["id"] for c in response.json()["results"]]


@pytest.mark.parametrize("q", QUERIES)
def test_recall_equals_substring_matching(client, corpus, q):
    expected = substring_ids(q)
    assert expected, f"the corpus should contain {q!r}"
    found = set(api_ids(client, q))
    assert expected <= found, f"missed {expected - found} for {q!r}"
    # Prefix matching finds inflections (render -> renders, rendering) that substring matching also finds;
    # nothing else is returned.
    assert found == expected


def test_the_issue_examples(client, corpus):
    assert set(api_ids(client, "处理时间")) == {corpus[0].pk, corpus[9].pk}
    assert corpus[5].pk not in api_ids(client, "处理时间")  # 时间处理: the characters, not the word
    assert set(api_ids(client, "1080p")) == {corpus[1].pk, corpus[7].pk}  # full-width too
    assert set(api_ids(client, "OpenAI 亿美元")) == {corpus[2].pk, corpus[3].pk}


def test_results_are_ranked_and_paginate(client, corpus):
    body = client.get("/api/v1/claims/", {"q": "OpenAI", "page_size": 2}).json()
    ranks = [c["rank"] for c in body["results"]]
    assert ranks == sorted(ranks, reverse=True)
    assert all(r > 0 for r in ranks)
    seen = [c["id"] for c in body["results"]]
    url = body["next"]
    while url:
        page = client.get(url).json()
        seen += [c["id"] for c in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(substring_ids("OpenAI"))


def test_search_with_filters_and_ordering(client, corpus):
    ids = [c["id"] for c in client.get("/api/v1/claims/", {"q": "OpenAI", "claimant": "路透社"}).json()["results"]]
    assert ids == [corpus[2].pk]
    assert client.get("/api/v1/claims/", {"q": "OpenAI", "ordering": "-reviewed_at"}).status_code == 200


def test_title_change_reindexes_the_articles_claims(client, corpus):
    article = corpus[0].article
    assert corpus[0].pk not in api_ids(client, "水獭")
    services.article_upsert(url=article.url, title="水獭新闻")
    assert corpus[0].pk in api_ids(client, "水獭")


def test_claim_writes_keep_the_vector_current(client, corpus, reviewer):
    services.claim_update(claim_id=corpus[6].pk, user=reviewer, data={"quote": "深度伪造的视频"})
    assert api_ids(client, "深度伪造") == [corpus[6].pk]
    assert corpus[6].pk not in api_ids(client, "取代")


def test_the_planner_uses_the_gin_index(corpus):
    from claims.filters import ClaimFilterSet

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        qs = ClaimFilterSet({"q": "处理时间"}, queryset=Claim.objects.all()).qs[:50]
        plan = qs.explain()
        cursor.execute("SET enable_seqscan = on")
    assert "claim_search_vector_idx" in plan
