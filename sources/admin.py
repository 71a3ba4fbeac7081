"""The reviewer admin for sources and their link checks. Link health is written by the link checker only."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from claims import seam
from factcheck import charts
from factcheck.admin_readonly import ReadOnlyAdminMixin
from factcheck.admin_visibility import VisibilityAdminMixin, viewer_of

from . import selectors
from .capture_read import CAPTURED_HTML_CSP, captured_html, text_diff, text_marked
from .choices import OUTCOME_GROUPS, CaptureStatus, Outcome, check_error_shown, check_reason, outcome_group
from .models import LINK_HEALTH_FIELDS, Capture, LinkCheck, Source
from .urlnorm import normalize_url

# Shared with the claims admin, which owns the label styles.
RECENT_CHECKS = 20
TIMELINE_CHECKS = 60
CITING_CLAIMS = 50
CHECK_NOW_INLINE = 20  # more than this are checked by the worker


class TurnedDeadFilter(admin.SimpleListFilter):
    """Sources dead now that were not dead a week ago (sources.selectors.sources_turned_dead, as the dashboard)."""

    title = _("turned dead")
    parameter_name = "turned_dead"
    DAYS = selectors.TURNED_DEAD_DAYS

    def lookups(self, request, model_admin):
        days = ngettext("In the last day", "In the last %(days)d days", self.DAYS) % {"days": self.DAYS}
        return ((f"{self.DAYS}d", days),)

    def queryset(self, request, queryset):
        if self.value() != f"{self.DAYS}d":
            return queryset
        since = timezone.now() - timedelta(days=self.DAYS)
        return queryset.filter(pk__in=selectors.sources_turned_dead(since=since).values("pk"))


class DomainFilter(admin.SimpleListFilter):
    """One domain's sources (the dashboard's dead-domain bars link here). Offered only once chosen: a choice per
    domain would be thousands."""

    title = _("domain")
    parameter_name = "domain"

    def lookups(self, request, model_admin):
        value = self.value()
        return ((value, value),) if value else ()

    def queryset(self, request, queryset):
        return queryset.filter(domain=self.value()) if self.value() else queryset


def health_label(source: Source):
    return format_html('<span class="fc-label fc-health-{}">{}</span>', source.health, source.get_health_display())


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else "—"


class SourceAdminForm(forms.ModelForm):
    class Meta:
        model = Source
        fields = ("url", "title", "publisher", "archive_url", "archived_at")

    def __init__(self, *args, **kwargs):
        from claims.seam import harden_form  # the project's text rules; they live with the claims' forms

        super().__init__(*args, **kwargs)
        harden_form(self)  # control characters refused, saying which and where, as in the claims' forms

    def clean_url(self) -> str:
        # Canonical before the uniqueness check, so a second spelling of a known page is a form error.
        return normalize_url(self.cleaned_data["url"])


@admin.register(Source)
class SourceAdmin(VisibilityAdminMixin, admin.ModelAdmin):
    visibility_rule = staticmethod(seam.restrict_sources)  # as the API: sources a claim the user may see cites
    # Explicit: the counts annotated in get_queryset make Django drop Meta.ordering (GROUP BY).
    ordering = ("-id",)
    form = SourceAdminForm
    list_display = (
        "__str__",
        "domain",
        "health_column",
        "last_checked_at",
        "last_status",
        "last_outcome",
        "claim_count",
        "moved_or_archived",
    )
    actions = ["check_now", "capture_now"]
    list_filter = ("health", "last_outcome", TurnedDeadFilter, DomainFilter)
    search_fields = ("url", "title", "domain")
    readonly_fields = (
        "domain",
        *LINK_HEALTH_FIELDS,
        "check_timeline",
        "recent_checks",
        "citing_claims",
        "captures",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("url", "title", "publisher", "domain")}),
        (
            _("Link health"),
            {
                "fields": (
                    ("health", "last_checked_at"),
                    ("last_outcome", "last_status"),
                    "final_url",
                    ("consecutive_failures", "first_failure_at"),
                    "next_check_at",
                ),
                "description": _("Kept up to date by the link checker."),
            },
        ),
        (_("Archive"), {"fields": ("archive_url", "archived_at")}),
        (_("Recent checks"), {"fields": ("check_timeline", "recent_checks")}),
        (_("Cited by"), {"fields": ("citing_claims",)}),
        (_("Captures"), {"fields": ("captures",)}),
        (None, {"fields": (("created_at", "updated_at"),)}),
    )

    def get_queryset(self, request):
        # Evidence is one row per (claim, source), so counting it counts the citing claims (those the user may see).
        visible = seam.visible_claims_condition(user=request.user, through="evidence__claim")
        return super().get_queryset(request).annotate(claim_count=Count("evidence", filter=visible))

    @admin.display(description=_("health"), ordering="health")
    def health_column(self, obj: Source):
        return health_label(obj)

    @admin.display(description=_("claims"), ordering="claim_count")
    def claim_count(self, obj: Source) -> int:
        return obj.claim_count

    @admin.display(description=_("moved to / archived copy"))
    def moved_or_archived(self, obj: Source):
        # What a reviewer can put in place of the link: where a permanent redirect led, or the snapshot.
        links = [(gettext("moved to"), obj.final_url)] if obj.final_url else []
        links += [(gettext("archived copy"), obj.archive_url)] if obj.archive_url else []
        if not links:
            return "—"
        return format_html_join(" · ", '<a href="{1}" rel="noopener noreferrer">{0}</a>', links)

    @admin.action(description=_("Check now"), permissions=["change"])
    def check_now(self, request, queryset):
        # A few sources are checked while the reviewer waits; more go to the worker as one batch.
        from .services import new_run_key, sources_check
        from .tasks import check_sources_batch

        ids = list(queryset.values_list("id", flat=True))
        run_key = new_run_key("admin")
        if len(ids) > CHECK_NOW_INLINE:
            from factcheck.failsafe import enqueue

            if enqueue(check_sources_batch, ids, run_key):
                message = ngettext(
                    "%(count)d source queued for checking (run %(run)s).",
                    "%(count)d sources queued for checking (run %(run)s).",
                    len(ids),
                )
                self.message_user(request, message % {"count": len(ids), "run": run_key})
                return
            # The broker is away: make them due instead, and the beat job checks them once it is back.
            Source.objects.filter(id__in=ids).update(next_check_at=timezone.now())
            message = ngettext(
                "The task queue is unavailable; %(count)d source is marked due and will be checked by the scheduled "
                "job when it is back.",
                "The task queue is unavailable; %(count)d sources are marked due and will be checked by the "
                "scheduled job when it is back.",
                len(ids),
            )
            self.message_user(request, message % {"count": len(ids)}, messages.WARNING)
            return
        report = sources_check(source_ids=ids, run_key=run_key)
        summary = outcomes_summary(report.outcomes.most_common())
        message = ngettext(
            "Checked %(count)d source: %(summary)s.", "Checked %(count)d sources: %(summary)s.", len(report.recorded)
        )
        self.message_user(request, message % {"count": len(report.recorded), "summary": summary})
        drift = excerpt_drift_message(report.excerpts_went_missing, request.user)
        if drift:
            self.message_user(request, drift, messages.WARNING)

    @admin.action(description=_("Capture now"), permissions=["change"])
    def capture_now(self, request, queryset):
        from .services import sources_capture_now

        done = sources_capture_now(source_ids=queryset.values_list("id", flat=True))
        capture_now_message(self, request, done)

    def _checks(self, obj: Source) -> list[LinkCheck]:
        # The timeline and the table read the same newest checks: one query for both.
        if not hasattr(obj, "_newest_checks"):
            obj._newest_checks = selectors.source_recent_checks(source_id=obj.pk, limit=TIMELINE_CHECKS)
        return obj._newest_checks

    @admin.display(description=_("Timeline"))
    def check_timeline(self, obj: Source):
        if obj.pk is None:
            return "—"
        checks = self._checks(obj)[::-1]  # oldest first, left to right
        if not checks:
            return gettext("Not checked yet: the timeline starts with the first check.")
        marks = []
        for c in checks:
            what = c.get_outcome_display()
            if c.http_status:
                what = gettext("%(outcome)s (HTTP %(status)s)") % {"outcome": what, "status": c.http_status}
            reason = check_reason(outcome=c.outcome, failure=c.failure, error=c.error)
            if reason:
                what = gettext("%(outcome)s: %(reason)s") % {"outcome": what, "reason": reason}
            marks.append(
                charts.Bar(
                    label=date_format(timezone.localtime(c.checked_at), "SHORT_DATE_FORMAT"),
                    value=c.elapsed_ms,
                    colour=outcome_group(c.outcome).colour,
                    tooltip=gettext("%(when)s: %(what)s, %(ms)s ms")
                    % {"when": _when(c.checked_at), "what": what, "ms": c.elapsed_ms},
                )
            )
        used = {outcome_group(c.outcome).key for c in checks}
        legend = [(str(g.label), g.colour) for g in OUTCOME_GROUPS if g.key in used]
        title = ngettext(
            "The last check of this source: time taken and outcome",
            "The last %(count)d checks of this source: time taken and outcome",
            len(checks),
        ) % {"count": len(checks)}
        return charts.timeline(
            key="source-checks",
            title=title,
            marks=marks,
            legend=legend,
        )

    @admin.display(description=_("Newest checks"))
    def recent_checks(self, obj: Source):
        if obj.pk is None:
            return "—"
        checks = self._checks(obj)[:RECENT_CHECKS]
        if not checks:
            return gettext("Not checked yet.")
        viewer = viewer_of(obj)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    _when(c.checked_at),
                    c.get_outcome_display(),
                    c.http_status or "—",
                    gettext("%(ms)s ms") % {"ms": c.elapsed_ms},
                    c.final_url,
                    reason_shown(c, viewer),
                )
                for c in checks
            ),
        )
        all_url = reverse("admin:sources_linkcheck_changelist") + f"?source__id__exact={obj.pk}"
        return format_html(
            '<table class="fc-checks"><thead><tr><th>{}</th><th>{}</th><th>HTTP</th><th>{}</th>'
            "<th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>"
            '<p><a href="{}">{}</a></p>',
            gettext("Checked"),
            gettext("Outcome"),
            pgettext("time a link check took", "Time"),
            gettext("Final url"),
            gettext("Reason"),
            rows,
            all_url,
            gettext("All checks of this source"),
        )

    @admin.display(description=_("Captures"))
    def captures(self, obj: Source):
        if obj.pk is None:
            return "—"
        return captures_table(list(obj.captures.all()[:RECENT_CAPTURES]), source_id=obj.pk)

    @admin.display(description=_("Claims citing it"))
    def citing_claims(self, obj: Source):
        if obj.pk is None:
            return "—"
        citing = seam.restrict_evidence(obj.evidence.select_related("claim"), user=viewer_of(obj))
        evidence = list(citing.order_by("-claim_id")[:CITING_CLAIMS])
        if not evidence:
            return gettext("No claim cites this source.")
        items = format_html_join(
            "",
            '<li><a href="{}">#{} {}</a> ({})</li>',
            (
                (
                    reverse("admin:claims_claim_change", args=[e.claim_id]),
                    e.claim_id,
                    Truncator(e.claim.text).chars(80),
                    e.get_stance_display().lower(),
                )
                for e in evidence
            ),
        )
        return format_html("<ul>{}</ul>", items)


def capture_now_message(model_admin, request, done) -> None:
    """Tell the reviewer what "Capture now" did (sources.services.CaptureNow): each failure with its reason."""
    if done.not_queued:
        model_admin.message_user(request, done.not_queued_words(), messages.WARNING)
    if done.queued:
        model_admin.message_user(request, done.queued_words())
    ok = [c for c in done.taken if c.status == CaptureStatus.OK]
    if ok:
        message = ngettext("Captured %(count)d page.", "Captured %(count)d pages.", len(ok))
        model_admin.message_user(request, message % {"count": len(ok)})
    for capture in done.taken:
        if capture.status != CaptureStatus.OK:
            message = gettext("The capture of %(url)s failed: %(reason)s.") % {
                "url": Truncator(capture.url).chars(100),
                "reason": capture.get_failure_display(),
            }
            model_admin.message_user(request, message, messages.WARNING)


def excerpt_drift_message(evidence_ids: list[int], user) -> str:
    """The pieces of evidence whose excerpt a check no longer found on the page, each with its claim and source
    (empty when there are none the user may see)."""
    evidence = list(seam.evidence_of_ids(evidence_ids=evidence_ids, user=user))
    if not evidence:
        return ""
    header = ngettext(
        "Excerpt drift: the excerpt of %(count)d piece of evidence is no longer found on its page:",
        "Excerpt drift: the excerpts of %(count)d pieces of evidence are no longer found on their pages:",
        len(evidence),
    ) % {"count": len(evidence)}
    rows = format_html_join(
        "",
        # Blocks, not list items: the admin draws every li of its message list as a message of its own.
        '<div><a href="{}">#{} {}</a>: {}</div>',
        (
            (
                reverse("admin:claims_claim_change", args=[e.claim_id]),
                e.claim_id,
                Truncator(e.claim.text).chars(60),
                Truncator(e.source.url).chars(80),
            )
            for e in evidence
        ),
    )
    return format_html("{}{}", header, rows)


def error_shown(check: LinkCheck, user) -> str:
    """The check's error as this user may read it (sources.choices.check_error_shown): reviewers the checker's text,
    everyone else its reason in words."""
    detailed = user is not None and seam.user_sees_check_details(user)
    return check_error_shown(outcome=check.outcome, error=check.error, detailed=detailed, failure=check.failure)


def reason_shown(check: LinkCheck, user):
    """Why the check failed, in words; for reviewers the checker's own text follows, folded away, for diagnosis."""
    reason = check_reason(outcome=check.outcome, failure=check.failure, error=check.error)
    detail = error_shown(check, user)
    if not detail or detail == reason:
        return reason or "—"
    return format_html(
        '{} <details class="fc-error-detail"><summary>{}</summary><code>{}</code></details>',
        reason or "—",
        gettext("The checker's message"),
        Truncator(detail).chars(300),
    )


def outcomes_summary(outcomes) -> str:
    """Outcome counts in words from (outcome, count) pairs ("2 OK, 1 Connection error"); "nothing" if none."""
    parts = [
        gettext("%(count)d %(outcome)s") % {"count": count, "outcome": Outcome(o).label if o in Outcome.values else o}
        for o, count in outcomes
    ]
    return pgettext("list separator", ", ").join(parts) if parts else gettext("nothing")


@admin.register(LinkCheck)
class LinkCheckAdmin(ReadOnlyAdminMixin, VisibilityAdminMixin, admin.ModelAdmin):
    """Checks are a log written by the link checker: readable by everyone who may see sources, edited by nobody."""

    visibility_rule = staticmethod(seam.restrict_link_checks)  # the checks of sources the user may see

    list_display = ("checked_at", "source", "outcome", "reason", "http_status", "elapsed_ms", "final_url")
    list_filter = ("outcome", "failure")
    list_select_related = ("source",)
    search_fields = ("source__url", "final_url", "error")
    date_hierarchy = "checked_at"
    exclude = ("error", "failure")
    readonly_fields = ("reason", "error_text")

    def get_search_fields(self, request):
        # The checker's own text names internal addresses: only those who may read it may search it.
        if seam.user_sees_check_details(request.user):
            return self.search_fields
        return tuple(name for name in self.search_fields if name != "error")

    @admin.display(description=_("Reason"), ordering="failure")
    def reason(self, obj: LinkCheck):
        return check_reason(outcome=obj.outcome, failure=obj.failure, error=obj.error) or "—"

    @admin.display(description=_("The checker's message"))
    def error_text(self, obj: LinkCheck):
        return error_shown(obj, viewer_of(obj))


def _captures_visible(captures, *, user):
    """Captures of the sources this user may see (those a claim they may see cites)."""
    return captures.filter(source__in=seam.restrict_sources(Source.objects.all(), user=user))


# A source's newest captures listed on its page and on the evidence citing it; the rest are in the captures' list.
RECENT_CAPTURES = 20


def capture_status(capture: Capture) -> str:
    """ "OK", or "Failed: <the reason in words>": a failure is never shown without why."""
    if capture.status == CaptureStatus.OK:
        return capture.get_status_display()
    return gettext("%(status)s: %(reason)s") % {
        "status": capture.get_status_display(),
        "reason": capture.get_failure_display() if capture.failure else gettext("no reason recorded"),
    }


def captures_table(captures: list[Capture], *, source_id: int | None) -> str:
    """Each capture's time, why it was taken, its status (a failure with its reason), SHA-256 and size, linked to its
    page; and a link to all of a source's captures."""
    if not captures:
        return gettext("No capture taken yet.")
    rows = format_html_join(
        "",
        '<tr class="fc-capture-{}"><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td><code>{}</code></td>'
        "<td>{}</td></tr>",
        (
            (
                c.status,
                reverse("admin:sources_capture_change", args=[c.pk]),
                _when(c.fetched_at),
                c.get_reason_display(),
                capture_status(c),
                c.sha256 or "—",
                capture_size(c),
            )
            for c in captures
        ),
    )
    table = format_html(
        '<table class="fc-captures"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>SHA-256</th><th>{}</th></tr>'
        "</thead><tbody>{}</tbody></table>",
        gettext("Captured"),
        gettext("Why taken"),
        gettext("Status"),
        gettext("Size"),
        rows,
    )
    if source_id is None:
        return table
    all_url = reverse("admin:sources_capture_changelist") + f"?source__id__exact={source_id}"
    return format_html('{}<p><a href="{}">{}</a></p>', table, all_url, gettext("All captures of this source"))


def capture_size(capture: Capture) -> str:
    if capture.status != CaptureStatus.OK:
        return "—"
    if capture.duplicate_of_id:
        return gettext("same body as an earlier capture")
    return filesizeformat(capture.size)


@admin.register(Capture)
class CaptureAdmin(ReadOnlyAdminMixin, VisibilityAdminMixin, admin.ModelAdmin):
    """Captures are written by the capturer: listed here to find a failure and its reason, edited by nobody. A
    capture's page shows its text with the cited excerpts marked, the differences from the source's other captures,
    and, to reviewers, the WARC and the captured page in a sandboxed frame."""

    visibility_rule = staticmethod(_captures_visible)

    list_display = ("fetched_at", "source", "reason", "status_shown", "http_status", "sha256", "size")
    list_filter = ("status", "reason", "failure")
    list_select_related = ("source",)
    search_fields = ("source__url", "final_url", "sha256")
    date_hierarchy = "fetched_at"
    fields = (
        ("source", "fetched_at"),
        ("reason", "status_shown"),
        ("url", "final_url"),
        ("http_status", "content_type"),
        ("sha256", "size_shown"),
        "error_text",
        "files",
        "compare",
        "marked_text",
    )
    readonly_fields = tuple(name for row in fields for name in (row if isinstance(row, tuple) else (row,)))
    show_full_result_count = False

    def get_urls(self):
        views = [
            path("<int:capture_id>/warc/", self.admin_site.admin_view(self.warc_view), name="sources_capture_warc"),
            path("<int:capture_id>/page/", self.admin_site.admin_view(self.html_view), name="sources_capture_html"),
            path(
                "<int:capture_id>/diff/<int:other_id>/",
                self.admin_site.admin_view(self.diff_view),
                name="sources_capture_diff",
            ),
        ]
        return views + super().get_urls()

    def get_fields(self, request, obj=None):
        return self.fields

    @admin.display(description=_("status"), ordering="status")
    def status_shown(self, obj: Capture) -> str:
        return capture_status(obj)

    @admin.display(description=_("size"))
    def size_shown(self, obj: Capture) -> str:
        return capture_size(obj)

    @admin.display(description=_("The fetcher's message"))
    def error_text(self, obj: Capture):
        # As a check's: the fetcher's own text names hosts and addresses; others read the reason in words.
        viewer = viewer_of(obj)
        detailed = viewer is not None and seam.user_sees_check_details(viewer)
        return obj.error if detailed else (obj.get_failure_display() if obj.failure else "")

    @admin.display(description=_("Files"))
    def files(self, obj: Capture):
        if obj.status != CaptureStatus.OK:
            return gettext("A failed capture keeps no file.")
        viewer = viewer_of(obj)
        if not seam.user_sees_check_details(viewer):
            return gettext("The WARC file and the captured page are shown to reviewers.")
        warc = format_html(
            '<p><a href="{}" download>{}</a></p>',
            reverse("admin:sources_capture_warc", args=[obj.pk]),
            gettext("Download the WARC file"),
        )
        if "html" not in (obj.content_type or "").lower():
            return warc
        # No allow-scripts, no allow-same-origin: the captured page runs nothing and reaches nothing of ours; its own
        # response forbids every request (capture_read.CAPTURED_HTML_CSP).
        frame = format_html(
            '<p>{}</p><iframe class="fc-captured-page" sandbox src="{}" title="{}" referrerpolicy="no-referrer"'
            ' loading="lazy"></iframe>',
            gettext(
                "The captured page, as its HTML was received: without its scripts, images or styles from elsewhere, "
                "in a frame that can reach nothing."
            ),
            reverse("admin:sources_capture_html", args=[obj.pk]),
            gettext("The captured page"),
        )
        return format_html("{}{}", warc, frame)

    @admin.display(description=_("Compare"))
    def compare(self, obj: Capture):
        others = list(
            Capture.objects.filter(source_id=obj.source_id, status=CaptureStatus.OK)
            .exclude(pk=obj.pk)
            .order_by("-fetched_at", "-id")
            .only("id", "fetched_at", "reason", "sha256")[:RECENT_CAPTURES]
        )
        if obj.status != CaptureStatus.OK or not others:
            return gettext("No other capture of this source to compare with.")
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a> ({}){}</li>',
            (
                (
                    reverse("admin:sources_capture_diff", args=[obj.pk, other.pk]),
                    _when(other.fetched_at),
                    other.get_reason_display(),
                    gettext(": the same body") if other.sha256 == obj.sha256 else "",
                )
                for other in others
            ),
        )
        return format_html("<p>{}</p><ul>{}</ul>", gettext("The differences in text from:"), items)

    @admin.display(description=_("page text"))
    def marked_text(self, obj: Capture):
        if obj.status != CaptureStatus.OK:
            return "—"
        viewer = viewer_of(obj)
        citing = seam.restrict_evidence(obj.source.evidence.select_related("claim"), user=viewer).exclude(excerpt="")
        citing = list(citing.order_by("claim_id"))
        marked, found = text_marked(obj.text, [e.excerpt for e in citing])
        items = format_html_join(
            "",
            '<li class="{}">{} <a href="{}">#{}</a>: <q>{}</q></li>',
            (
                (
                    "fc-excerpt-found" if f.found else "fc-excerpt-missing",
                    gettext("Found in this capture") if f.found else gettext("Not found in this capture"),
                    reverse("admin:claims_claim_change", args=[e.claim_id]),
                    e.claim_id,
                    Truncator(e.excerpt).chars(200),
                )
                for e, f in zip(citing, found, strict=True)
            ),
        )
        none = format_html("<p>{}</p>", gettext("No excerpt cited."))
        excerpts = format_html("<ul>{}</ul>", items) if citing else none
        return format_html('{}<pre class="fc-capture-text">{}</pre>', excerpts, marked)

    def _capture_or_404(self, request, capture_id: int) -> Capture:
        # The visibility rule, as the change page: a capture the user may not see is "not found".
        capture = self.get_queryset(request).filter(pk=capture_id).select_related("source", "duplicate_of").first()
        if capture is None or not self.has_view_permission(request, capture):
            raise Http404
        return capture

    def _reviewer_capture(self, request, capture_id: int) -> Capture:
        capture = self._capture_or_404(request, capture_id)
        if not seam.user_sees_check_details(request.user):
            raise PermissionDenied
        if capture.status != CaptureStatus.OK or not capture.stored_warc:
            raise Http404
        return capture

    def warc_view(self, request, capture_id: int):
        """The WARC file as an attachment, streamed from storage (reviewers only)."""
        capture = self._reviewer_capture(request, capture_id)
        name = capture.stored_warc.name
        response = FileResponse(
            default_storage.open(name, "rb"),
            as_attachment=True,
            filename=f"capture-{capture.pk}-{capture.sha256[:12]}.warc.gz",
            content_type="application/warc",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @method_decorator(xframe_options_sameorigin)
    def html_view(self, request, capture_id: int):
        """The captured HTML, for the sandboxed frame of the capture's page (reviewers only): someone else's page,
        maybe hostile, so it may run nothing and request nothing (CAPTURED_HTML_CSP)."""
        capture = self._reviewer_capture(request, capture_id)
        html = captured_html(capture)
        if html is None:
            raise Http404
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
        response["Content-Security-Policy"] = CAPTURED_HTML_CSP
        response["X-Content-Type-Options"] = "nosniff"
        response["Referrer-Policy"] = "no-referrer"
        response["Cache-Control"] = "private, no-store"
        return response

    def diff_view(self, request, capture_id: int, other_id: int):
        """The differences between two captures' texts of one source, the older first."""
        first, second = self._capture_or_404(request, capture_id), self._capture_or_404(request, other_id)
        if first.source_id != second.source_id:
            raise Http404
        older, newer = sorted((first, second), key=lambda c: (c.fetched_at, c.pk))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Differences between two captures"),
            "opts": self.model._meta,
            "source": older.source,
            "older": older,
            "newer": newer,
            "older_when": _when(older.fetched_at),
            "newer_when": _when(newer.fetched_at),
            "lines": text_diff(older.text, newer.text),
        }
        return TemplateResponse(request, "admin/sources/capture/diff.html", context)
