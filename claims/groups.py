"""The two roles, as auth groups. Migrations call sync_groups whenever a model is added."""

from django.contrib.auth.management import create_permissions

# Models reviewers edit; researchers may view these and the read-only ones.
REVIEWER_EDITS = {
    "claims": ["article", "claim", "evidence", "tag", "appearance", "externalreview", "linksuggestion"],
    "sources": ["source"],
}
# The public site's own rows (named, not imported: claims does not import public). Reviewers edit the desk's pages
# and handle tips; researchers see neither, since a tip may carry a reader's email address.
REVIEWER_ONLY = {
    "public": ["page", "tip"],
    # Every webhook subscription, and replaying deliveries (their change permission; the admin edits neither).
    # Researchers manage their own subscriptions through the API only.
    "notifications": ["webhooksubscription", "delivery"],
}
# Records reviewers read and nobody edits: the outbox's events (desk events among them) and the attempts' log.
REVIEWER_READS = {
    "notifications": ["event", "deliveryattempt"],
}
READ_ONLY = {
    "claims": ["historicalclaim"],
    "sources": ["linkcheck", "capture"],
}


def sync_groups(apps, schema_editor=None) -> None:
    # Permissions are normally made after all migrations have run; make them now so the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(models_by_app, actions):
        wanted = [
            (app, f"{action}_{model}")
            for app, models in models_by_app.items()
            for model in models
            for action in actions
        ]
        found = Permission.objects.filter(
            content_type__app_label__in=[app for app, _ in wanted], codename__in=[codename for _, codename in wanted]
        )
        return [p for p in found.select_related("content_type") if (p.content_type.app_label, p.codename) in wanted]

    reviewer, _ = Group.objects.get_or_create(name="Reviewer")
    reviewer.permissions.set(
        permissions(REVIEWER_EDITS, ("view", "add", "change", "delete"))
        + permissions(REVIEWER_ONLY, ("view", "add", "change", "delete"))
        + permissions(READ_ONLY, ("view",))
        + permissions(REVIEWER_READS, ("view",))
    )
    researcher, _ = Group.objects.get_or_create(name="Researcher")
    researcher.permissions.set(permissions(REVIEWER_EDITS, ("view",)) + permissions(READ_ONLY, ("view",)))
