"""The signed-in user's language and time zone for the admin and the API."""

from __future__ import annotations

from django.urls import get_script_prefix, reverse
from django.utils import timezone

from .selectors import preferences_of
from .services import preferences_activate


def is_reviewer_path(path: str) -> bool:
    """The admin and the API: the pages whose language and times follow the signed-in user. The readers' site does
    not, even for a reviewer signed in: it has its own zone (FACTCHECK_PUBLIC_TIME_ZONE) and language switch."""
    return path.startswith(reverse("admin:index")) or path.startswith(f"{get_script_prefix()}api/")


class UserPreferencesMiddleware:
    """After AuthenticationMiddleware and LocaleMiddleware: on the admin and the API, a signed-in user's language
    beats the one LocaleMiddleware chose (Accept-Language or the cookie; still used when the preference is blank),
    and their time zone is the current one while the view runs and its template renders.

    The session's user only: a token is read later, by DRF, whose authentication class
    (factcheck.api.authentication) switches the same preferences on. Either way the zone is reset when the response
    is made, so no thread keeps one user's zone for the next request. One query for the profile, on admin and API
    requests of signed-in users only: anonymous requests and the public site pay nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with timezone.override(None):  # the desk's zone unless a preference says otherwise
            user = getattr(request, "user", None)
            if user is not None and is_reviewer_path(request.path) and user.is_authenticated:
                preferences_activate(request, preferences_of(user))
            return self.get_response(request)
