"""The page where users set their own language and time zone, in the admin (its link is in the user tools)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .forms import PreferencesForm
from .selectors import preferences_of
from .services import profile_set_preferences
from .zones import time_zone_names


def preferences(request, *, site):
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            try:
                profile_set_preferences(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                # Said in the language just chosen: the page it shows on is in that language.
                language = form.cleaned_data["language"] or translation.get_language_from_request(request)
                with translation.override(language):
                    messages.success(request, _("Your language and time zone are saved."))
                return redirect(request.path)
    else:
        current = preferences_of(request.user)
        form = PreferencesForm(initial={"language": current.language, "time_zone": current.time_zone})
    context = {
        **site.each_context(request),
        "title": _("Language and time zone"),
        "form": form,
        "time_zones": time_zone_names(),
        "now": timezone.now(),
        "zone_name": timezone.get_current_timezone_name(),
    }
    return TemplateResponse(request, "admin/accounts/preferences.html", context)
