from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .languages import validate_language
from .zones import MAX_LENGTH, validate_time_zone


class Profile(models.Model):
    """A user's own settings. No row, or a blank field, means the default: the language the browser asks for
    (Accept-Language) and the desk's time zone (settings.TIME_ZONE, from DJANGO_TIME_ZONE)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    # Validators, not choices: the languages and the zone database may change without a migration.
    language = models.CharField(
        _("language"),
        max_length=16,
        blank=True,
        validators=[validate_language],
        help_text=_("Blank: the language your browser asks for."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=MAX_LENGTH,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("Blank: the desk's time zone."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)
