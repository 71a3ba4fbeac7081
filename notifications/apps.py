from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Change notifications: the event outbox every write path fills, signed webhooks delivered from it, and the
    feeds of public changes read from it."""

    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The outbox queues the worker's task by name (notifications.dispatch) from any process that writes an
        # event; Celery's autodiscovery registers tasks only in workers, so a web process that never imported this
        # module would refuse the name and every nudge would wait for the beat's sweep.
        from . import tasks  # noqa: F401
