"""A claim is found right after commit, whichever way it was written: the vector is computed by PostgreSQL's
triggers (claims.search.schema), not by our services. Each of these paths found nothing before the triggers."""

import json

import pytest
from django.core.management import call_command
from django.db import connection

from claims.choices import ClaimStatus
from claims.models import Article, Claim
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def found(client, q: str, **params) -> set[int]:
    response = client.get("/api/v1/claims/", {"q": q, "page_size": 200, **params})
    assert response.status_code == 200, response.content
    return {c["id"] for c in response.json()["results"]}


def published(**fields) -> dict:
    return {"status": ClaimStatus.PUBLISHED, "language": "en", **fields}


def test_orm_create(client):
    claim = Claim.objects.create(**published(text="The render farm took 渲染 three hours."))
    assert claim.pk in found(client, "渲染")
    assert claim.pk in found(client, "rendering")


def test_orm_update_of_text(client):
    claim = Claim.objects.create(**published(text="Nothing here."))
    Claim.objects.filter(pk=claim.pk).update(text="A seed round of 10 million euros.")
    assert claim.pk in found(client, '"seed round"')
    assert claim.pk in found(client, "euro")
    assert claim.pk not in found(client, "nothing")


def test_orm_save_of_a_stale_instance_recomputes(client):
    claim = Claim.objects.create(**published(text="First words."))
    stale = Claim.objects.get(pk=claim.pk)
    Claim.objects.filter(pk=claim.pk).update(text="Second words about 小时.")
    stale.claimant = "someone"
    stale.save()  # writes back the text it read and the vector it read: the trigger recomputes from the row
    assert claim.pk in found(client, "first")
    assert claim.pk not in found(client, "小时")


def test_bulk_create_and_bulk_update(client):
    made = Claim.objects.bulk_create([Claim(**published(text=f"Bulk vacuna {i}", language="es")) for i in range(3)])
    assert {c.pk for c in made} <= found(client, "vacunas")
    for claim in made:
        claim.text = "Impfstoffe wirken"
        claim.language = "de"
    Claim.objects.bulk_update(made, ["text", "language"])
    assert {c.pk for c in made} <= found(client, "Impfstoff")
    assert not ({c.pk for c in made} & found(client, "vacunas"))


def test_loaddata(client, tmp_path):
    fixture = tmp_path / "claims.json"
    at = {"created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"}
    article = {"model": "claims.article", "pk": 9001, "fields": {"url": "https://e.org/x", "title": "水獭新闻", **at}}
    fields = {"text": "Otters rendered in 1080p.", "status": "published", "language": "en", "article": 9001, **at}
    claim = {"model": "claims.claim", "pk": 9002, "fields": fields}
    # the claim before its article, as a fixture may list them: the article's arrival re-indexes it
    fixture.write_text(json.dumps([claim, article]), encoding="utf-8")
    call_command("loaddata", str(fixture), verbosity=0)
    assert 9002 in found(client, "render")
    assert 9002 in found(client, "水獭")


def test_raw_sql_insert(client):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO claims_claim (quote, text, language, claimant, unit, verdict, explanation, status,"
            " original_rating, needs_recheck, version, created_at, updated_at)"
            " VALUES ('', 'Raw SQL renders seed rounds', 'en', '', '', 'false', '', 'published', '', false, 1,"
            " now(), now()) RETURNING id"
        )
        (pk,) = cursor.fetchone()
    assert pk in found(client, "seed round")


def test_copy(client):
    from claims.models import Claim as C

    columns = "quote,text,language,claimant,unit,verdict,explanation,status,original_rating,needs_recheck,version"
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {C._meta.db_table} ({columns},created_at,updated_at) FROM STDIN") as copy:
            copy.write_row(["視頻錯誤", "Copied claim", "zh-Hant", "", "", "false", "", "published", "", False, 1,
                            "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"])  # fmt: skip
        cursor.execute("SELECT max(id) FROM claims_claim")
        (pk,) = cursor.fetchone()
    assert pk in found(client, "视频")
    assert pk in found(client, "错误")


def test_article_title_change(client):
    article = factories.ArticleFactory(title="Old title")
    claim = factories.PublishedClaimFactory(article=article)
    assert claim.pk not in found(client, "水獭")
    Article.objects.filter(pk=article.pk).update(title="水獭 news")  # not through a service
    assert claim.pk in found(client, "水獭")


def test_the_repair_command_recomputes_through_the_same_function(client):
    claim = Claim.objects.create(**published(text="Repairable vacunas", language="es"))
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE claims_claim DISABLE TRIGGER USER")
        cursor.execute("UPDATE claims_claim SET search_vector = NULL WHERE id = %s", [claim.pk])
        cursor.execute("ALTER TABLE claims_claim ENABLE TRIGGER USER")
    assert claim.pk not in found(client, "vacuna")
    call_command("claims_search_refresh", verbosity=0)
    assert claim.pk in found(client, "vacuna")
