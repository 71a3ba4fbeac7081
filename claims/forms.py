"""Forms of the reviewer admin. They validate and lock; the writes happen in claims.services."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sources.urlnorm import MAX_URL_LENGTH, normalize_url

from . import services
from .choices import ClaimStatus, Verdict
from .corrections import PublicState
from .models import CLAIM_EDITABLE_FIELDS, Appearance, Article, Claim, Evidence, Tag
from .selectors.visibility import reviewers
from .validators import harden_form, validate_tag_count, validate_tag_name


class HardenedTextMixin:
    """Text fields refuse control characters and lone surrogates and have the lengths of claims.validators."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        harden_form(self)


class TagsChoiceField(forms.ModelMultipleChoiceField):
    """The claim's tags, counted before they are looked up (one query parameter each)."""

    def clean(self, value):
        if isinstance(value, list | tuple):
            validate_tag_count(value)
        return super().clean(value)


CORRECTION_NOTE_HELP = _(
    "Shown to readers on the claim's page and in the public corrections log. Required when a published claim's "
    "verdict changes, when it is retracted or published again after a retraction (also at the end of a re-review), "
    "and when its explanation changes unless the edit is minor."
)


def correction_note_field() -> forms.CharField:
    return forms.CharField(
        label=_("Public correction note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=CORRECTION_NOTE_HELP,
    )


def conflict_html(conflict: services.VersionConflict) -> str:
    """The refusal of a stale save as the change page shows it: what the others changed as a list."""
    return render_to_string(
        "admin/claims/claim/version_conflict.html",
        {"summary": conflict.summary, "lines": conflict.changes, "advice": conflict.advice},
    )


class ClaimAdminForm(HardenedTextMixin, forms.ModelForm):
    user = None  # who is saving: set by the admin (ClaimAdmin.get_form); the conflict message reads history as them
    # The version the reviewer opened. Saving is refused once someone else has saved the claim since.
    version = forms.IntegerField(label=_("Version"), widget=forms.HiddenInput, min_value=1)
    # What the public log says of this save; not fields of the claim (claims.corrections decides when a note is due).
    correction_note = correction_note_field()
    minor_edit = forms.BooleanField(
        label=_("Minor edit"),
        required=False,
        help_text=_(
            "An explanation edit that changes nothing a reader relies on (a typo, a link): logged publicly as "
            "“updated”, no note needed. A verdict change is never minor."
        ),
    )

    class Meta:
        model = Claim
        fields = (*CLAIM_EDITABLE_FIELDS, "tags", "version")
        field_classes = {"tags": TagsChoiceField}
        widgets = {
            "quote": forms.Textarea(attrs={"rows": 3}),
            "text": forms.Textarea(attrs={"rows": 3}),
            "explanation": forms.Textarea(attrs={"rows": 8}),
        }

    # Who is saving: ClaimAdmin.get_form sets it on the form class it makes for each request (second review asks).
    user = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["version"].required = False  # a new claim has nothing to conflict with

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk is None:
            # Publishing straight away is checked with the evidence rows.
            self.claim_before = {
                "verdict": Verdict.UNRATED,
                "explanation": "",
                "status": cleaned.get("status", ClaimStatus.DRAFT),
                "version": 0,
            }
            if "status" in cleaned:
                try:
                    services.check_status_transition(None, cleaned["status"])
                except ValidationError as exc:
                    self.add_error("status", exc)
            self._check_second_review(self.instance, cleaned)
            return cleaned
        if cleaned.get("version") is None:
            return cleaned  # the field's own error says what is wrong
        # The admin's change view runs in one transaction, so this row lock is held until the claim and its
        # inlines are saved: nobody can slip a save in between our check and our write.
        try:
            current = services.claim_lock(
                claim_id=self.instance.pk, expected_version=cleaned["version"], user=self.user
            )
        except services.VersionConflict as conflict:
            raise ValidationError(conflict_html(conflict), code=conflict.code) from conflict
        self.claim_before = services.snapshot(current)
        if "status" in cleaned:
            try:
                services.check_status_transition(current.status, cleaned["status"])
            except ValidationError as exc:
                self.add_error("status", exc)
        self._check_correction_note(current, cleaned)
        self._check_second_review(current, cleaned)
        return cleaned

    def _check_second_review(self, current: Claim, cleaned: dict[str, Any]) -> None:
        """The service's second-review rule, asked before anything is saved, so a refusal is an error of the form."""
        status = cleaned.get("status", current.status)
        old_status = None if current.pk is None else current.status
        text_changed = cleaned.get("verdict", current.verdict) != current.verdict or (
            cleaned.get("explanation", current.explanation) != current.explanation
        )
        try:
            services.check_second_review(
                claim=current,
                publishing=services.is_publishing(old_status=old_status, new_status=status),
                text_changed=text_changed,
                user=self.user,
            )
        except ValidationError as exc:
            self.add_error(None, exc)

    def _check_correction_note(self, current: Claim, cleaned: dict[str, Any]) -> None:
        """The service's rule, asked before anything is saved, so a missing note is an error on its field."""
        new = PublicState(
            status=cleaned.get("status", current.status),
            verdict=cleaned.get("verdict", current.verdict),
            explanation=cleaned.get("explanation", current.explanation),
        )
        minor = bool(cleaned.get("minor_edit"))
        change = services.public_change_of(claim_id=current.pk, new=new, minor_edit=minor)
        try:
            services.check_correction_note(change, note=cleaned.get("correction_note", ""), minor_edit=minor)
        except ValidationError as exc:
            self.add_error(None, exc)


class EvidenceInlineForm(HardenedTextMixin, forms.ModelForm):
    """A citation as the reviewer types it: the source's url, not a pick from a list of sources."""

    url = forms.CharField(
        label=_("Source url"),
        max_length=MAX_URL_LENGTH,
        # The list: the article's links found at import, when the claim page has them (claim/change_form.html).
        widget=forms.URLInput(attrs={"size": 38, "placeholder": "https://", "list": "fc-candidate-urls"}),
    )

    class Meta:
        model = Evidence
        fields = ("stance", "excerpt", "note")
        widgets = {
            "excerpt": forms.Textarea(attrs={"rows": 2, "cols": 34}),
            "note": forms.Textarea(attrs={"rows": 2, "cols": 22}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["url"] = self.instance.source.url

    def clean_url(self) -> str:
        return normalize_url(self.cleaned_data["url"])


class OneRowPerUrlFormSet(BaseInlineFormSet):
    """Inline rows of which a claim may have one per url (the rows' clean_url makes it canonical, so two spellings
    of one page are one url): a repeated url is an error on the row, not an IntegrityError from the database."""

    repeated = ""  # the messages, with %(url)s
    taken = ""

    def saved_urls(self) -> dict[str, int]:
        """url → id of the saved row of this claim that holds it."""
        raise NotImplementedError

    def _kept_forms(self) -> list[tuple[forms.Form, str]]:
        kept = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or (self.can_delete and self._should_delete_form(form)):
                continue
            if form.instance.pk is None and not form.has_changed():
                continue  # an empty extra row
            url = form.cleaned_data.get("url")
            if url:
                kept.append((form, url))
        return kept

    def clean(self) -> None:
        super().clean()
        self.kept = self._kept_forms()
        saved = self.saved_urls() if self.instance.pk is not None else {}
        seen: set[str] = set()
        for form, url in self.kept:
            if url in seen:
                form.add_error("url", ValidationError(self.repeated % {"url": url}, code="duplicate"))
                continue
            seen.add(url)
            holder = saved.get(url)
            if holder is not None and holder != form.instance.pk:
                # Held by another saved row (perhaps one changed in this same save, or one added meanwhile by
                # someone else): edit that row rather than naming the page twice.
                form.add_error("url", ValidationError(self.taken % {"url": url}, code="duplicate"))


class EvidenceInlineFormSet(OneRowPerUrlFormSet):
    """Checks what only the whole set of rows can tell: duplicates, and the publishing rule.

    The admin validates this formset after the claim's own form, against the same (unsaved) claim, so the
    evidence count used for the publishing rule is the rows being saved, not the rows in the database.
    """

    repeated = _("This claim already cites %(url)s in another row.")
    taken = _("This claim already cites %(url)s; change that row instead of adding it again.")

    def saved_urls(self) -> dict[str, int]:
        # Rows being deleted still count: save() removes them last, after the additions.
        return dict(Evidence.objects.filter(claim=self.instance).values_list("source__url", "pk"))

    def clean(self) -> None:
        super().clean()
        # Read by ClaimAdmin.save_model, which saves the claim before the rows exist.
        self.instance._evidence_count = len(self.kept)
        if self.instance.status == ClaimStatus.PUBLISHED:
            services.check_publishable(
                verdict=self.instance.verdict, explanation=self.instance.explanation, evidence_count=len(self.kept)
            )

    def save_new(self, form, commit=True):
        data = form.cleaned_data
        return services.evidence_add(
            claim=self.instance,
            url=data["url"],
            user=self.user,
            stance=data["stance"],
            excerpt=data.get("excerpt", ""),
            note=data.get("note", ""),
        )

    def save_existing(self, form, obj, commit=True):
        data = form.cleaned_data
        return services.evidence_update(
            evidence=obj,
            url=data["url"],
            stance=data["stance"],
            excerpt=data.get("excerpt", ""),
            note=data.get("note", ""),
            user=self.user,
        )

    def save(self, commit=True):
        """Changes and additions first, removals last, so a published claim is never left without evidence."""
        if not commit:
            raise ValueError("Evidence rows are written through the claim services; save with commit=True.")
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        for form in self.initial_forms:
            if form.has_changed() and not self._should_delete_form(form):
                self.changed_objects.append((self.save_existing(form, form.instance), form.changed_data))
        for form in self.extra_forms:
            if form.has_changed() and not (self.can_delete and self._should_delete_form(form)):
                self.new_objects.append(self.save_new(form))
        for form in self.initial_forms:
            if self.can_delete and self._should_delete_form(form):
                services.evidence_remove(evidence=form.instance, user=self.user)
                self.deleted_objects.append(form.instance)
        return self.new_objects + [obj for obj, _ in self.changed_objects]


class AppearanceInlineForm(HardenedTextMixin, forms.ModelForm):
    class Meta:
        model = Appearance
        fields = ("article", "url", "appeared_at", "quote")
        widgets = {"quote": forms.Textarea(attrs={"rows": 2, "cols": 40})}

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        # Canonical before the uniqueness check, so two spellings of one page are caught here, not by the database.
        return normalize_url(url) if url else url


class AppearanceInlineFormSet(OneRowPerUrlFormSet):
    # The database's appearance_one_per_url is a conditional constraint (rows without a url may repeat), which
    # Django's own formset check does not see.
    repeated = _("This claim already appears at %(url)s in another row.")
    taken = _("This claim already appears at %(url)s; change that row instead of adding it again.")

    def saved_urls(self) -> dict[str, int]:
        # Django deletes rows before it adds new ones, so a row being deleted frees its url.
        deleted = {form.instance.pk for form in self.forms if self.can_delete and self._should_delete_form(form)}
        rows = Appearance.objects.filter(claim=self.instance).exclude(url="").exclude(pk__in=deleted)
        return dict(rows.values_list("url", "pk"))


class TagAdminForm(forms.ModelForm):
    """A tag's name follows the API's rule (claims.validators.validate_tag_name; the length is the column's)."""

    class Meta:
        model = Tag
        fields = ("name",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].validators.append(validate_tag_name)


class SetVerdictForm(HardenedTextMixin, forms.Form):
    verdict = forms.ChoiceField(
        label=pgettext_lazy("admin", "Verdict"),
        choices=Verdict.choices,
        help_text=_(
            "Each selected claim is saved with this verdict. Published claims keep to the publishing rule, "
            "so a published claim cannot be set to “Unrated”."
        ),
    )
    correction_note = correction_note_field()


class ReviewerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        full = user.get_full_name()
        return f"{full} ({user.get_username()})" if full else user.get_username()


class AssignForm(HardenedTextMixin, forms.Form):
    """Whom to assign claims to, by when, with what note: the claim page's "Assign to…" and the bulk action."""

    # Where the browser's datetime-local field sends its value; read in the reviewer's current time zone.
    DUE_FORMAT = "%Y-%m-%dT%H:%M"

    assignee = ReviewerChoiceField(
        queryset=None,  # set per form: reviewers() as they are now
        required=False,
        label=_("Assign to"),
        empty_label=_("Nobody (remove the assignment)"),
        help_text=_("Active staff who may review claims."),
    )
    due_at = forms.DateTimeField(
        label=_("Due"),
        required=False,
        input_formats=[DUE_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DUE_FORMAT),
        help_text=_("Optional. Past it, a claim not yet published is overdue. Empty: no due date."),
    )
    note = forms.CharField(
        label=_("Note for the assignee"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional; sent in the email and kept with the assignment. Never shown to readers."),
    )
    # The version of the claim the reviewer opened (the claim page's form only): refused if it changed since.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = reviewers()

    def clean_due_at(self):
        due, kept = self.cleaned_data.get("due_at"), self.initial.get("due_at")
        if kept is not None:
            kept = kept.replace(second=0, microsecond=0)  # as the field shows it, to the minute
            if due is not None and due == kept:
                due = self.initial["due_at"]  # unchanged: the claim keeps its own, seconds and all
        # A due date already past is a typo, unless it is the one the claim has (reassigning an overdue claim).
        if due is not None and due < timezone.now() and due != self.initial.get("due_at"):
            raise ValidationError(_("This due date has passed already; choose a later one."), code="past")
        return due


class ArticleAdminForm(HardenedTextMixin, forms.ModelForm):
    class Meta:
        model = Article
        fields = ("url", "title", "outlet", "author", "published_at", "language", "place", "cover_image_url", "body")

    def clean_url(self) -> str:
        # Canonical before the uniqueness check, so a second spelling of a known article is a form error.
        return normalize_url(self.cleaned_data["url"])
