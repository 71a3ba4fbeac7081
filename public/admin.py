"""The desk's pages and readers' tips in the admin. Writes go through public.services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from claims.validators import harden_form

from .models import Page, Tip, TipStatus
from .services import tip_turn_into_claim, tips_set_status

EXCERPT_CHARS = 80
# Making a claim from a tip is writing a claim: the reviewer needs both permissions.
TURN_INTO_CLAIM_PERMISSIONS = ("claims.add_claim", "public.change_tip")


class PageAdminForm(forms.ModelForm):
    class Meta:
        model = Page
        fields = ("slug", "language", "title", "body")
        widgets = {"body": forms.Textarea(attrs={"rows": 30, "cols": 100})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        harden_form(self)  # no control characters; the body's limit is TEXT_MAX_LENGTH["body"]


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    form = PageAdminForm
    list_display = ("title", "slug", "language", "updated_at", "on_site")
    list_filter = ("slug", "language")
    search_fields = ("title", "body")
    readonly_fields = ("updated_at",)

    @admin.display(description=_("On the site"))
    def on_site(self, obj: Page):
        # The site picks the language from the reader's choice, so this opens the page in the admin user's.
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("View"))


@admin.register(Tip)
class TipAdmin(admin.ModelAdmin):
    """Tips readers sent. How many readers asked about a claim shows here, by claim (the "Readers asking" column,
    sortable, and the claim filter): claims does not know about tips, and its admin stays as it is."""

    list_display = ("excerpt", "kind", "status", "language", "created_at", "claim_link", "readers_asking")
    list_filter = ("status", "kind", "language", ("matched_claim", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("text", "url", "contact")
    list_select_related = ("matched_claim",)
    date_hierarchy = "created_at"
    raw_id_fields = ("matched_claim",)
    fields = ("text", "url", "language", "contact", "kind", "status", "matched_claim", "created_at")
    readonly_fields = ("text", "url", "language", "contact", "kind", "created_at")
    actions = ("turn_into_claim", "mark_reviewed", "discard")
    change_form_template = "admin/public/tip/change_form.html"

    def get_queryset(self, request):
        same_claim = (
            Tip.objects.filter(matched_claim=OuterRef("matched_claim"))
            .order_by()
            .values("matched_claim")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return super().get_queryset(request).annotate(asking=Subquery(same_claim, output_field=IntegerField()))

    def has_add_permission(self, request) -> bool:
        return False  # tips come from readers, through /tips/

    @admin.display(description=_("Tip"))
    def excerpt(self, obj: Tip) -> str:
        return Truncator(obj.text).chars(EXCERPT_CHARS)

    @admin.display(description=_("Claim"), ordering="matched_claim")
    def claim_link(self, obj: Tip):
        if obj.matched_claim is None:
            return "—"
        url = reverse("admin:claims_claim_change", args=[obj.matched_claim_id])
        return format_html('<a href="{}">{}</a>', url, Truncator(obj.matched_claim.text).chars(EXCERPT_CHARS))

    @admin.display(description=_("Readers asking"), ordering="asking")
    def readers_asking(self, obj: Tip):
        if obj.matched_claim_id is None:
            return "—"
        url = reverse("admin:public_tip_changelist") + f"?matched_claim__id__exact={obj.matched_claim_id}"
        return format_html('<a href="{}">{}</a>', url, obj.asking)

    def get_urls(self):
        view = self.admin_site.admin_view(self.turn_into_claim_view)
        return [path("<int:tip_id>/turn-into-claim/", view, name="public_tip_turn_into_claim"), *super().get_urls()]

    def _turn(self, request, tip_id: int):
        if not all(request.user.has_perm(permission) for permission in TURN_INTO_CLAIM_PERMISSIONS):
            raise PermissionDenied
        return tip_turn_into_claim(tip_id=tip_id, user=request.user)

    def turn_into_claim_view(self, request, tip_id: int):
        """POST from the tip's page: a draft claim from the tip, then that claim's change page to go on with."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        tip = get_object_or_404(Tip, pk=tip_id)
        try:
            claim = self._turn(request, tip.pk)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:public_tip_change", args=[tip.pk]))
        self.message_user(request, _("A draft claim was made from the tip; complete it here."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:claims_claim_change", args=[claim.pk]))

    @admin.action(description=_("Turn into claim (a draft for each)"), permissions=["change"])
    def turn_into_claim(self, request, queryset):
        claims = []
        for tip_id in queryset.values_list("pk", flat=True):
            try:
                claims.append(self._turn(request, tip_id))
            except ValidationError as exc:
                self.message_user(request, f"#{tip_id}: {' '.join(exc.messages)}", messages.ERROR)
        if len(claims) == 1:
            return HttpResponseRedirect(reverse("admin:claims_claim_change", args=[claims[0].pk]))
        count = len(claims)
        self.message_user(request, ngettext("%d draft claim made.", "%d draft claims made.", count) % count)
        return None

    @admin.action(description=_("Mark reviewed"), permissions=["change"])
    def mark_reviewed(self, request, queryset):
        count = tips_set_status(tip_ids=queryset.values_list("pk", flat=True), status=TipStatus.REVIEWED)
        self.message_user(request, ngettext("%d tip marked reviewed.", "%d tips marked reviewed.", count) % count)

    @admin.action(description=_("Discard"), permissions=["change"])
    def discard(self, request, queryset):
        count = tips_set_status(tip_ids=queryset.values_list("pk", flat=True), status=TipStatus.DISCARDED)
        self.message_user(request, ngettext("%d tip discarded.", "%d tips discarded.", count) % count)
