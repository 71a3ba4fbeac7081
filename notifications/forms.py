"""The admin's forms for webhooks. They check with notifications.services' own checks, so a mistake is shown on its
field; the services check again when they write."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import services
from .choices import EventType
from .models import WebhookSubscription


class OwnerField(forms.ModelChoiceField):
    """A user by user name, typed: a list of every account would be thousands of options."""

    widget = forms.TextInput
    default_error_messages = {"invalid_choice": _("There is no user with this user name.")}

    def __init__(self, **kwargs):
        User = get_user_model()
        super().__init__(queryset=User.objects.all(), to_field_name=User.USERNAME_FIELD, **kwargs)

    def prepare_value(self, value):
        # The form's initial value is the owner's id; the field shows and reads user names.
        if isinstance(value, int):
            user = self.queryset.filter(pk=value).first()
            return user.get_username() if user else ""
        return super().prepare_value(value)


class WebhookSubscriptionForm(forms.ModelForm):
    owner = OwnerField(
        label=capfirst(_("owner")),
        help_text=_(
            "The user name of the account it belongs to. Desk events go only to subscriptions of reviewers; "
            "a researcher's may have public events only."
        ),
    )
    events = forms.MultipleChoiceField(
        label=capfirst(_("events")),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The events sent to this url."),
    )

    class Meta:
        model = WebhookSubscription
        fields = ("owner", "url", "description", "events", "language", "tag", "claimant")

    def clean(self):
        cleaned = super().clean()
        owner = cleaned.get("owner") if "owner" in self.fields else self.instance.owner
        if owner is None:
            return cleaned  # the owner's own error says why; the events cannot be checked without them
        filters = {name: cleaned.get(name, "") for name in ("language", "tag", "claimant")}
        try:
            cleaned.update(
                services.check_subscription(
                    owner=owner, url=cleaned.get("url"), events=cleaned.get("events"), filters=filters
                )
            )
        except ValidationError as exc:
            self.add_error(None, exc)
        if self.instance.pk is None and not self.errors:
            try:
                services.check_room_for_subscription(owner)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


class ReplaySinceForm(forms.Form):
    # Where the browser's datetime-local field sends its value; read in the reader's current time zone.
    SINCE_FORMAT = "%Y-%m-%dT%H:%M"

    since = forms.DateTimeField(
        label=_("Send again the events since"),
        input_formats=[SINCE_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=SINCE_FORMAT),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["since"].help_text = _(
            "In your time zone, %(zone)s. Every delivery of an event from that time on is sent again, those already "
            "delivered too, with its original delivery id so that receivers can recognise it."
        ) % {"zone": timezone.get_current_timezone_name()}

    def clean_since(self):
        since = self.cleaned_data["since"]
        if since > timezone.now():
            raise ValidationError(_("Choose a time in the past."), code="future")
        return since
