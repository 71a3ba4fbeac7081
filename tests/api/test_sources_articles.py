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


def test_source_rows_are_exactly_what_source_serializer_makes(client, db):
    """The list builds its rows from values() (SerializerRows); they must be SourceSerializer's, key for key."""
    from rest_framework.renderers import JSONRenderer

    from sources.api.serializers import SourceSerializer
    from sources.models import Source

    checked = timezone.make_aware(dt.datetime(2024, 11, 3, 12, 30, 15, 123456))
    for i, health in enumerate([Health.OK, Health.DEAD, Health.FAILING, Health.UNKNOWN]):
        source = factories.EvidenceFactory(claim=factories.PublishedClaimFactory()).source
        if health != Health.UNKNOWN:
            Source.objects.filter(pk=source.pk).update(
                health=health,
                last_checked_at=checked,
                last_status=200 + i,
                consecutive_failures=i,
                first_failure_at=checked if health != Health.OK else None,
                title="标题 <b>",
                archive_url="https://web.archive.org/web/2024/x" if health == Health.DEAD else "",
                archived_at=checked if health == Health.DEAD else None,
            )
    response = client.get("/api/v1/sources/?page_size=3")
    got = response.json()["results"]
    expected = SourceSerializer(Source.objects.filter(pk__in=[r["id"] for r in got]).order_by("-id"), many=True).data
    assert len(got) == 3
    assert [list(r) for r in got] == [list(r) for r in expected]
    assert JSONRenderer().render(got) == JSONRenderer().render(expected)
    # and the next page continues after the last one
    rest = client.get(response.json()["next"]).json()["results"]
    assert rest
    assert max(r["id"] for r in rest) < min(r["id"] for r in got)
