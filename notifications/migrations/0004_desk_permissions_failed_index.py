from django.db import migrations, models

from claims.groups import sync_groups


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0003_webhooks_sweep'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(condition=models.Q(('state', 'failed')), fields=['subscription'], name='notif_delivery_failed'),
        ),
        # Reviewers manage subscriptions and replay deliveries in the admin (claims.groups.REVIEWER_ONLY, REVIEWER_READS).
        migrations.RunPython(sync_groups, migrations.RunPython.noop),
    ]
