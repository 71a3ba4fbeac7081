"""The evidence tally behind "needs attention": its rules written once and held equal to their SQL, its triggers
declared with pgtrigger and installed, concurrent writes counted once, and every reader asking it.

tests/claims/test_dashboard.py holds the tally equal to the rule computed live through every kind of write."""

import csv
import io
import threading
import time

import pgtrigger
import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from claims import dashboard
from claims.models import ClaimEvidenceTally, Evidence, TalliedSource
from claims.rollups import _REBUILD_SQL, all_lost_tallies, claim_tallies_rebuild
from claims.tally import all_lost_q, all_lost_sql, lost_source_sql
from sources.choices import Health
from sources.models import Source
from tests.claims.test_dashboard import NOW, live_needing_attention
from tests.factories import ArticleFactory, PublishedClaimFactory, SourceFactory

ARCHIVE = "https://web.archive.org/web/2024/x"


def ids_where(table: str, alias: str, condition: str) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {'claim_id' if 'tally' in table else 'id'} FROM {table} {alias} WHERE {condition}")
        return {row[0] for row in cursor.fetchall()}


# --- the rules, once -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_all_lost_is_the_same_rule_in_the_orm_and_in_sql():
    for claim_id, (evidence, lost) in enumerate(((e, n) for e in range(3) for n in range(3)), start=1):
        ClaimEvidenceTally.objects.create(claim_id=claim_id, evidence=evidence, lost=lost)
    orm = set(ClaimEvidenceTally.objects.filter(all_lost_q()).values_list("claim_id", flat=True))
    assert orm == ids_where("claims_claimevidencetally", "t", all_lost_sql("t"))
    assert orm == {5, 9}  # (1, 1) and (2, 2): never 0/0, never a tally with a piece still backed
    # the partial index holds exactly these rows, so the filters and the count read it
    (index,) = ClaimEvidenceTally._meta.indexes
    assert index.condition == all_lost_q()


@pytest.mark.django_db
def test_lost_source_is_dead_with_no_archived_copy_in_sql_as_in_the_oracle():
    for health in Health.values:
        SourceFactory(health=health)
        SourceFactory(health=health, archive_url=ARCHIVE)
    oracle = set(Source.objects.filter(health=Health.DEAD, archive_url="").values_list("pk", flat=True))
    assert len(oracle) == 1
    assert ids_where("sources_source", "s", lost_source_sql("s")) == oracle


def test_triggers_and_rebuild_count_lost_with_the_one_predicate():
    """Every trigger body and the rebuild name a source's health or archive only through lost_source_sql."""
    bodies = {
        trigger.name: trigger.render_func(model)
        for model in (Evidence, TalliedSource)
        for trigger in model._meta.triggers
    }
    assert set(bodies) == {
        "tally_evidence_insert",
        "tally_evidence_delete",
        "tally_evidence_update",
        "tally_source_update",
    }
    bodies["rebuild"] = _REBUILD_SQL.format(tally="t", evidence="e", source="s", lost=lost_source_sql("s"))
    for name, body in bodies.items():
        rest = body
        for alias in ("s", "n", "o"):
            rest = rest.replace(lost_source_sql(alias), "")
        assert rest != body, name
        for word in ("health", "archive_url", Health.DEAD.value):
            assert word not in rest, name
    evidence_triggers = [bodies[n] for n in ("tally_evidence_insert", "tally_evidence_delete", "tally_evidence_update")]
    for body in evidence_triggers:  # sources share-locked, in id order, before anything is counted
        assert body.index("ORDER BY id FOR SHARE") < body.index("claims_claimevidencetally")


@pytest.mark.django_db
def test_the_triggers_installed_are_pgtriggers_and_the_hand_written_ones_are_gone():
    for model in (Evidence, TalliedSource):
        for trigger in model._meta.triggers:
            assert trigger.level == pgtrigger.Statement
            assert trigger.get_installation_status(model) == (pgtrigger.core.INSTALLED, True), trigger.name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal AND c.relname IN ('claims_evidence', 'sources_source')"
        )
        installed = sorted(cursor.fetchall())
        cursor.execute("SELECT proname FROM pg_proc WHERE proname LIKE 'claims_tally%%'")
        assert cursor.fetchall() == []  # 0009's functions
    assert [(table, name.rsplit("_", 1)[0]) for table, name in installed] == [
        ("claims_evidence", "pgtrigger_tally_evidence_delete"),
        ("claims_evidence", "pgtrigger_tally_evidence_insert"),
        ("claims_evidence", "pgtrigger_tally_evidence_update"),
        ("sources_source", "pgtrigger_tally_source_update"),
    ]


# --- concurrent writes, counted once ---------------------------------------------------------------------------


def _dsn() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _waiting_on_a_lock(observer: psycopg.Connection, pid: int) -> bool:
    """Whether backend ``pid`` is blocked on a lock (polled until it is or it has finished: no time margin)."""
    for _ in range(2000):
        row = observer.execute("SELECT wait_event_type, state FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
        if row and row[0] == "Lock":
            return True
        time.sleep(0.005)
    return False


def _in_thread(conn: psycopg.Connection, sql: str, params: list) -> threading.Thread:
    def run():
        with conn.transaction():
            conn.execute(sql, params)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


INSERT_EVIDENCE = (
    "INSERT INTO claims_evidence (claim_id, source_id, stance, excerpt, excerpt_status, note, created_at)"
    " VALUES (%s, %s, 'supports', '', 'unchecked', '', now())"
)
TURN_DEAD = "UPDATE sources_source SET health = 'dead' WHERE id = %s"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["evidence", "source"])
def test_an_evidence_write_and_its_sources_flip_are_counted_once_whichever_comes_first(first):
    """Two transactions, the second started while the first is open: the evidence trigger's share lock makes one
    wait for the other, so its count reads the other's result (without it, neither would count the flip)."""
    claim = PublishedClaimFactory(evidence=None)
    source = SourceFactory(health=Health.OK)
    statements = {"evidence": (INSERT_EVIDENCE, [claim.pk, source.pk]), "source": (TURN_DEAD, [source.pk])}
    second = "source" if first == "evidence" else "evidence"
    with (
        psycopg.connect(_dsn()) as one,
        psycopg.connect(_dsn()) as two,
        psycopg.connect(_dsn(), autocommit=True) as observer,
    ):
        one.execute(*statements[first])  # open, not committed
        thread = _in_thread(two, *statements[second])
        assert _waiting_on_a_lock(observer, two.info.backend_pid)
        one.commit()
        thread.join()
    assert live_needing_attention() == {claim.pk}
    assert ClaimEvidenceTally.objects.get(claim_id=claim.pk).lost == 1
    assert set(all_lost_tallies().values_list("claim_id", flat=True)) == {claim.pk}


# --- every reader asks the tally -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_reader_of_needs_attention_asks_the_tally(client, admin_client):
    """Made to disagree with the evidence on purpose (as a tally not yet repaired would), the tally is what the API
    list, filter, detail, article and export, the admin filter and column, and the dashboard count all show; the
    repair brings them back to the evidence."""
    article = ArticleFactory()
    backed = PublishedClaimFactory(
        article=article, evidence__source=SourceFactory(health=Health.DEAD, archive_url=ARCHIVE)
    )
    lost = PublishedClaimFactory(article=article, evidence__source=SourceFactory(health=Health.DEAD))
    assert live_needing_attention() == {lost.pk}
    ClaimEvidenceTally.objects.filter(claim_id=backed.pk).update(lost=1)
    ClaimEvidenceTally.objects.filter(claim_id=lost.pk).update(lost=0)

    def readers_say() -> dict[str, set[int]]:
        api = "/api/v1/claims/"
        both = {backed.pk, lost.pk}
        export = client.get(f"{api}export/", {"format": "csv", "needs_attention": "true"})
        exported = csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode()))
        changelist = admin_client.get(reverse("admin:claims_claim_changelist")).context["cl"]
        filtered = admin_client.get(reverse("admin:claims_claim_changelist"), {"needs_attention": "yes"})
        return {
            "api field": {row["id"] for row in client.get(api).json()["results"] if row["needs_attention"]},
            "api filter": {row["id"] for row in client.get(api, {"needs_attention": "true"}).json()["results"]},
            "api filter false": both
            - {r["id"] for r in client.get(api, {"needs_attention": "false"}).json()["results"]},
            "api detail": {pk for pk in both if client.get(f"{api}{pk}/").json()["needs_attention"]},
            "api article": {
                row["id"]
                for row in client.get(f"/api/v1/articles/{article.pk}/").json()["claims"]
                if row["needs_attention"]
            },
            "export filter": {int(row["id"]) for row in exported},
            "admin filter": {c.pk for c in filtered.context["cl"].result_list},
            "admin column warning": {
                c.pk for c in changelist.result_list if "fc-warning" in changelist.model_admin.dead_sources_warning(c)
            },
        }

    said = readers_say()
    assert said == dict.fromkeys(said, {backed.pk}), said
    assert dashboard.attention_counts(now=NOW)["all_sources_dead"] == 1
    claim_tallies_rebuild()
    said = readers_say()
    assert said == dict.fromkeys(said, {lost.pk}), said
    assert dashboard.attention_counts(now=NOW)["all_sources_dead"] == 1
