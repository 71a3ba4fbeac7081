"""The desk's admin for webhooks: every subscription (added for any owner, resumed, switched off, its secret rotated,
its deliveries replayed since a time), the deliveries with each one's log of attempts (replayed), and the outbox's
events, read only. Thin: the writes are notifications.services', the counts notifications.selectors'.

A secret is shown once, on the page that answers the request that made it (adding a subscription, rotating secrets),
and nowhere else: not in a message (messages wait in the session or a cookie until shown), not in the change form,
not in the history, not in a log.
"""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from factcheck.admin_readonly import ReadOnlyAdminMixin

from . import selectors, services
from .choices import DeliveryState, EventType
from .forms import ReplaySinceForm, WebhookSubscriptionForm
from .models import Delivery, DeliveryAttempt, Event, WebhookSubscription

TEMPLATES = "admin/notifications/webhooksubscription/"
STYLES = {"all": ("notifications/admin.css",)}


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else "—"


def _event_label(value: str) -> str:
    return str(EventType(value).label) if value in EventType.values else value


def _deliveries_url(**filters) -> str:
    return reverse("admin:notifications_delivery_changelist") + "?" + urlencode(filters)


def subscription_status(subscription: WebhookSubscription) -> str:
    """On, paused for failing (since when, and why), or switched off, in words."""
    if subscription.paused_at is not None:
        text = gettext("Paused since %(when)s") % {"when": _when(subscription.paused_at)}
        return f"{text}: {subscription.pause_reason}" if subscription.pause_reason else text
    if not subscription.active:
        return gettext("Switched off")
    return gettext("Active")


class SubscriptionStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return (
            ("active", _("Active")),
            ("failing", _("Active, but failing")),
            ("paused", _("Paused for failing")),
            ("off", _("Switched off")),
        )

    def queryset(self, request, queryset):
        value = self.value()
        if value == "active":
            return queryset.exclude(selectors.subscription_off())
        if value == "failing":
            return queryset.exclude(selectors.subscription_off()).filter(failing_since__isnull=False)
        if value == "paused":
            return queryset.filter(paused_at__isnull=False)
        if value == "off":
            return queryset.filter(active=False, paused_at__isnull=True)
        return queryset


class ChosenOnlyFilter(admin.SimpleListFilter):
    """A filter by one row, offered only once chosen (a subscription's or an event's own link to its deliveries):
    a choice per row would be thousands."""

    model = None

    def chosen_id(self) -> int | None:
        value = self.value() or ""
        # A row id as PostgreSQL's bigint holds it; anything else chooses nothing (an empty list, not an error).
        return int(value) if value.isascii() and value.isdigit() and int(value) < 2**63 else None

    def lookups(self, request, model_admin):
        # Whatever was asked for is offered, so the filter applies (Django skips a filter with nothing to offer).
        if self.value() is None:
            return ()
        chosen = None
        if self.chosen_id() is not None:
            chosen = self.model.objects.filter(pk=self.chosen_id()).only("pk", *self.shown).first()
        return ((self.value(), self.label(chosen) if chosen else self.value()),)

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return (
            queryset.filter(**{f"{self.parameter_name}_id": self.chosen_id()}) if self.chosen_id() else queryset.none()
        )


class SubscriptionFilter(ChosenOnlyFilter):
    title = _("subscription")
    parameter_name = "subscription"
    model = WebhookSubscription
    shown = ("url",)

    @staticmethod
    def label(subscription) -> str:
        return subscription.url


class EventFilter(ChosenOnlyFilter):
    title = _("event")
    parameter_name = "event"
    model = Event
    shown = ("type",)

    @staticmethod
    def label(event) -> str:
        return f"{_event_label(event.type)} #{event.pk}"


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    class Media:
        css = STYLES

    empty_value_display = "—"

    form = WebhookSubscriptionForm
    ordering = ("-id",)
    list_display = (
        "url",
        "owner",
        "events_column",
        "status_column",
        "failing_since_column",
        "pending_column",
        "failed_column",
    )
    list_select_related = ("owner",)
    list_filter = (SubscriptionStatusFilter,)
    search_fields = ("url", "owner__username", "description")
    show_full_result_count = False
    actions = ("resume", "switch_off", "rotate_secrets", "replay_since")
    change_form_template = TEMPLATES + "change_form.html"

    def get_queryset(self, request):
        return selectors.with_delivery_counts(super().get_queryset(request))

    # --- the list ----------------------------------------------------------------------------------------------

    @admin.display(description=_("events"))
    def events_column(self, obj: WebhookSubscription) -> str:
        return _listed([_event_label(value) for value in obj.events])

    @admin.display(description=_("status"))
    def status_column(self, obj: WebhookSubscription) -> str:
        return subscription_status(obj)

    @admin.display(description=_("failing since"), ordering="failing_since")
    def failing_since_column(self, obj: WebhookSubscription):
        if obj.failing_since is None:
            return "—"
        return format_html('<span class="fc-warning">⚠ {}</span>', _when(obj.failing_since))

    @admin.display(description=_("pending deliveries"), ordering="pending_count")
    def pending_column(self, obj: WebhookSubscription):
        return self._count_link(obj, obj.pending_count, DeliveryState.PENDING)

    @admin.display(description=_("failed deliveries"), ordering="failed_count")
    def failed_column(self, obj: WebhookSubscription):
        return self._count_link(obj, obj.failed_count, DeliveryState.FAILED)

    @staticmethod
    def _count_link(obj: WebhookSubscription, count: int, state: str):
        if not count:
            return "0"
        return format_html('<a href="{}">{}</a>', _deliveries_url(subscription=obj.pk, state__exact=state), count)

    # --- the form ----------------------------------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return (
                (None, {"fields": ("owner", "url", "description")}),
                (_("What to send"), {"fields": ("events", "language", "tag", "claimant")}),
            )
        return (
            (None, {"fields": ("owner", "url", "description", "status", "secret_hint")}),
            (_("What to send"), {"fields": ("events", "language", "tag", "claimant")}),
            (_("Deliveries"), {"fields": ("delivery_counts", "failing_since", ("created_at", "updated_at"))}),
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # The owner stays who it was made for: which events it may have depends on them.
        return ("owner", "status", "secret_hint", "delivery_counts", "failing_since", "created_at", "updated_at")

    @admin.display(description=_("status"))
    def status(self, obj: WebhookSubscription) -> str:
        return subscription_status(obj)

    @admin.display(description=_("deliveries"))
    def delivery_counts(self, obj: WebhookSubscription):
        pending = ngettext("%(count)d pending", "%(count)d pending", obj.pending_count) % {"count": obj.pending_count}
        failed = ngettext("%(count)d failed", "%(count)d failed", obj.failed_count) % {"count": obj.failed_count}
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            _deliveries_url(subscription=obj.pk, state__exact=DeliveryState.PENDING),
            pending,
            _deliveries_url(subscription=obj.pk, state__exact=DeliveryState.FAILED),
            failed,
            _deliveries_url(subscription=obj.pk),
            gettext("all of them"),
        )

    def save_model(self, request, obj, form, change):
        if not change:
            made = services.webhook_subscribe(
                owner=obj.owner,
                url=obj.url,
                events=obj.events,
                language=obj.language,
                tag=obj.tag,
                claimant=obj.claimant,
                description=obj.description,
            )
            _copy_row(made.subscription, obj)
            obj._secret_shown_once = made.secret  # for response_add's page only; the instance dies with the request
            return
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in services.CHANGEABLE_FIELDS}
        if changes:
            _copy_row(services.webhook_change(subscription_id=obj.pk, changes=changes), obj)

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(obj, "_secret_shown_once", None)
        if secret is None or "_popup" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(request, gettext("The webhook subscription was added."), messages.SUCCESS)
        return self._secrets_page(request, [(obj, secret)], title=gettext("The new subscription’s secret"))

    def get_deleted_objects(self, objs, request):
        """The subscriptions, and how many deliveries and attempts go with them, counted rather than listed: a busy
        subscription has thousands. They go with their subscription (webhook_unsubscribe), so removing it is the
        only permission needed."""
        subscriptions = list(objs)
        ids = [s.pk for s in subscriptions]
        deleted = [
            format_html(
                '{}: <a href="{}">{}</a>',
                capfirst(self.opts.verbose_name),
                reverse("admin:notifications_webhooksubscription_change", args=[s.pk]),
                s.url,
            )
            for s in subscriptions
        ]
        counts = {
            self.opts.verbose_name_plural: len(subscriptions),
            Delivery._meta.verbose_name_plural: Delivery.objects.filter(subscription_id__in=ids).count(),
            DeliveryAttempt._meta.verbose_name_plural: DeliveryAttempt.objects.filter(
                delivery__subscription_id__in=ids
            ).count(),
        }
        perms_needed = set() if self.has_delete_permission(request) else {self.opts.verbose_name}
        return deleted, {name: n for name, n in counts.items() if n}, perms_needed, []

    def delete_model(self, request, obj):
        services.webhook_unsubscribe(subscription=obj)

    def delete_queryset(self, request, queryset):
        for subscription in queryset:
            services.webhook_unsubscribe(subscription=subscription)

    # --- actions, from the list or from a subscription's page ------------------------------------------------

    @admin.action(description=_("Resume selected subscriptions"), permissions=["change"])
    def resume(self, request, queryset):
        off = list(queryset.filter(selectors.subscription_off()))
        for subscription in off:
            services.webhook_resume(subscription_id=subscription.pk)
            self.log_change(request, subscription, gettext("Resumed."))
        if off:
            text = ngettext(
                "%(count)d subscription resumed: the deliveries that waited for it are being sent now.",
                "%(count)d subscriptions resumed: the deliveries that waited for them are being sent now.",
                len(off),
            ) % {"count": len(off)}
            self.message_user(request, text, messages.SUCCESS)
        else:
            self.message_user(request, gettext("These subscriptions were on already: nothing changed."), messages.INFO)

    @admin.action(description=_("Switch off selected subscriptions"), permissions=["change"])
    def switch_off(self, request, queryset):
        switched = list(queryset.filter(active=True))
        services.webhooks_switch_off(subscription_ids=[s.pk for s in switched])
        for subscription in switched:
            self.log_change(request, subscription, gettext("Switched off."))
        if switched:
            text = ngettext(
                "%(count)d subscription switched off: nothing is sent to it until it is resumed, and events that "
                "happen meanwhile are not kept for it.",
                "%(count)d subscriptions switched off: nothing is sent to them until they are resumed, and events "
                "that happen meanwhile are not kept for them.",
                len(switched),
            ) % {"count": len(switched)}
            self.message_user(request, text, messages.SUCCESS)
        else:
            self.message_user(request, gettext("These subscriptions were off already: nothing changed."), messages.INFO)

    @admin.action(description=_("Rotate the secrets of selected subscriptions…"), permissions=["change"])
    def rotate_secrets(self, request, queryset):
        subscriptions = list(queryset.select_related("owner"))
        if "apply" not in request.POST:
            return self._confirm_page(
                request,
                subscriptions,
                action="rotate_secrets",
                title=gettext("Rotate secrets"),
                explanation=ngettext(
                    "This subscription gets a new secret, shown once on the next page. The old one stops signing "
                    "at once: its receiver refuses our deliveries until it has the new one.",
                    "These %(count)d subscriptions get new secrets, shown once on the next page. The old ones stop "
                    "signing at once: their receivers refuse our deliveries until they have the new ones.",
                    len(subscriptions),
                )
                % {"count": len(subscriptions)},
                button=gettext("Rotate"),
            )
        shown = []
        for subscription in subscriptions:
            rotated = services.webhook_secret_rotate(subscription_id=subscription.pk)
            self.log_change(request, subscription, gettext("Rotated the secret."))
            shown.append((rotated.subscription, rotated.secret))
        return self._secrets_page(request, shown, title=gettext("New secrets"))

    @admin.action(description=_("Replay deliveries since…"), permissions=["change"])
    def replay_since(self, request, queryset):
        subscriptions = list(queryset.select_related("owner"))
        form = ReplaySinceForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            context = {
                **self._page_context(request, gettext("Replay deliveries since…"), subscriptions),
                "form": form,
                "action": "replay_since",
            }
            return TemplateResponse(request, TEMPLATES + "replay_since.html", context)
        since = form.cleaned_data["since"]
        queued = 0
        logged = gettext("Replayed the deliveries since %(when)s.") % {"when": _when(since)}
        for subscription in subscriptions:
            queued += services.subscription_replay_since(subscription_id=subscription.pk, since=since)
            self.log_change(request, subscription, logged)
        text = ngettext(
            "%(count)d delivery of events since %(since)s queued for replay.",
            "%(count)d deliveries of events since %(since)s queued for replay.",
            queued,
        ) % {"count": queued, "since": _when(since)}
        self.message_user(request, f"{text} {_replay_afterwards(queued)}", messages.SUCCESS)
        waiting = selectors.subscriptions_off(subscription_ids=[s.pk for s in subscriptions])
        if queued and waiting:
            text = ngettext(
                "%(count)d of these subscriptions is switched off or paused: its deliveries wait until it is resumed.",
                "%(count)d of these subscriptions are switched off or paused: their deliveries wait until they are "
                "resumed.",
                waiting,
            ) % {"count": waiting}
            self.message_user(request, text, messages.WARNING)
        return None

    # --- one subscription's page: the same actions, each on its own url ----------------------------------------

    OBJECT_ACTIONS = {"resume": "resume", "switch-off": "switch_off", "rotate-secret": "rotate_secrets"}

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:object_id>/replay/", view(self.replay_view), name="notifications_webhooksubscription_replay"),
            *(
                path(
                    f"<int:object_id>/{slug}/",
                    view(self.object_action_view),
                    {"action": action},
                    name=f"notifications_webhooksubscription_{action}",
                )
                for slug, action in self.OBJECT_ACTIONS.items()
            ),
            *super().get_urls(),
        ]

    def _one(self, request, object_id: int):
        subscription = self.get_object(request, str(object_id))
        if subscription is None:
            raise Http404
        if not self.has_change_permission(request, subscription):
            raise PermissionDenied
        return self.get_queryset(request).filter(pk=subscription.pk), subscription

    def object_action_view(self, request, object_id: int, action: str):
        """Resume, switch off, rotate: a page that asks first (GET), then the list's action on this one (POST)."""
        queryset, subscription = self._one(request, object_id)
        if request.method != "POST":
            if action == "rotate_secrets":
                return self.rotate_secrets(request, queryset)
            title, button = {
                "resume": (gettext("Resume this subscription"), gettext("Resume")),
                "switch_off": (gettext("Switch off this subscription"), gettext("Switch off")),
            }[action]
            explanation = {
                "resume": gettext("Deliveries that waited for it are sent at once, oldest first."),
                "switch_off": gettext(
                    "Nothing is sent to it until it is resumed, and events that happen meanwhile are not kept for it. "
                    "A receiver that is only down needs nothing: after failing for a while its subscription is "
                    "paused, and what it missed is held for it."
                ),
            }[action]
            return self._confirm_page(
                request, [subscription], action=action, title=title, explanation=explanation, button=button
            )
        response = getattr(self, action)(request, queryset)
        return response or redirect("admin:notifications_webhooksubscription_change", subscription.pk)

    def replay_view(self, request, object_id: int):
        queryset, subscription = self._one(request, object_id)
        response = self.replay_since(request, queryset)
        return response or redirect("admin:notifications_webhooksubscription_change", subscription.pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        context = {}
        if object_id and str(object_id).isdigit():
            # The template offers Resume or Switch off, whichever applies to the subscription it shows.
            context["fc_tools"] = {
                name: reverse(f"admin:notifications_webhooksubscription_{name}", args=[object_id])
                for name in ("replay", "rotate_secrets", "resume", "switch_off")
            }
            context["fc_deliveries_url"] = _deliveries_url(subscription=object_id)
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})

    # --- the pages -----------------------------------------------------------------------------------------------

    def _page_context(self, request, title: str, subscriptions) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "subscriptions": subscriptions,
            # From the list's actions (their form names the action), or from one subscription's page.
            "bulk": "action" in request.POST,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }

    def _confirm_page(self, request, subscriptions, *, action: str, title: str, explanation: str, button: str):
        context = {
            **self._page_context(request, title, subscriptions),
            "action": action,
            "explanation": explanation,
            "button": button,
        }
        return TemplateResponse(request, TEMPLATES + "confirm.html", context)

    def _secrets_page(self, request, shown, *, title: str):
        """The one page that shows secrets: never kept by the browser or a proxy."""
        context = {**self._page_context(request, title, [s for s, _ in shown]), "shown": shown}
        response = TemplateResponse(request, TEMPLATES + "secrets.html", context)
        add_never_cache_headers(response)
        return response


def _copy_row(source: WebhookSubscription, target: WebhookSubscription) -> None:
    """The row a service wrote, onto the instance the admin holds (it logs and links to that one)."""
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False


def _replay_afterwards(count: int) -> str:
    if not count:
        return gettext("There was nothing to send again.")
    return ngettext(
        "It is sent again soon, with its original delivery id, so its receiver can recognise it.",
        "They are sent again soon, each with its original delivery id, so receivers can recognise them.",
        count,
    )


def _waiting_message(count: int) -> str:
    return ngettext(
        "%(count)d of them belongs to a subscription that is switched off or paused: it waits until that is resumed.",
        "%(count)d of them belong to subscriptions that are switched off or paused: they wait until those are resumed.",
        count,
    ) % {"count": count}


def _listed(items: list[str]) -> str:
    return pgettext("list separator", ", ").join(items)


class DeliveryAttemptInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The delivery's log: each POST and what came back."""

    model = DeliveryAttempt
    empty_value_display = "—"
    fields = ("number", "started_at", "duration", "status", "error", "response")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    @admin.display(description=_("duration"))
    def duration(self, obj: DeliveryAttempt) -> str:
        return gettext("%(ms)s ms") % {"ms": obj.duration_ms}

    @admin.display(description=_("response (first 1 KB)"))
    def response(self, obj: DeliveryAttempt):
        if not obj.response_excerpt:
            return "—"
        # As text: whatever the receiver answered is escaped, never rendered.
        return format_html('<pre class="fc-response">{}</pre>', obj.response_excerpt[:1024])


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Deliveries are the worker's record: read here, replayed, never edited."""

    class Media:
        css = STYLES

    empty_value_display = "—"

    ordering = ("-id",)
    list_display = (
        "uuid",
        "subscription",
        "event_type",
        "state",
        "attempts",
        "last_status",
        "next_attempt",
        "delivered_at",
    )
    list_display_links = ("uuid",)
    list_select_related = ("subscription", "event")  # as deliveries_for_desk: not the owner, not the payload
    list_filter = ("state", "event__type", SubscriptionFilter, EventFilter)
    search_fields = ("=uuid",)
    search_help_text = _("A delivery id, as the receiver got it in X-Factcheck-Delivery.")
    show_full_result_count = False
    actions = ("replay",)
    inlines = (DeliveryAttemptInline,)
    change_form_template = "admin/notifications/delivery/change_form.html"
    fields = (
        "uuid",
        "subscription_link",
        "event_link",
        "state",
        "attempts",
        "last_status",
        "last_error",
        "next_attempt",
        "delivered_at",
        "replayed_at",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.deliveries_for_desk(super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the page is read only; replaying has its own permission

    def has_delete_permission(self, request, obj=None):
        return False

    def has_replay_permission(self, request) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    @admin.display(description=_("event"), ordering="event__type")
    def event_type(self, obj: Delivery) -> str:
        return _event_label(obj.event.type)

    @admin.display(description=_("next attempt"), ordering="next_attempt_at")
    def next_attempt(self, obj: Delivery) -> str:
        return _when(obj.next_attempt_at) if obj.state == DeliveryState.PENDING else "—"

    @admin.display(description=_("subscription"))
    def subscription_link(self, obj: Delivery):
        url = reverse("admin:notifications_webhooksubscription_change", args=[obj.subscription_id])
        return format_html('<a href="{}">{}</a>', url, obj.subscription.url)

    @admin.display(description=_("event"))
    def event_link(self, obj: Delivery):
        url = reverse("admin:notifications_event_change", args=[obj.event_id])
        return format_html(
            '<a href="{}">{} #{}</a> ({})', url, _event_label(obj.event.type), obj.event_id, _when(obj.event.created_at)
        )

    @admin.action(description=_("Replay selected deliveries"), permissions=["replay"])
    def replay(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        queued = services.deliveries_replay(delivery_ids=ids)
        text = ngettext("%(count)d delivery queued for replay.", "%(count)d deliveries queued for replay.", queued) % {
            "count": queued
        }
        self.message_user(request, f"{text} {_replay_afterwards(queued)}", messages.SUCCESS)
        waiting = selectors.deliveries_waiting_for_subscription(delivery_ids=ids)
        if waiting:
            self.message_user(request, _waiting_message(waiting), messages.WARNING)

    def get_urls(self):
        view = self.admin_site.admin_view(self.replay_view)
        return [path("<int:object_id>/replay/", view, name="notifications_delivery_replay"), *super().get_urls()]

    def replay_view(self, request, object_id: int):
        """The change page's Replay button (a POST)."""
        if request.method != "POST" or not self.has_replay_permission(request):
            raise PermissionDenied
        queryset = self.get_queryset(request).filter(pk=object_id)
        if not queryset.exists():
            raise Http404
        self.replay(request, queryset)
        return redirect("admin:notifications_delivery_change", object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        context = {}
        if object_id and str(object_id).isdigit() and self.has_replay_permission(request):
            context["fc_replay_url"] = reverse("admin:notifications_delivery_replay", args=[object_id])
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})


class EventChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        return selectors.events_for_desk(super().get_queryset(request, exclude_parameters))


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The outbox: what happened, as it is sent. Written in the change's own transaction; nobody edits it."""

    class Media:
        css = STYLES

    empty_value_display = "—"

    ordering = ("-id",)
    list_display = ("id", "type", "order_key", "language", "created_at", "dispatched_at")
    list_filter = ("type",)
    search_fields = ("=order_key",)
    search_help_text = _("What an event is about, such as claim:12, source:40 or tip:7.")
    show_full_result_count = False
    fields = (
        "type",
        "order_key",
        "ids",
        "language",
        "tags",
        "claimant",
        "created_at",
        "dispatched_at",
        "deliveries",
        "payload_shown",
    )
    readonly_fields = fields

    def get_changelist(self, request, **kwargs):
        return EventChangeList

    @admin.display(description=_("object ids"))
    def ids(self, obj: Event) -> str:
        return _listed([f"{name} {value}" for name, value in sorted(obj.object_ids.items())]) or "—"

    @admin.display(description=_("deliveries"))
    def deliveries(self, obj: Event):
        return format_html('<a href="{}">{}</a>', _deliveries_url(event=obj.pk), gettext("This event’s deliveries"))

    @admin.display(description=_("payload"))
    def payload_shown(self, obj: Event):
        text = json.dumps(obj.payload, indent=2, ensure_ascii=False, sort_keys=True)
        return format_html('<pre class="fc-payload">{}</pre>', text)
