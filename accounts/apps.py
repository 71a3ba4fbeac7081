from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Each reviewer's own settings: the language and time zone the admin and the API use for them."""

    name = "accounts"
    verbose_name = _("Accounts")
