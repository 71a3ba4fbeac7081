from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = _("Claims")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from factcheck.db import use_c_timestamp_loader

        # Project-wide, but Django needs an app to connect it from; claims is the app that reads the most dates.
        connection_created.connect(use_c_timestamp_loader, dispatch_uid="factcheck.db.use_c_timestamp_loader")
