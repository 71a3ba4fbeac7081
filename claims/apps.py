from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from factcheck.db import use_c_timestamp_loader

        # Project-wide, but Django needs an app to connect it from; claims is the app that reads the most dates.
        connection_created.connect(use_c_timestamp_loader, dispatch_uid="factcheck.db.use_c_timestamp_loader")
