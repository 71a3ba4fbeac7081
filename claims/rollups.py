"""The per-claim evidence tally behind the dashboard's "every source dead" count.

Counting it live means, for each of the ~45,000 claims citing a dead source without an archive (make bench scale),
counting all of that claim's evidence: 45,000 index probes, 150-300 ms whatever the query's shape. The tally
(claims.models.ClaimEvidenceTally) keeps per claim its pieces of evidence and how many of them are lost (source dead,
no archived copy), so the count is an index-only count of the rows with ``lost == evidence > 0``: about a
millisecond.

Kept by PostgreSQL statement triggers declared in claims.models from claims.tally (which says why triggers): evidence
inserted, deleted or moved to another claim or source, and sources whose lost state flips (health to or from dead,
an archive found or removed).

``claim_tallies_rebuild`` recomputes the tally from scratch: after a bulk load with the foreign keys dropped
(bench/generate.py loads evidence and sources in parallel, so a trigger can see evidence before its source), and
weekly by beat as a repair. tests/claims/test_dashboard.py holds the tally equal to the live definition
(claims.selectors.attention.needs_attention_condition) through every kind of write.
"""

from __future__ import annotations

from django.db import connection, transaction

from .models import ClaimEvidenceTally, Evidence
from .selectors.attention import claims_needing_attention
from .tally import lost_source_sql

_REBUILD_SQL = """
INSERT INTO {tally} (claim_id, evidence, lost)
SELECT e.claim_id, count(*), count(*) FILTER (WHERE {lost})
FROM {evidence} e LEFT JOIN {source} s ON s.id = e.source_id
GROUP BY e.claim_id
"""


def tally_in_use() -> bool:
    """The tally is kept where the triggers are: PostgreSQL. Elsewhere the dashboard counts live."""
    return connection.vendor == "postgresql"


def claims_all_sources_dead_count() -> int:
    """How many claims have evidence and every piece of it cites a dead source with no archived copy."""
    if not tally_in_use():
        return claims_needing_attention().count()
    return all_lost_tallies().count()


def all_lost_tallies():
    """The tally rows of the claims whose every source is dead (tally_all_lost_idx holds exactly these)."""
    from django.db.models import F

    return ClaimEvidenceTally.objects.filter(lost=F("evidence"), evidence__gt=0)


@transaction.atomic
def claim_tallies_rebuild() -> int:
    """Recompute every claim's tally from the evidence and its sources; returns the rows written. Safe to run
    twice. The tally is locked first: a write meanwhile waits to add its change until the rebuild commits, and
    the rebuild's read sees every write that committed before it. About 3 s for 2M evidence (make bench)."""
    if not tally_in_use():
        return 0
    qn = connection.ops.quote_name
    from sources.models import Source

    tally = qn(ClaimEvidenceTally._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tally} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"DELETE FROM {tally}")  # noqa: S608 - names only
        cursor.execute(
            _REBUILD_SQL.format(
                tally=tally,
                lost=lost_source_sql("s"),
                evidence=qn(Evidence._meta.db_table),
                source=qn(Source._meta.db_table),
            )
        )
        return cursor.rowcount
