from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Change notifications: the event outbox every write path fills, signed webhooks delivered from it, and the
    feeds of public changes read from it."""

    name = "notifications"
    verbose_name = _("Notifications")
