"""The per-claim evidence tally (claims.models.ClaimEvidenceTally) that every "needs attention" reader asks: its
all-lost rows, and the job that rebuilds it.

Counting the rule live means, for each claim citing a lost source, counting all of that claim's evidence, whatever
the query's shape; the tally keeps per claim its pieces of evidence and how many of them are lost, so the rule is
one row's ``lost == evidence > 0`` (claims.tally), a primary-key probe for one claim and an index-only count of
tally_all_lost_idx for all of them. The triggers that keep it are declared in claims.models from claims.tally.

``claim_tallies_rebuild`` recomputes the tally from scratch: after a bulk load with the foreign keys dropped
(bench/generate.py loads evidence and sources in parallel, so a trigger can see evidence before its source), and
weekly by beat as a repair. tests/claims/test_dashboard.py holds the tally equal to the live definition (an
aggregate over evidence and sources, kept there only as the test's oracle) through every kind of write.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import QuerySet

from sources.models import Source

from .models import ClaimEvidenceTally, Evidence
from .tally import all_lost_q, lost_source_sql

_REBUILD_SQL = """
INSERT INTO {tally} (claim_id, evidence, lost)
SELECT e.claim_id, count(*), count(*) FILTER (WHERE {lost})
FROM {evidence} e LEFT JOIN {source} s ON s.id = e.source_id
GROUP BY e.claim_id
"""


def all_lost_tallies() -> QuerySet[ClaimEvidenceTally]:
    """The tally rows of the claims whose every source is lost (tally_all_lost_idx holds exactly these)."""
    return ClaimEvidenceTally.objects.filter(all_lost_q())


@transaction.atomic
def claim_tallies_rebuild() -> int:
    """Recompute every claim's tally from the evidence and its sources; returns the rows written. Safe to run
    twice. The tally is locked first: a write meanwhile waits to add its change until the rebuild commits, and
    the rebuild's read sees every write that committed before it."""
    qn = connection.ops.quote_name
    tally = qn(ClaimEvidenceTally._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tally} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"DELETE FROM {tally}")  # names only
        cursor.execute(
            _REBUILD_SQL.format(
                tally=tally,
                lost=lost_source_sql("s"),
                evidence=qn(Evidence._meta.db_table),
                source=qn(Source._meta.db_table),
            )
        )
        return cursor.rowcount
