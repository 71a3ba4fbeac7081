import datetime as dt

from django.utils import timezone

from sources.choices import Health
from tests import factories


def test_sources_filter_by_health_and_domain(client, db):
    ok = factories.PublishedClaimFactory().evidence.get().source
    dead = factories.PublishedClaimFactory(evidence__source__url="https://Dead.Example.com/x").evidence.get().source
    dead.health = Health.DEAD
    dead.save()
    ids = lambda q: {s["id"] for s in client.get(f"/api/v1/sources/?{q}").json()["results"]}  # noqa: E731
    assert ids("health=dead") == {dead.pk}
    assert ids("health=dead,unknown") == {dead.pk, ok.pk}
    assert ids("domain=dead.example.com") == {dead.pk}
    assert ids("domain=DEAD.example.com") == {dead.pk}
    response = client.get("/api/v1/sources/?health=zombie")
    assert response.status_code == 400
    assert "health" in response.json()


def test_source_checks_newest_first_paginated(client, db):
    source = factories.PublishedClaimFactory().evidence.get().source
    now = timezone.now()
    for i in range(5):
        factories.LinkCheckFactory(source=source, checked_at=now - dt.timedelta(hours=i))
    body = client.get(f"/api/v1/sources/{source.pk}/checks/?page_size=3").json()
    times = [c["checked_at"] for c in body["results"]]
    assert times == sorted(times, reverse=True)
    assert len(times) == 3
    assert len(client.get(body["next"]).json()["results"]) == 2


def test_article_detail_lists_its_claims(client, db):
    claim = factories.PublishedClaimFactory()
    factories.PublishedClaimFactory(article=claim.article)
    body = client.get(f"/api/v1/articles/{claim.article_id}/").json()
    assert body["url"] == claim.article.url
    assert len(body["claims"]) == 2
    assert {"id", "verdict", "status", "retracted"} <= set(body["claims"][0])
    assert client.get("/api/v1/articles/999999/").status_code == 404


def test_claim_detail_shape(client, db):
    claim = factories.PublishedClaimFactory(claimant="OpenAI", value=1080, unit="p")
    body = client.get(f"/api/v1/claims/{claim.pk}/").json()
    assert body["article"] == {"id": claim.article_id, "url": claim.article.url, "title": claim.article.title}
    assert {
        "verdict",
        "explanation",
        "status",
        "claimant",
        "value",
        "unit",
        "reviewer",
        "reviewed_at",
        "published_at",
        "version",
        "evidence",
    } <= set(body)
    evidence = body["evidence"][0]
    assert {"url", "health", "archive_url"} <= set(evidence["source"])
