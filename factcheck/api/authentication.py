"""Token authentication that also switches on the user's language and time zone (accounts), as
accounts.middleware does for the session's user: a token is only read here, after the middleware has run."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.selectors import preferences_of
from accounts.services import preferences_activate


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            # The zone is reset by accounts.middleware when the response is made.
            preferences_activate(request._request, preferences_of(result[0]))
        return result

    def authenticate_credentials(self, key):
        # DRF's own, with the profile joined to the token's one query, so the preferences cost none of their own.
        model = self.get_model()
        try:
            token = model.objects.select_related("user", "user__profile").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
