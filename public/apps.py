from django.apps import AppConfig


class PublicConfig(AppConfig):
    """The readers' site: published fact-checks, the corrections log, the desk's pages, tips and feeds."""

    name = "public"
    verbose_name = "Public site"
