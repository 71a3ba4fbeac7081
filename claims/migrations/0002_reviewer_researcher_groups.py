"""Create the Reviewer (edits claims, evidence, sources, articles) and Researcher (read-only) groups."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITABLE = {
    "claims": ["article", "claim", "evidence", "tag", "historicalclaim"],
    "sources": ["source", "linkcheck"],
}
REVIEWER_ACTIONS = ("view", "add", "change", "delete")


def create_groups(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(actions):
        codenames = [f"{action}_{model}" for models in EDITABLE.values() for model in models for action in actions]
        return Permission.objects.filter(content_type__app_label__in=EDITABLE, codename__in=codenames)

    reviewer, _ = Group.objects.get_or_create(name="Reviewer")
    reviewer.permissions.add(*perms(REVIEWER_ACTIONS))
    # Reviewers issue no tokens; history rows are never edited by hand.
    reviewer.permissions.remove(*Permission.objects.filter(codename__in=[
        "add_historicalclaim", "change_historicalclaim", "delete_historicalclaim",
        "add_linkcheck", "change_linkcheck", "delete_linkcheck",
    ]))
    researcher, _ = Group.objects.get_or_create(name="Researcher")
    researcher.permissions.add(*perms(("view",)))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Reviewer", "Researcher"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("sources", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
