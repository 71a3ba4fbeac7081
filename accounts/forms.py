from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .zones import MAX_LENGTH, canonical_time_zone, validate_time_zone


class PreferencesForm(forms.Form):
    """A user's language and time zone. The zone is typed (the page offers every name as a suggestion), so a name
    that is not a zone gets an error that says what is expected rather than a list of 600 to scroll."""

    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("Blank: the language your browser asks for."),
    )
    time_zone = forms.CharField(
        label=_("Time zone"),
        required=False,
        max_length=MAX_LENGTH,
        widget=forms.TextInput(attrs={"list": "fc-time-zones", "autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("As my browser asks (Accept-Language)")), *settings.LANGUAGES]
        self.fields["time_zone"].widget.attrs["placeholder"] = settings.TIME_ZONE
        self.fields["time_zone"].help_text = _(
            "A name from the time zone database, such as Asia/Shanghai or Europe/London. Blank: the desk's time "
            "zone, %(zone)s."
        ) % {"zone": settings.TIME_ZONE}

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        if not value:
            return ""
        canonical = canonical_time_zone(value)  # "asia/shanghai" is taken as Asia/Shanghai
        if canonical is None:
            validate_time_zone(value)  # raises, saying what is expected
        return canonical
