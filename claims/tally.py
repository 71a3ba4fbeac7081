"""The per-claim evidence tally's rules, each written once: what a lost source is, when a claim's tally says "every
source lost", and the PostgreSQL triggers that keep the tally (claims.models.ClaimEvidenceTally) as evidence and
sources are written.

"Needs attention" is a claim whose every cited source is dead with no archived copy; claims without evidence are
not included. The tally keeps per claim its pieces of evidence and how many of them cite a lost source, so the
rule is ``evidence > 0 AND lost = evidence`` on one row, which every reader asks (claims.selectors.attention). The
triggers below and the repair job (claims.rollups.claim_tallies_rebuild) count "lost" with the one predicate
``lost_source_sql``.

Triggers, not services, because evidence and sources are written by the services, the admin, the API, the
importers, the link checker's bulk UPDATE and bulk loads alike; one missed path would leave the tally wrong for
good. Each evidence trigger first takes a share lock on the sources involved (ordered by id, so two writers cannot
deadlock on them), so an evidence write and a flip of its source's lost state are counted in one order or the
other, never both or neither (READ COMMITTED, the project's isolation level).

Imported by claims.models (the triggers are declared in the models' Meta), so it imports no models of its own.
"""

from __future__ import annotations

import pgtrigger
from django.db.models import F, Q

from sources.choices import Health

# --- The rules -------------------------------------------------------------------------------------------------


def lost_source_sql(alias: str) -> str:
    """A source is lost when its link is dead and there is no archived copy to follow instead; ``alias`` names a
    row of sources_source (NULL, hence not lost, for the missing side of an outer join)."""
    return f"({alias}.health = '{Health.DEAD.value}' AND {alias}.archive_url = '')"


def all_lost_q() -> Q:
    """A tally row whose claim has evidence and every piece of it cites a lost source (the ORM's spelling)."""
    return Q(evidence__gt=0, lost=F("evidence"))


def all_lost_sql(alias: str) -> str:
    """all_lost_q in SQL, for the tally row ``alias`` (tests hold the two equal)."""
    return f"({alias}.evidence > 0 AND {alias}.lost = {alias}.evidence)"


# --- The triggers that keep the tally --------------------------------------------------------------------------
# Statement triggers with transition tables: one bulk write (the link checker's UPDATE, an import) costs one
# grouped statement, not one per row. Their tables are the models' (claims.models passes them in).


def _add_to_tally(tally: str, rows_sql: str) -> str:
    """Add (claim_id, evidence, lost) deltas to the tally, in claim order so concurrent writers lock rows alike."""
    return f"""INSERT INTO {tally} (claim_id, evidence, lost)
    {rows_sql}
    ON CONFLICT (claim_id) DO UPDATE SET evidence = {tally}.evidence + excluded.evidence,
                                         lost = {tally}.lost + excluded.lost;"""


def _share_lock_sources(source: str, ids_sql: str) -> str:
    # A concurrent flip of these sources' lost state waits for us, or we wait for it and then read its result
    # (each statement below takes a new snapshot).
    return f"PERFORM 1 FROM {source} WHERE id IN ({ids_sql}) ORDER BY id FOR SHARE;"


def evidence_triggers(*, tally: str, source: str) -> list[pgtrigger.Trigger]:
    """The triggers on evidence: pieces inserted, deleted, or moved to another claim or source."""
    lost = lost_source_sql("s")
    inserted = f"""SELECT n.claim_id, count(*), count(*) FILTER (WHERE {lost})
    FROM new_rows n LEFT JOIN {source} s ON s.id = n.source_id
    GROUP BY n.claim_id ORDER BY n.claim_id"""
    insert = f"""
    {_share_lock_sources(source, "SELECT source_id FROM new_rows")}
    {_add_to_tally(tally, inserted)}
    RETURN NULL;"""
    delete = f"""
    {_share_lock_sources(source, "SELECT source_id FROM old_rows")}
    UPDATE {tally} t SET evidence = t.evidence - d.n, lost = t.lost - d.lost
    FROM (SELECT o.claim_id, count(*) AS n, count(*) FILTER (WHERE {lost}) AS lost
          FROM old_rows o LEFT JOIN {source} s ON s.id = o.source_id GROUP BY o.claim_id) d
    WHERE t.claim_id = d.claim_id;
    RETURN NULL;"""
    moved = "o.claim_id <> n.claim_id OR o.source_id <> n.source_id"
    # each moved piece leaves its old claim (with its old source's state) and joins its new one
    moved_deltas = f"""SELECT claim_id, sum(n), sum(lost) FROM (
        SELECT o.claim_id, -1 AS n, -(CASE WHEN {lost} THEN 1 ELSE 0 END) AS lost
        FROM old_rows o JOIN new_rows n ON n.id = o.id LEFT JOIN {source} s ON s.id = o.source_id
        WHERE {moved}
        UNION ALL
        SELECT n.claim_id, 1, CASE WHEN {lost} THEN 1 ELSE 0 END
        FROM old_rows o JOIN new_rows n ON n.id = o.id LEFT JOIN {source} s ON s.id = n.source_id
        WHERE {moved}
    ) moved GROUP BY claim_id ORDER BY claim_id"""
    # Most updates (excerpt status, notes) move nothing: only rows given another claim or source count. Asked as a
    # set difference, not an EXISTS over the join, which is planned to stop at its first match: a nested loop
    # comparing every old row with every new one when nothing moved, quadratic in the rows updated.
    update = f"""
    IF NOT EXISTS (SELECT n.id, n.claim_id, n.source_id FROM new_rows n
                   EXCEPT SELECT o.id, o.claim_id, o.source_id FROM old_rows o) THEN
        RETURN NULL;
    END IF;
    {_share_lock_sources(source, "SELECT source_id FROM old_rows UNION SELECT source_id FROM new_rows")}
    {_add_to_tally(tally, moved_deltas)}
    RETURN NULL;"""
    return [
        _statement_trigger("tally_evidence_insert", pgtrigger.Insert, insert, new="new_rows"),
        _statement_trigger("tally_evidence_delete", pgtrigger.Delete, delete, old="old_rows"),
        _statement_trigger("tally_evidence_update", pgtrigger.Update, update, old="old_rows", new="new_rows"),
    ]


def source_triggers(*, tally: str, evidence: str) -> list[pgtrigger.Trigger]:
    """The trigger on sources: those whose lost state flips (health to or from dead, an archive found or removed)
    move their claims' ``lost`` by one per piece of evidence. The updated rows are locked by the update itself,
    which the evidence triggers' share locks wait for."""
    flips = f"""
    UPDATE {tally} t SET lost = t.lost + d.delta
    FROM (SELECT e.claim_id, sum(f.delta) AS delta
          FROM (SELECT n.id, CASE WHEN {lost_source_sql("n")} THEN 1 ELSE -1 END AS delta
                FROM old_rows o JOIN new_rows n ON n.id = o.id
                WHERE {lost_source_sql("n")} <> {lost_source_sql("o")}) f
          JOIN {evidence} e ON e.source_id = f.id
          GROUP BY e.claim_id) d
    WHERE t.claim_id = d.claim_id AND d.delta <> 0;
    RETURN NULL;"""
    return [_statement_trigger("tally_source_update", pgtrigger.Update, flips, old="old_rows", new="new_rows")]


def _statement_trigger(name: str, operation, func: str, **referencing: str) -> pgtrigger.Trigger:
    return pgtrigger.Trigger(
        name=name,
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=operation,
        referencing=pgtrigger.Referencing(**referencing),
        func=func,
    )
