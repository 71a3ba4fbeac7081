"""The transaction id on the claims' history rows, and a history of evidence (claims.timeline).

history_txid is added without a default first: PostgreSQL would otherwise fill every existing row with this
migration's own transaction id, and the timeline would take all of a claim's old saves for one. Existing evidence
gets its "added" row from what the row itself says (when, by whom); removals before now are not known.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0018_assignment'),
        ('sources', '0005_dashboard_partial_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalclaim',
            name='history_txid',
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name='historicalclaim',
            name='history_txid',
            field=models.BigIntegerField(blank=True, db_default=models.Func(function='txid_current', output_field=models.BigIntegerField()), editable=False, null=True),
        ),
        migrations.CreateModel(
            name='HistoricalEvidence',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('history_txid', models.BigIntegerField(blank=True, db_default=models.Func(function='txid_current', output_field=models.BigIntegerField()), editable=False, null=True)),
                ('stance', models.CharField(choices=[('supports', 'Supports'), ('refutes', 'Refutes'), ('context', 'Context')], default='supports', max_length=16)),
                ('excerpt', models.TextField(blank=True, help_text='A passage that should appear on the source page.')),
                ('note', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('added_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('claim', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='claims.claim')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('source', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='sources.source')),
            ],
            options={
                'verbose_name': 'historical evidence',
                'verbose_name_plural': 'historical evidence',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunSQL(
            sql="""
                INSERT INTO claims_historicalevidence (id, stance, excerpt, note, created_at, history_date,
                    history_type, added_by_id, claim_id, history_user_id, source_id, history_txid)
                SELECT id, stance, excerpt, note, created_at, created_at, '+', added_by_id, claim_id, added_by_id,
                    source_id, NULL
                FROM claims_evidence
            """,
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
