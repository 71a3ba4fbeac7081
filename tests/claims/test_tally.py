"""The evidence tally behind "needs attention": its rules written once and held equal to their SQL, its triggers
declared with pgtrigger and installed.

tests/claims/test_dashboard.py holds the tally equal to the rule computed live through every kind of write."""

import pgtrigger
import pytest
from django.db import connection

from claims.models import ClaimEvidenceTally, Evidence, TalliedSource
from claims.rollups import _REBUILD_SQL
from claims.tally import all_lost_q, all_lost_sql, lost_source_sql
from sources.choices import Health
from sources.models import Source
from tests.factories import SourceFactory

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
