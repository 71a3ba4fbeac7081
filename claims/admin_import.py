"""Admin pages for getting claims in: "Add article from url" (or file), ClaimReview upload, and the
"similar claims" panel on the claim page. Mixed into the ArticleAdmin and ClaimAdmin of claims/admin.py.

The views are thin: parsers in claims.importers, writes in claims.importers.services.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from factcheck.admin_visibility import viewer_of
from factcheck.sentences import join_sentences

from .importers.article import article_data_from_bytes, article_data_from_url
from .importers.base import CandidateLink, describe
from .importers.runner import claimreviews_import, fetch_claimreview_text
from .importers.services import (
    SourcesAdded,
    article_import,
    external_review_split,
    link_suggestion_dismiss,
    link_suggestion_merge,
    sources_add,
)
from .models import ExternalReview, LinkSuggestion
from .selectors.visibility import claims_visible
from .similarity import claim_similar_list

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ArticleImportForm(forms.Form):
    url = forms.URLField(
        label=_("Article url"),
        required=False,
        assume_scheme="https",
        help_text=_(
            "Fetched through the link checker's safe fetcher; title, author, outlet, date, language and main text "
            "are extracted."
        ),
    )
    file = forms.FileField(
        label=_("…or a file"),
        required=False,
        help_text=_(
            "The Markdown export form (文章作者 / 发布时间 / 发布地 / 原文链接 lines), plain Markdown or HTML."
        ),
    )
    file_url = forms.URLField(
        label=_("Url of the file's article"),
        required=False,
        assume_scheme="https",
        help_text=_("Only for a file that does not name its own url."),
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("url")) == bool(data.get("file")):
            raise ValidationError(gettext("Give either a url or a file."))
        if data.get("file") and data["file"].size > MAX_UPLOAD_BYTES:
            raise ValidationError(too_large(gettext("The file")))
        return data


def too_large(what: str) -> str:
    return gettext("%(what)s is larger than %(mb)d MB.") % {"what": what, "mb": MAX_UPLOAD_BYTES // (1024 * 1024)}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return super().clean(data, initial)


class ClaimReviewImportForm(forms.Form):
    files = MultipleFileField(
        label=_("ClaimReview files"),
        required=False,
        help_text=_(
            "JSON-LD ClaimReview (one or a list), a DataFeed, HTML pages with ld+json blocks, or saved Fact Check API "
            "responses."
        ),
    )
    url = forms.URLField(label=_("…or a url"), required=False, assume_scheme="https")
    own = forms.BooleanField(
        label=_("Our own archive"),
        required=False,
        help_text=_(
            "Reviews written by our organisation (by name, or an author url on our site) become our fact-checks; "
            "every other review is kept as another desk's, beside the claim."
        ),
    )
    publish = forms.BooleanField(
        label=_("Publish"),
        required=False,
        help_text=_(
            "Publish the claims made from our own reviews (needs “Our own archive”). Another desk's verdict is "
            "never published under our name; those claims land in review."
        ),
    )


def sources_added_message(result: SourcesAdded) -> tuple[int, str]:
    """What "Add selected as sources" did, counted: the sources added and the links that were sources already."""
    added, existing = len(result.added), len(result.existing)
    already = ngettext(
        "%(count)d selected link was a source already.", "%(count)d selected links were sources already.", existing
    ) % {"count": existing}
    if not added:
        return messages.INFO, _("No source added: %(already)s") % {"already": already}
    text = ngettext("%(count)d source added.", "%(count)d sources added.", added) % {"count": added}
    return messages.SUCCESS, join_sentences(text, already if existing else "")


class ArticleImportAdminMixin:
    """For ArticleAdmin: the "Add article from url" page, linked from the article list."""

    change_list_template = "admin/claims/import_article_change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_article_view)
        return [path("import/", view, name="claims_article_import"), *super().get_urls()]

    def import_article_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST" and request.POST.get("action") == "add_sources":
            chosen = request.POST.getlist("link")
            texts = dict(zip(request.POST.getlist("link_all"), request.POST.getlist("link_text"), strict=False))
            if not chosen:
                messages.warning(request, _("No link was selected, so no source was added."))
                return redirect(self._next_on_this_site(request))
            try:
                result = sources_add(links=[CandidateLink(url=u, text=texts.get(u, "")) for u in chosen])
            except ValidationError as exc:
                messages.error(request, describe(exc))
            else:
                level, text = sources_added_message(result)
                messages.add_message(request, level, text)
            return redirect(self._next_on_this_site(request))

        form = ArticleImportForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": gettext("Add article from url"),
        }
        if request.method == "POST" and form.is_valid():
            try:
                if form.cleaned_data["url"]:
                    data = article_data_from_url(form.cleaned_data["url"])
                else:
                    upload = form.cleaned_data["file"]
                    data = article_data_from_bytes(
                        upload.read(), name=upload.name, url=form.cleaned_data["file_url"] or ""
                    )
                article, created = article_import(data=data)
            except ValidationError as exc:
                form.add_error(None, describe(exc))
            else:
                context.update(
                    article=article,
                    created=created,
                    data=data,
                    article_url=reverse("admin:claims_article_change", args=[article.pk]),
                )
        return TemplateResponse(request, "admin/claims/import_article.html", context)

    @staticmethod
    def _next_on_this_site(request) -> str:
        """The posted `next` when it stays on this site (no open redirect), else the article list."""
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return next_url
        return reverse("admin:claims_article_changelist")


class ClaimImportAdminMixin:
    """For ClaimAdmin: the ClaimReview upload page, and the similar-claims panel on the claim page."""

    change_list_template = "admin/claims/import_claim_change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_claimreview_view)
        decide = self.admin_site.admin_view(self.link_suggestion_view)
        split = self.admin_site.admin_view(self.external_review_split_view)
        return [
            path("import-claimreview/", view, name="claims_claim_import_claimreview"),
            path(
                "<int:claim_id>/suggestions/<int:suggestion_id>/<str:decision>/",
                decide,
                name="claims_claim_link_suggestion",
            ),
            path("<int:claim_id>/reviews/<int:review_id>/split/", split, name="claims_claim_review_split"),
            *super().get_urls(),
        ]

    # --- a reviewer's decisions on links (claims.importers.services) -----------------------------------------

    def _claim_to_change(self, request, claim_id: int):
        if request.method != "POST":
            raise PermissionDenied
        claim = self.get_object(request, str(claim_id))  # the admin's queryset: visibility applies
        if claim is None or not self.has_change_permission(request, claim):
            raise PermissionDenied
        return claim

    def link_suggestion_view(self, request, claim_id: int, suggestion_id: int, decision: str):
        """Merge the claim into the one it looks like, or dismiss the suggestion: one click on the claim page."""
        claim = self._claim_to_change(request, claim_id)
        suggestion = get_object_or_404(LinkSuggestion, pk=suggestion_id, claim=claim, decision="open")
        target = suggestion.similar_to_id
        try:
            if decision == "merge":
                link_suggestion_merge(suggestion=suggestion, user=request.user)
                message = gettext("Claim %(claim)s was merged into claim %(target)s.")
                messages.success(request, message % {"claim": claim_id, "target": target})
                return redirect("admin:claims_claim_change", target)
            if decision == "dismiss":
                link_suggestion_dismiss(suggestion=suggestion, user=request.user)
                message = gettext("Claim %(target)s will not be suggested for claim %(claim)s again.")
                messages.success(request, message % {"claim": claim_id, "target": target})
                return redirect("admin:claims_claim_change", claim_id)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("admin:claims_claim_change", claim_id)
        raise Http404

    def external_review_split_view(self, request, claim_id: int, review_id: int):
        """Undo a wrong link: the review and the appearances it brought become a claim of their own."""
        claim = self._claim_to_change(request, claim_id)
        review = get_object_or_404(ExternalReview, pk=review_id, claim=claim)
        try:
            new = external_review_split(review=review, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("admin:claims_claim_change", claim_id)
        message = gettext("The review by %(publisher)s is now claim %(claim)s.")
        messages.success(request, message % {"publisher": review.publisher_name or review.url, "claim": new.pk})
        return redirect("admin:claims_claim_change", new.pk)

    def import_claimreview_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ClaimReviewImportForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": gettext("Import ClaimReview"),
        }
        if request.method == "POST" and form.is_valid():
            inputs = []
            for upload in request.FILES.getlist("files"):
                if upload.size > MAX_UPLOAD_BYTES:
                    form.add_error("files", too_large(upload.name))
                    break
                inputs.append((upload.name, upload.read()))
            if form.cleaned_data["url"]:
                try:
                    inputs.append((form.cleaned_data["url"], fetch_claimreview_text(form.cleaned_data["url"])))
                except ValidationError as exc:
                    form.add_error("url", " ".join(exc.messages))
            if not inputs and not form.errors:
                form.add_error(None, gettext("Choose a file or give a url."))
            if not form.errors:
                report = claimreviews_import(
                    inputs, user=request.user, publish=form.cleaned_data["publish"], own=form.cleaned_data["own"]
                )
                context.update(report=report, counts=report.counts)
        return TemplateResponse(request, "admin/claims/import_claimreview.html", context)

    # --- similar claims on the claim page --------------------------------------------------------------------

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "similar_claims", "link_suggestions") if obj is not None else fields

    def get_fieldsets(self, request, obj=None):
        """The panel goes right under the claim's text in the first fieldset, where the reviewer reads it."""
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None or not fieldsets:
            return fieldsets
        name, options = fieldsets[0]
        fields = list(options.get("fields", ()))
        at = fields.index("text") + 1 if "text" in fields else len(fields)
        fields[at:at] = ["link_suggestions", "similar_claims"]
        fieldsets[0] = (name, {**options, "fields": tuple(fields)})
        return fieldsets

    def similar_claims(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        # Look-alikes the viewer may see, as the API's similar/ lists them.
        similar = claim_similar_list(claim=obj, queryset=claims_visible(user=viewer_of(obj)))
        if not similar:
            return gettext("None found.")
        rows = format_html_join(
            "",
            '<li><a href="{}">#{}</a> {} <span class="fc-label fc-verdict-{}">{}</span> '
            '<span title="{}">{}</span>{}</li>',
            (
                (
                    reverse("admin:claims_claim_change", args=[s.claim.pk]),
                    s.claim.pk,
                    s.claim.text[:160],
                    s.claim.verdict,
                    s.claim.get_verdict_display(),
                    gettext("similarity score"),
                    f"{s.score:.2f}",
                    gettext(" (same claim?)") if s.score >= settings.SIMILAR_CLAIMS_LINK_THRESHOLD else "",
                )
                for s in similar
            ),
        )
        return format_html('<ul class="fc-similar">{}</ul>', rows)

    similar_claims.short_description = _("looks like")

    @admin.display(description=_("suggested links"))
    def link_suggestions(self, obj):
        """The import's open suggestions for this claim, each with Merge and Dismiss (buttons of the change form
        that post to their own url, so no form is nested in another)."""
        if obj is None or obj.pk is None:
            return "-"
        visible = claims_visible(user=viewer_of(obj)).values("pk")
        open_ = obj.link_suggestions.filter(decision="open", similar_to__in=visible).select_related("similar_to")
        if not open_:
            return gettext("None.")
        can_change = viewer_of(obj) is not None and viewer_of(obj).has_perm("claims.change_claim")
        rows = []
        for s in open_:
            buttons = ""
            if can_change:
                url = "admin:claims_claim_link_suggestion"
                buttons = format_html(
                    ' <button type="submit" formaction="{}" formnovalidate>{}</button>'
                    ' <button type="submit" formaction="{}" formnovalidate>{}</button>',
                    reverse(url, args=[obj.pk, s.pk, "merge"]),
                    gettext("Merge into #%(claim)s") % {"claim": s.similar_to_id},
                    reverse(url, args=[obj.pk, s.pk, "dismiss"]),
                    gettext("Dismiss"),
                )
            rows.append(
                format_html(
                    '<li><a href="{}">#{}</a> {} <span title="{}">{}</span> <span class="fc-why">{}</span>{}</li>',
                    reverse("admin:claims_claim_change", args=[s.similar_to_id]),
                    s.similar_to_id,
                    s.similar_to.text[:160],
                    gettext("similarity score"),
                    f"{s.score:.2f}",
                    gettext("(not linked: %(reason)s)") % {"reason": s.reason or "-"},
                    buttons,
                )
            )
        return format_html('<ul class="fc-suggestions">{}</ul>', format_html_join("", "{}", ((r,) for r in rows)))

    def response_add(self, request, obj, post_url_continue=None):
        similar = claim_similar_list(claim=obj, queryset=claims_visible(user=request.user), limit=3)
        if similar:
            listed = ", ".join(f"#{s.claim.pk} ({s.score:.2f})" for s in similar)
            message = ngettext(
                "This looks like existing claim %(claims)s: see “looks like” on its page.",
                "This looks like existing claims %(claims)s: see “looks like” on its page.",
                len(similar),
            )
            messages.info(request, message % {"claims": listed})
        return super().response_add(request, obj, post_url_continue)
