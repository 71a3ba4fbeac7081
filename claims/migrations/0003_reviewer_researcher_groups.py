from django.db import migrations

from claims.groups import sync_groups


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Reviewer", "Researcher"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0002_appearance_needs_recheck"),
        ("sources", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_groups, remove_groups)]
