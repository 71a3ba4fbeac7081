"""The email a subscription's owner gets when it is paused, built (not sent) here: in the owner's language and time
zone (accounts.services.preferences_active), as the desk's other emails (claims.emails)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from accounts.services import moment_shown, preferences_active

from .models import WebhookSubscription


def admin_subscription_url(subscription_id: int) -> str:
    """The subscription's page in the admin, where it is resumed, as an absolute url under FACTCHECK_SITE_URL."""
    try:
        path = reverse("admin:notifications_webhooksubscription_change", args=[subscription_id])
    except NoReverseMatch:
        # Where the admin puts it by its own convention, for a site that has not registered the model (yet).
        path = f"{reverse('admin:index')}notifications/webhooksubscription/{subscription_id}/change/"
    return settings.FACTCHECK_SITE_URL.rstrip("/") + path


def subscription_paused_email(subscription: WebhookSubscription, *, last_error: str) -> EmailMessage:
    """Tell the owner their webhook is paused: which url, failing since when, the last error, how to resume."""
    owner = subscription.owner
    with preferences_active(owner):
        subject = _("Webhook paused: %(url)s") % {"url": subscription.url}
        lines = [
            _("We have paused your webhook subscription to %(url)s: every delivery to it has failed since %(since)s.")
            % {"url": subscription.url, "since": moment_shown(subscription.failing_since or subscription.paused_at)},
            "",
            _("The last error: %(error)s") % {"error": last_error or _("(none recorded)")},
            "",
            _(
                "Nothing is lost: deliveries that were waiting, and those of the events that happen while it is "
                "paused, stay queued and go out, oldest first, when it is resumed."
            ),
            "",
        ]
        url = admin_subscription_url(subscription.pk)
        if owner.is_staff:
            lines.append(
                _("Once the receiver answers again, resume it on its page in the admin: %(url)s") % {"url": url}
            )
        else:
            lines.append(
                _(
                    "Once the receiver answers again, resume it with your API token: PATCH %(path)s with "
                    '{"active": true}.'
                )
                % {"path": reverse("api-webhook-detail", kwargs={"pk": subscription.pk})}
            )
    return EmailMessage(subject=subject, body="\n".join(lines) + "\n", to=[owner.email])
