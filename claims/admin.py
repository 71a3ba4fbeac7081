"""The reviewer admin for claims, their evidence and articles.

The admin classes are thin: forms validate and lock (claims/forms.py), every write goes through claims.services.
"""

from functools import partial

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join, linebreaks
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext, ngettext, ngettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from factcheck.admin_readonly import ReadOnlyAdminMixin
from factcheck.admin_visibility import VisibilityAdminMixin, viewer_of
from sources.admin import capture_now_message, captures_table
from sources.choices import Health
from sources.models import Capture
from sources.services import sources_capture_now

from . import dashboard, services
from .admin_assign import AssignedFilter, ClaimAssignAdminMixin, DueFilter
from .admin_import import ArticleImportAdminMixin, ClaimImportAdminMixin
from .admin_review import ClaimReviewAdminMixin
from .admin_visibility import ClaimHistoryVisibilityMixin
from .choices import ClaimStatus, Verdict
from .forms import (
    AppearanceInlineForm,
    AppearanceInlineFormSet,
    ArticleAdminForm,
    ClaimAdminForm,
    EvidenceInlineForm,
    EvidenceInlineFormSet,
    SetVerdictForm,
    TagAdminForm,
)
from .models import Appearance, Article, Claim, Evidence, ExternalReview, Tag
from .selectors import visibility
from .selectors.articles import article_candidate_links, restrict_articles
from .selectors.attention import claims_needing_attention, with_needs_attention
from .selectors.corrections import claim_correction_log
from .selectors.history import claim_last_record_instance
from .selectors.reviews import disagreement_condition
from .timeline import claim_timeline


def label(kind: str, value: str, text: str):
    """A coloured label; its colours are the choice's own (claims/labels.py makes their stylesheet)."""
    return format_html('<span class="fc-label fc-{}-{}">{}</span>', kind, value, text)


# The longest selection offered as a new claim's quote: it travels in the add form's query string, which a proxy
# limits (nginx: 8 KB a line; a Chinese character is 9 bytes percent-encoded).
QUOTE_FROM_ARTICLE_MAX = 500


def clipped(text: str, *, lines: int = 1):
    """The whole text in a list cell, clipped by admin.css to `lines` lines with an ellipsis, in full on hover."""
    return format_html('<span class="fc-clip fc-clip-{}" title="{}">{}</span>', lines, text, text)


def _change_url(claim: Claim) -> str:
    return reverse("admin:claims_claim_change", args=[claim.pk])


class SourceHealthFilter(admin.SimpleListFilter):
    """Claims citing at least one source in the chosen health state."""

    title = _("source health")
    parameter_name = "source_health"

    def lookups(self, request, model_admin):
        return Health.choices

    def queryset(self, request, queryset):
        if self.value() not in Health.values:
            return queryset
        citing = Evidence.objects.filter(claim=OuterRef("pk"), source__health=self.value())
        return queryset.filter(Exists(citing))


class NeedsAttentionFilter(admin.SimpleListFilter):
    """Claims whose every cited source is dead with no archived copy."""

    title = _("needs attention")
    parameter_name = "needs_attention"

    def lookups(self, request, model_admin):
        return (("yes", _("Every source dead, no archive")),)

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return claims_needing_attention(queryset)
        return queryset


class RecheckDueFilter(admin.SimpleListFilter):
    """Claims whose recheck_after has come, read live (the needs_recheck flag is set by a daily job)."""

    title = _("recheck date")
    parameter_name = "recheck_due"

    def lookups(self, request, model_admin):
        return (("yes", _("Recheck date passed")),)

    def queryset(self, request, queryset):
        if self.value() == "yes":
            # The desk's today, as the dashboard's count and the daily flag have it, not the reviewer's.
            today = timezone.localdate(timezone=timezone.get_default_timezone())
            return queryset.filter(pk__in=dashboard.claims_recheck_due(today=today).values("pk"))
        return queryset


class DisagreementFilter(admin.SimpleListFilter):
    """Claims whose reviews, other desks' and ours, fall on different sides (claims.selectors.reviews)."""

    title = _("reviews disagree")
    parameter_name = "disagreement"

    def lookups(self, request, model_admin):
        return (("yes", _("Reviews on different sides")),)

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(disagreement_condition())
        return queryset


class ExternalReviewInline(admin.TabularInline):
    """Other fact-checkers' reviews of the claim, as imported: read-only (an import is their record)."""

    model = ExternalReview
    fields = ("publisher", "rating", "verdict_label", "reviewed_at", "language", "review_link", "split")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("other fact-checkers' reviews")

    def has_add_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # Inline instances are made per request: who is looking decides whether the split button is offered.
        self.viewer = request.user
        return super().get_readonly_fields(request, obj)

    @admin.display(description=_("Publisher"))
    def publisher(self, obj: ExternalReview):
        return obj.publisher_name or obj.publisher_url or "—"

    @admin.display(description=_("Rating as printed"))
    def rating(self, obj: ExternalReview):
        def number(value) -> str:
            return format(value.normalize(), "f")

        text = obj.rating_text or "—"
        if obj.rating_value is None:
            return text
        if obj.best_rating is not None and obj.worst_rating is not None:
            return gettext("%(text)s (%(value)s of %(worst)s–%(best)s)") % {
                "text": text,
                "value": number(obj.rating_value),
                "worst": number(obj.worst_rating),
                "best": number(obj.best_rating),
            }
        return gettext("%(text)s (%(value)s)") % {"text": text, "value": number(obj.rating_value)}

    @admin.display(description=_("On our scale"))
    def verdict_label(self, obj: ExternalReview):
        return label("verdict", obj.verdict, obj.get_verdict_display())

    @admin.display(description=_("Wrong link?"))
    def split(self, obj: ExternalReview):
        # A button of the change form posting to its own url (claims.admin_import's split view): a wrong automatic
        # link is undone in one click, the review and its appearances becoming their own claim.
        viewer = getattr(self, "viewer", None)
        if obj.pk is None or viewer is None or not viewer.has_perm("claims.change_claim"):
            return "—"
        url = reverse("admin:claims_claim_review_split", args=[obj.claim_id, obj.pk])
        return format_html(
            '<button type="submit" formaction="{}" formnovalidate>{}</button>', url, gettext("Split into its own claim")
        )

    @admin.display(description=pgettext_lazy("another desk's review", "Review"))
    def review_link(self, obj: ExternalReview):
        return format_html('<a href="{0}" target="_blank" rel="noopener noreferrer">{0}</a>', obj.url)


class EvidenceInline(admin.TabularInline):
    model = Evidence
    form = EvidenceInlineForm
    formset = EvidenceInlineFormSet
    fields = ("url", "stance", "excerpt", "excerpt_status", "source_health", "source_captures", "note")
    readonly_fields = ("excerpt_status", "source_health", "source_captures")
    extra = 1
    # The newest captures of each cited source; all of them are on the source's page.
    CAPTURES_SHOWN = 3

    def get_queryset(self, request):
        # One query for every row's captures (a sliced prefetch: a window function, not a query per source).
        newest = Prefetch(
            "source__captures",
            queryset=Capture.objects.order_by("-fetched_at", "-id")[: self.CAPTURES_SHOWN],
            to_attr="newest_captures",
        )
        return super().get_queryset(request).select_related("source").prefetch_related(newest)

    # Shown in place of the url field when the page is read-only (researchers).
    @admin.display(description=_("Source url"))
    def url(self, obj: Evidence):
        if obj.pk is None:
            return "—"
        return format_html('<a href="{0}" target="_blank" rel="noopener noreferrer">{0}</a>', obj.source.url)

    @admin.display(description=_("Link health"))
    def source_health(self, obj: Evidence):
        if obj.pk is None:
            return "—"
        return label("health", obj.source.health, obj.source.get_health_display())

    @admin.display(description=_("Captures"))
    def source_captures(self, obj: Evidence):
        if obj.pk is None:
            return "—"
        captures = getattr(obj.source, "newest_captures", None)
        if captures is None:  # a page that did not read through get_queryset
            captures = list(obj.source.captures.all()[: self.CAPTURES_SHOWN])
        return captures_table(captures, source_id=obj.source_id)


class AppearanceInline(admin.TabularInline):
    model = Appearance
    form = AppearanceInlineForm
    formset = AppearanceInlineFormSet
    autocomplete_fields = ("article",)
    extra = 0
    verbose_name_plural = _("further appearances")


@admin.register(Claim)
class ClaimAdmin(
    VisibilityAdminMixin,
    ClaimHistoryVisibilityMixin,
    ClaimAssignAdminMixin,
    ClaimReviewAdminMixin,
    ClaimImportAdminMixin,
    SimpleHistoryAdmin,
):
    visibility_rule = staticmethod(visibility.restrict)  # researchers see published and retracted claims only
    # Explicit: the counts annotated in get_queryset make Django drop Meta.ordering (GROUP BY).
    ordering = ("-id",)
    form = ClaimAdminForm
    list_display = (
        "claim",
        "verdict_label",
        "status_label",
        "article_title",
        "claimant_clipped",
        "reviewer",
        "dead_sources_warning",
        "assigned",
        "updated_at",
    )
    list_select_related = ("article", "reviewer", "assignee")
    list_filter = (
        AssignedFilter,
        DueFilter,
        "verdict",
        "status",
        "language",
        ("reviewer", admin.RelatedOnlyFieldListFilter),
        SourceHealthFilter,
        NeedsAttentionFilter,
        "needs_recheck",
        RecheckDueFilter,
        DisagreementFilter,
    )
    search_fields = ("quote", "text", "claimant", "article__title")
    date_hierarchy = "created_at"
    autocomplete_fields = ("article", "tags")
    inlines = (EvidenceInline, AppearanceInline, ExternalReviewInline)
    readonly_fields = ("reviewer", "reviewed_at", "published_at", "needs_recheck", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("text", "quote", ("language", "claimant"), "claimed_at", "article", "tags")}),
        (
            _("Figure"),
            {
                "fields": (("value", "unit"),),
                "classes": ("collapse",),
                "description": _("The figure the claim states, if it states one: 10 s, 1080 p, 150000000000 USD."),
            },
        ),
        (
            pgettext_lazy("admin", "Verdict"),
            {
                "fields": (
                    "verdict",
                    "explanation",
                    "review_language",
                    "status",
                    "correction_note",
                    "minor_edit",
                    "recheck_after",
                    "original_rating",
                    "version",
                ),
                "description": _(
                    "Publishing needs a verdict other than “Unrated”, an explanation and at least one piece of "
                    "evidence. Once published, a new verdict, a retraction or a new explanation is a public "
                    "correction: write its note (a small explanation edit may be marked minor instead)."
                ),
            },
        ),
        (
            _("Review"),
            {"fields": (("reviewer", "reviewed_at"), ("published_at", "needs_recheck"), ("created_at", "updated_at"))},
        ),
    )
    actions = ("move_to_review", "approve", "publish", "set_verdict", "assign")
    object_history_template = "admin/claims/claim/object_history.html"

    class Media:
        css = {"all": ("claims/history.css",)}

    def get_queryset(self, request):
        # One aggregate over the page's rows instead of one query per row for the dead-sources column. A claim cites
        # each source once (evidence_one_per_source), so its pieces of evidence citing a dead source count the dead
        # sources it cites.
        dead_sources = Count("evidence", filter=Q(evidence__source__health=Health.DEAD))
        return with_needs_attention(super().get_queryset(request).annotate(dead_sources=dead_sources))

    # --- list columns --------------------------------------------------------------------------------------

    # Long texts are clipped to the column (admin.css) with the whole text on hover, so every column fits at 1280 px
    # and a row is at most two lines high.
    @admin.display(description=_("claim"), ordering="text")
    def claim(self, obj: Claim):
        return clipped(obj.text, lines=2)

    @admin.display(description=_("verdict"), ordering="verdict")
    def verdict_label(self, obj: Claim):
        return label("verdict", obj.verdict, obj.get_verdict_display())

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj: Claim):
        return label("status", obj.status, obj.get_status_display())

    @admin.display(description=_("article"), ordering="article__title")
    def article_title(self, obj: Claim):
        return clipped(str(obj.article)) if obj.article_id else "—"

    @admin.display(description=_("claimant"), ordering="claimant")
    def claimant_clipped(self, obj: Claim):
        return clipped(obj.claimant, lines=2) if obj.claimant else "—"

    @admin.display(description=_("dead sources"), ordering="dead_sources")
    def dead_sources_warning(self, obj: Claim):
        """How many of the cited sources are dead, archived or not; a warning when that is every source and none
        has an archived copy (the "needs attention" filter's claims)."""
        n = getattr(obj, "dead_sources", 0)
        if not n:
            return "—"
        dead = ngettext("%(count)d dead", "%(count)d dead", n) % {"count": n}
        if getattr(obj, "needs_attention", False):
            title = gettext("Every cited source is dead, with no archived copy: needs attention")
            return format_html('<span class="fc-warning" title="{}">⚠ {}</span>', title, dead)
        return format_html('<span title="{}">{}</span>', gettext("Cited sources whose link is dead"), dead)

    # --- the public log ------------------------------------------------------------------------------------

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "public_log") if obj is not None else fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None:
            return fieldsets
        description = gettext("What readers see of this claim's changes: written on saving, from public states only.")
        log = gettext("Public correction log")
        return [*fieldsets, (log, {"fields": ("public_log",), "description": description})]

    @admin.display(description=_("Entries"))
    def public_log(self, obj: Claim):
        entries = claim_correction_log(claim_id=obj.pk, user=viewer_of(obj))
        if not entries:
            return gettext("Nothing yet: the log starts when the claim is first published.")
        rows = format_html_join(
            "",
            "<li><strong>{}</strong> {}: {}{} {}</li>",
            (
                (
                    entry.kind_label,
                    date_format(timezone.localtime(entry.created_at), "DATETIME_FORMAT"),
                    f"{entry.verdict_before_label} → " if entry.verdict_changed else "",
                    entry.verdict_after_label,
                    f"— {entry.note}" if entry.note else "",
                )
                for entry in entries
            ),
        )
        return format_html("<ol>{}</ol>", rows)

    # --- the article's links, offered for evidence ---------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The article as the form has it: the claim's, the one a new claim was started from (?article=), or the
        # one just chosen in a form sent back with errors.
        form = context["adminform"].form
        article_id = form["article"].value() if "article" in form.fields else getattr(obj, "article_id", None)
        context["candidate_links"] = article_candidate_links(
            article_id=article_id, claim_id=getattr(obj, "pk", None), user=request.user
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- saving --------------------------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        pass  # saved in save_related, with the rows the form changes along with it

    def save_related(self, request, form, formsets, change):
        # The claim, its tags and its evidence rows are one change: claim_save writes the tags and rows before the
        # public log entry, so the entry's event carries the claim as its page shows it (its new sources too).
        # The evidence formset is validated after this form and counted the rows saved along with the claim.
        save_rows = partial(super().save_related, request, form, formsets, change)
        services.claim_save(
            claim=form.instance,
            user=request.user,
            before=form.claim_before,
            evidence_count=getattr(form.instance, "_evidence_count", None),
            correction_note=form.cleaned_data.get("correction_note", ""),
            minor_edit=form.cleaned_data.get("minor_edit", False),
            save_related=lambda claim: save_rows(),
        )

    def save_formset(self, request, form, formset, change):
        if isinstance(formset, EvidenceInlineFormSet):
            formset.user = request.user
        formset.save()

    # --- history -------------------------------------------------------------------------------------------

    def revert_disabled(self, request, obj=None):
        # A revert would save an old version of the claim past the version check and the evidence inline.
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied(
                gettext("Reverting a claim from its history is not supported; edit the claim instead.")
            )
        return super().history_form_view(request, object_id, version_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        """The claim's timeline (claims.timeline), in place of simple-history's table of records and their diffs."""
        request.current_app = self.admin_site.name
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            # A deleted claim's history is read from its last record, as simple-history does, if the user may see it.
            obj = claim_last_record_instance(claim_id=unquote(object_id), user=request.user)
            if obj is None:
                raise Http404
        if not self.has_view_history_or_change_history_permission(request, obj):
            raise PermissionDenied
        paginator = Paginator(claim_timeline(claim_id=obj.pk, user=request.user), self.history_list_per_page)
        page_obj = paginator.get_page(request.GET.get(PAGE_VAR))
        context = {
            **self.admin_site.each_context(request),
            "title": self.history_view_title(request, obj),
            "page_obj": page_obj,
            "page_range": paginator.get_elided_page_range(page_obj.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.count > self.history_list_per_page,
            "module_name": capfirst(self.opts.verbose_name_plural),
            "object": obj,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "media": self.media,
            **(extra_context or {}),
        }
        return self.render_history_view(request, self.object_history_template, context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user  # a refused stale save says what others changed, read as this user may
        return form

    # --- bulk actions --------------------------------------------------------------------------------------

    def _report(self, request, result: services.BulkResult, *, done, refused, **params) -> None:
        """``done`` and ``refused`` are ngettext_lazy(..., "count") messages, filled with the count and ``params``."""
        if result.changed:
            count = len(result.changed)
            self.message_user(request, done % {"count": count, **params}, messages.SUCCESS)
        if result.refused:
            # One error, each reason once with the claims it stops. No <li> inside it: the admin's stylesheet draws
            # every li of its message list as a message of its own, a green box with a tick.
            by_reason: dict[str, list[Claim]] = {}
            for claim, reason in result.refused:
                by_reason.setdefault(reason, []).append(claim)
            groups = format_html_join(
                "",
                '<div class="fc-refusal">{}: {}</div>',
                (
                    (
                        format_html_join(
                            ", ",
                            '<a href="{}">#{} {}</a>',
                            ((_change_url(c), c.pk, Truncator(c.text).chars(60)) for c in claims),
                        ),
                        reason,
                    )
                    for reason, claims in by_reason.items()
                ),
            )
            count = len(result.refused)
            self.message_user(
                request,
                format_html("{}:{}", refused % {"count": count, **params}, groups),
                messages.ERROR,
            )

    @admin.action(description=_("Move selected claims to review"), permissions=["change"])
    def move_to_review(self, request, queryset):
        result = services.claims_move_to_review(claims=queryset, user=request.user)
        self._report(
            request,
            result,
            done=ngettext_lazy("Moved to review: %(count)d claim.", "Moved to review: %(count)d claims.", "count"),
            refused=ngettext_lazy(
                "%(count)d claim not moved to review", "%(count)d claims not moved to review", "count"
            ),
        )

    @admin.action(description=_("Publish selected claims"), permissions=["change"])
    def publish(self, request, queryset):
        result = services.claims_publish(claims=queryset, user=request.user)
        self._report(
            request,
            result,
            done=ngettext_lazy("Published %(count)d claim.", "Published %(count)d claims.", "count"),
            refused=ngettext_lazy("%(count)d claim not published", "%(count)d claims not published", "count"),
        )

    @admin.action(description=_("Set verdict of selected claims…"), permissions=["change"])
    def set_verdict(self, request, queryset):
        form = SetVerdictForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            verdict = form.cleaned_data["verdict"]
            note = form.cleaned_data["correction_note"]
            result = services.claims_set_verdict(
                claims=queryset, verdict=verdict, user=request.user, correction_note=note
            )
            self._report(
                request,
                result,
                done=ngettext_lazy(
                    "Set the verdict “%(verdict)s” on %(count)d claim.",
                    "Set the verdict “%(verdict)s” on %(count)d claims.",
                    "count",
                ),
                refused=ngettext_lazy("%(count)d claim left unchanged", "%(count)d claims left unchanged", "count"),
                verdict=Verdict(verdict).label,
            )
            return None  # back to the list
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Set the verdict of the selected claims"),
            "opts": self.opts,
            "queryset": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "published": ClaimStatus.PUBLISHED,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/claims/claim/set_verdict.html", context)


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdminMixin, VisibilityAdminMixin, admin.ModelAdmin):
    """All evidence in one list, to find what needs a look (the dashboard links here for missing excerpts).

    Read-only: evidence is edited on its claim's page, where the claim's version check and history apply.
    """

    visibility_rule = staticmethod(visibility.restrict_evidence)

    ordering = ("-id",)
    list_display = (
        "id",
        "claim_link",
        "source_link",
        "stance",
        "excerpt_short",
        "excerpt_status",
        "excerpt_checked_at",
    )
    list_display_links = None
    list_filter = ("excerpt_status", "stance", ("source__health", admin.ChoicesFieldListFilter))
    list_select_related = ("claim", "source")
    search_fields = ("excerpt", "note", "source__url")
    show_full_result_count = False

    actions = ["capture_now"]

    def has_capture_permission(self, request) -> bool:
        # Evidence is read-only here; who may check a source now may capture it now.
        return request.user.has_perm("sources.change_source")

    @admin.action(description=_("Capture now"), permissions=["capture"])
    def capture_now(self, request, queryset):
        done = sources_capture_now(evidence=queryset.values_list("id", "source_id"))
        capture_now_message(self, request, done)

    @admin.display(description=_("claim"), ordering="claim_id")
    def claim_link(self, obj: Evidence):
        return format_html(
            '<a href="{}">#{} {}</a>', _change_url(obj.claim), obj.claim_id, Truncator(obj.claim.text).chars(70)
        )

    @admin.display(description=_("source"), ordering="source__url")
    def source_link(self, obj: Evidence):
        url = reverse("admin:sources_source_change", args=[obj.source_id])
        return format_html(
            '<a href="{}">{}</a> {}',
            url,
            Truncator(obj.source.url).chars(60),
            label("health", obj.source.health, obj.source.get_health_display()),
        )

    @admin.display(description=_("excerpt"))
    def excerpt_short(self, obj: Evidence) -> str:
        return Truncator(obj.excerpt).chars(80) or "—"


class ArticleClaimInline(ReadOnlyAdminMixin, VisibilityAdminMixin, admin.TabularInline):
    """The article's claims, read-only: they are edited on their own pages."""

    model = Claim
    visibility_rule = staticmethod(visibility.restrict)
    fields = ("text", "claimant", "verdict_label", "status_label")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    @admin.display(description=_("verdict"))
    def verdict_label(self, obj: Claim):
        return label("verdict", obj.verdict, obj.get_verdict_display())

    @admin.display(description=_("status"))
    def status_label(self, obj: Claim):
        return label("status", obj.status, obj.get_status_display())


@admin.register(Article)
class ArticleAdmin(VisibilityAdminMixin, ArticleImportAdminMixin, admin.ModelAdmin):
    visibility_rule = staticmethod(restrict_articles)  # as the API: articles with a claim the user may see
    # Explicit: the counts annotated in get_queryset make Django drop Meta.ordering (GROUP BY).
    ordering = ("-published_at", "-id")
    form = ArticleAdminForm
    list_display = ("__str__", "outlet", "published_at", "language", "claims_link")
    list_filter = ("outlet", "language")
    search_fields = ("title", "url", "outlet")
    date_hierarchy = "published_at"
    inlines = (ArticleClaimInline,)
    readonly_fields = ("created_at", "updated_at", "body_text", "links_in_text")

    def get_queryset(self, request):
        visible = visibility.visible_claims_condition(user=request.user, through="claims")
        return super().get_queryset(request).annotate(claim_count=Count("claims", filter=visible))

    def get_fieldsets(self, request, obj=None):
        about = ("url", "title", ("outlet", "author"), ("published_at", "language"), "place", "cover_image_url")
        if obj is None:
            return [(None, {"fields": (*about, "body")})]
        # The body as text to read and select a sentence from; the field to edit it folded away below.
        text = _("Select a sentence of the text to make a claim of it: its quote, language and article are filled in.")
        return [
            (None, {"fields": about}),
            (_("The article’s text"), {"fields": ("body_text", "links_in_text"), "description": text}),
            (_("Edit the text"), {"fields": ("body",), "classes": ("collapse",)}),
            (None, {"fields": (("created_at", "updated_at"),)}),
        ]

    @admin.display(description=_("Text"))
    def body_text(self, obj: Article):
        """The body as paragraphs, and "New claim from this article" (claims/static/claims/admin.js turns a selected
        sentence into "New claim from this sentence", with the sentence as the new claim's quote)."""
        text = format_html(
            '<div class="fc-article-text" lang="{}">{}</div>',
            obj.language,
            mark_safe(linebreaks(obj.body, autoescape=True)),
        )
        viewer = viewer_of(obj)
        if viewer is None or not viewer.has_perm("claims.add_claim"):
            return text
        # Django's add form takes initial values from the query string (the article by its id).
        url = reverse("admin:claims_claim_add") + "?" + urlencode({"article": obj.pk, "language": obj.language})
        return format_html(
            '<div class="fc-new-claim" data-url="{}" data-label="{}" data-too-long="{}" data-max="{}">'
            '<a class="button" href="{}">{}</a></div>{}',
            url,
            gettext("New claim from this sentence"),
            gettext("Select at most %(n)s characters to quote") % {"n": QUOTE_FROM_ARTICLE_MAX},
            QUOTE_FROM_ARTICLE_MAX,
            url,
            gettext("New claim from this article"),
            text,
        )

    @admin.display(description=_("Links in the text"))
    def links_in_text(self, obj: Article):
        links = obj.candidate_links or []
        if not links:
            return gettext("None found at import.")
        rows = format_html_join(
            "",
            '<li><a href="{0}" target="_blank" rel="noopener noreferrer">{1}</a> <small>{0}</small></li>',
            ((link.get("url", ""), link.get("text") or link.get("url", "")) for link in links),
        )
        return format_html('<ul class="fc-links">{}</ul>', rows)

    @admin.display(description=_("claims"), ordering="claim_count")
    def claims_link(self, obj: Article):
        if not obj.claim_count:
            return "0"
        url = reverse("admin:claims_claim_changelist") + f"?article__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.claim_count)


@admin.register(Tag)
class TagAdmin(VisibilityAdminMixin, admin.ModelAdmin):
    visibility_rule = staticmethod(visibility.restrict_tags)
    # Explicit: the counts annotated in get_queryset make Django drop Meta.ordering (GROUP BY).
    ordering = ("name",)
    form = TagAdminForm
    list_display = ("name", "claim_count")
    search_fields = ("name",)

    def get_queryset(self, request):
        visible = visibility.visible_claims_condition(user=request.user, through="claims")
        return super().get_queryset(request).annotate(claim_count=Count("claims", filter=visible))

    @admin.display(description=_("claims"), ordering="claim_count")
    def claim_count(self, obj: Tag) -> int:
        return obj.claim_count
