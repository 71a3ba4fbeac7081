from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Change notifications: the event outbox every write path fills, signed webhooks delivered from it, and the
    feeds of public changes read from it."""

    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # dispatch_soon queues the webhook task by name (the outbox below it imports no worker code); the name is
        # known only once the task's module is imported, which a web process does nowhere else. Without this every
        # nudge after a commit failed with NotRegistered, swallowed by on_commit(robust=True), and delivery waited
        # for the beat's sweep.
        from . import tasks  # noqa: F401
