"""A larger statistics sample for the search vector: PostgreSQL estimates a tsquery's matches from the most common
lexemes it keeps, and a lexeme outside that list gets a guess from the rarest one kept. With the default 100 the
guess for "Impfstoff" at 1M claims was 9,982 rows (780 match), and the planner chose its plan for ten times the rows;
with 2,000 it is 1,569. ANALYZE (autovacuum's, or `manage.py dbshell`) reads the larger sample."""

from django.db import migrations

STATISTICS = 2000


class Migration(migrations.Migration):
    dependencies = [("claims", "0016_correction_log_from_history")]

    operations = [
        migrations.RunSQL(
            f"ALTER TABLE claims_claim ALTER COLUMN search_vector SET STATISTICS {STATISTICS}",
            "ALTER TABLE claims_claim ALTER COLUMN search_vector SET STATISTICS -1",
        )
    ]
