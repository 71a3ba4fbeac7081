"""The tip form: what a reader may send, under the same text rules as the API (claims.validators)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from claims.validators import harden_form
from sources.urlnorm import MAX_URL_LENGTH, normalize_url

# Languages a reader can name for a tip, as BCP 47 tags (what Claim.language holds): the site's two, the other
# languages the archive searches, and "another" (blank).
TIP_LANGUAGES = [
    ("en", _("English")),
    ("zh-Hans", _("Chinese (Simplified)")),
    ("zh-Hant", _("Chinese (Traditional)")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("de", _("German")),
    ("pt", _("Portuguese")),
    ("", _("Another language")),
]

# The site's language codes (settings.LANGUAGES) as the BCP 47 tags above.
PAGE_LANGUAGE_TAGS = {"en": "en", "zh-hans": "zh-Hans"}

# The honeypot's name: a field people never see or fill, which form-filling bots do.
HONEYPOT_FIELD = "website"


def tip_language_for(page_language: str) -> str:
    return PAGE_LANGUAGE_TAGS.get(page_language, "")


class TipForm(forms.Form):
    text = forms.CharField(
        label=_("The claim you want us to check"),
        help_text=_("Quote it as it was said or written, with who said it and where, if you know."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    url = forms.CharField(
        label=_("Where you saw it (optional)"),
        help_text=_("A link to the post, article or video."),
        required=False,
        max_length=MAX_URL_LENGTH,
        widget=forms.URLInput(attrs={"inputmode": "url", "autocomplete": "url"}),
    )
    contact = forms.EmailField(
        label=_("Your email (optional)"),
        help_text=_("Only if you want us to write back. We use it for nothing else and never publish it."),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    language = forms.ChoiceField(label=_("Language of the claim"), choices=TIP_LANGUAGES, required=False)
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, error_report: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        harden_form(self)  # control characters and the API's limits by field name ("text": TEXT_MAX_LENGTH)
        if error_report:
            self.fields["text"].label = _("What is wrong in this fact-check")
            self.fields["text"].help_text = _("Tell us what we got wrong and, if you can, a source that shows it.")
            self.fields["url"].label = _("A source that shows it (optional)")
            self.fields["url"].help_text = ""

    def _post_clean(self) -> None:
        super()._post_clean()
        # A field in error is described by its errors too, so a screen reader reads them when the field has focus.
        for name in self._errors:
            if name in self.fields:
                bound = self[name]
                ids = [f"{bound.auto_id}_errors"] + ([f"{bound.auto_id}_helptext"] if bound.help_text else [])
                self.fields[name].widget.attrs["aria-describedby"] = " ".join(ids)

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if not url:
            return ""
        try:
            return normalize_url(url)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc

    def is_bot(self) -> bool:
        """Whether the honeypot was filled: the caller answers as if all went well and stores nothing."""
        return bool(self.data.get(HONEYPOT_FIELD, "").strip())
