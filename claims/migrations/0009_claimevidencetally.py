"""The per-claim evidence tally behind the dashboard's "every source dead" count (claims.rollups): the table, the
PostgreSQL triggers that keep it, its backfill, and the weekly beat row of its repair."""

from django.db import migrations, models

LOST = "{t}.health = 'dead' AND {t}.archive_url = ''"

TRIGGERS_SQL = f"""
CREATE FUNCTION claims_tally_evidence_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- share-lock the cited sources: a concurrent flip of their lost state waits for us, or we wait for it and
    -- then read its result (each statement below takes a new snapshot)
    PERFORM 1 FROM sources_source WHERE id IN (SELECT source_id FROM new_rows) ORDER BY id FOR SHARE;
    INSERT INTO claims_claimevidencetally (claim_id, evidence, lost)
    SELECT n.claim_id, count(*), count(*) FILTER (WHERE {LOST.format(t="s")})
    FROM new_rows n LEFT JOIN sources_source s ON s.id = n.source_id
    GROUP BY n.claim_id ORDER BY n.claim_id
    ON CONFLICT (claim_id) DO UPDATE SET evidence = claims_claimevidencetally.evidence + excluded.evidence,
                                         lost = claims_claimevidencetally.lost + excluded.lost;
    RETURN NULL;
END $$;

CREATE FUNCTION claims_tally_evidence_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM sources_source WHERE id IN (SELECT source_id FROM old_rows) ORDER BY id FOR SHARE;
    UPDATE claims_claimevidencetally t SET evidence = t.evidence - d.n, lost = t.lost - d.lost
    FROM (SELECT o.claim_id, count(*) AS n, count(*) FILTER (WHERE {LOST.format(t="s")}) AS lost
          FROM old_rows o LEFT JOIN sources_source s ON s.id = o.source_id GROUP BY o.claim_id) d
    WHERE t.claim_id = d.claim_id;
    RETURN NULL;
END $$;

CREATE FUNCTION claims_tally_evidence_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- most updates (excerpt status, notes) move nothing: only rows given another claim or source count
    IF NOT EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE o.claim_id <> n.claim_id OR o.source_id <> n.source_id) THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM sources_source
    WHERE id IN (SELECT source_id FROM old_rows UNION SELECT source_id FROM new_rows) ORDER BY id FOR SHARE;
    INSERT INTO claims_claimevidencetally (claim_id, evidence, lost)
    SELECT claim_id, sum(n), sum(lost) FROM (
        SELECT o.claim_id, -1 AS n, -(CASE WHEN {LOST.format(t="s")} THEN 1 ELSE 0 END) AS lost
        FROM old_rows o JOIN new_rows n ON n.id = o.id LEFT JOIN sources_source s ON s.id = o.source_id
        WHERE o.claim_id <> n.claim_id OR o.source_id <> n.source_id
        UNION ALL
        SELECT n.claim_id, 1, CASE WHEN {LOST.format(t="s")} THEN 1 ELSE 0 END
        FROM old_rows o JOIN new_rows n ON n.id = o.id LEFT JOIN sources_source s ON s.id = n.source_id
        WHERE o.claim_id <> n.claim_id OR o.source_id <> n.source_id
    ) moved GROUP BY claim_id ORDER BY claim_id
    ON CONFLICT (claim_id) DO UPDATE SET evidence = claims_claimevidencetally.evidence + excluded.evidence,
                                         lost = claims_claimevidencetally.lost + excluded.lost;
    RETURN NULL;
END $$;

CREATE FUNCTION claims_tally_source_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE claims_claimevidencetally t SET lost = t.lost + d.delta
    FROM (SELECT e.claim_id, sum(f.delta) AS delta
          FROM (SELECT n.id, CASE WHEN {LOST.format(t="n")} THEN 1 ELSE -1 END AS delta
                FROM old_rows o JOIN new_rows n ON n.id = o.id
                WHERE ({LOST.format(t="n")}) <> ({LOST.format(t="o")})) f
          JOIN claims_evidence e ON e.source_id = f.id
          GROUP BY e.claim_id) d
    WHERE t.claim_id = d.claim_id AND d.delta <> 0;
    RETURN NULL;
END $$;

CREATE TRIGGER claims_tally_evidence_insert AFTER INSERT ON claims_evidence
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION claims_tally_evidence_insert();
CREATE TRIGGER claims_tally_evidence_delete AFTER DELETE ON claims_evidence
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION claims_tally_evidence_delete();
CREATE TRIGGER claims_tally_evidence_update AFTER UPDATE ON claims_evidence
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION claims_tally_evidence_update();
CREATE TRIGGER claims_tally_source_update AFTER UPDATE ON sources_source
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION claims_tally_source_update();

INSERT INTO claims_claimevidencetally (claim_id, evidence, lost)
SELECT e.claim_id, count(*), count(*) FILTER (WHERE {LOST.format(t="s")})
FROM claims_evidence e LEFT JOIN sources_source s ON s.id = e.source_id
GROUP BY e.claim_id;
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS claims_tally_source_update ON sources_source;
DROP TRIGGER IF EXISTS claims_tally_evidence_update ON claims_evidence;
DROP TRIGGER IF EXISTS claims_tally_evidence_delete ON claims_evidence;
DROP TRIGGER IF EXISTS claims_tally_evidence_insert ON claims_evidence;
DROP FUNCTION IF EXISTS claims_tally_source_update();
DROP FUNCTION IF EXISTS claims_tally_evidence_update();
DROP FUNCTION IF EXISTS claims_tally_evidence_delete();
DROP FUNCTION IF EXISTS claims_tally_evidence_insert();
"""

REBUILD = ("Claims: rebuild the dashboard's evidence tally", "claims.tasks.claim_tallies_rebuild")


def create_triggers(apps, schema_editor):
    schema_editor.execute(TRIGGERS_SQL)


def drop_triggers(apps, schema_editor):
    schema_editor.execute(DROP_SQL)


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    name, task = REBUILD
    if PeriodicTask.objects.filter(name=name).exists():
        return  # edited in the admin already: leave it as the editor left it
    cron, _ = CrontabSchedule.objects.get_or_create(
        minute="45", hour="4", day_of_week="0", day_of_month="*", month_of_year="*"
    )
    PeriodicTask.objects.create(name=name, task=task, crontab=cron, enabled=True)


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=REBUILD[0]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0008_claim_reviewer_status_idx"),
        ("sources", "0005_dashboard_partial_indexes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="ClaimEvidenceTally",
            fields=[
                ("claim_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("evidence", models.IntegerField(default=0)),
                ("lost", models.IntegerField(default=0)),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("evidence__gt", 0), ("lost", models.F("evidence"))),
                        fields=["claim_id"],
                        name="tally_all_lost_idx",
                    )
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
