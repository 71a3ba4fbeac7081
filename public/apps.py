from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    """The readers' site: published fact-checks, the corrections log, the desk's pages, tips and feeds."""

    name = "public"
    verbose_name = _("Public site")
