from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Func, Q
from django.db.models.functions import MD5
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from sources.models import Source
from sources.urlnorm import MAX_URL_LENGTH, normalize_url

from . import tally
from .choices import REVIEW_DECISIONS, ClaimStatus, CorrectionKind, ExcerptStatus, ReviewEventKind, Stance, Verdict
from .corrections import SITE_LOG_KINDS
from .revision import REVISION_FIELDS, claim_revision_triggers
from .search import schema as search_schema
from .validators import TAG_MAX_LENGTH


def transaction_id_field() -> models.BigIntegerField:
    """The writing transaction's id, PostgreSQL's ``txid_current()``, as the column's default. Null on rows written
    before the column existed (its migration adds it without a default first, so old rows do not all get one id)."""
    return models.BigIntegerField(
        null=True,
        blank=True,
        editable=False,
        db_default=Func(function="txid_current", output_field=models.BigIntegerField()),
    )


class TransactionStamped(models.Model):
    """For history models (``HistoricalRecords(bases=[TransactionStamped])``): each row carries the id of the
    transaction that wrote it, so the rows of one save (a claim and the evidence rows saved with it in the admin) are
    shown as one entry of the claim's history (claims.timeline). A model of events of its own (notes, approvals) may
    declare the same column with ``transaction_id_field()``."""

    history_txid = transaction_id_field()

    class Meta:
        abstract = True


class Article(models.Model):
    """A published piece in which claims appear."""

    url = models.URLField(_("url"), max_length=MAX_URL_LENGTH, unique=True, help_text=_("Stored in canonical form."))
    title = models.CharField(_("title"), max_length=500, blank=True)
    outlet = models.CharField(_("outlet"), max_length=255, blank=True)
    author = models.CharField(_("author"), max_length=255, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    language = models.CharField(
        _("language"), max_length=35, blank=True, help_text=_("BCP 47 tag, e.g. zh-Hans or en.")
    )
    place = models.CharField(_("place"), max_length=255, blank=True)
    cover_image_url = models.URLField(_("cover image url"), max_length=MAX_URL_LENGTH, blank=True)
    body = models.TextField(_("body"), blank=True)
    # The links an importer found in the body ({"url": canonical url, "text": the link's words}, as
    # claims.importers.base.CandidateLink), offered when evidence is added to the article's claims. db_default too,
    # so bulk loads that COPY named columns (bench/generate.py) need not name this one.
    candidate_links = models.JSONField(
        default=list, db_default=[], blank=True, editable=False, help_text=_("Links found in the text at import.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-id"]
        # A claim's vector holds its article's title, stemmed in the article's language (claims.search.schema).
        triggers = search_schema.article_triggers(claim_table="claims_claim")

    def __str__(self) -> str:
        return self.title or self.url

    def save(self, *args, **kwargs):
        self.url = normalize_url(self.url)
        super().save(*args, **kwargs)


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=TAG_MAX_LENGTH, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# The claim fields reviewers set, in the order forms and the API show them (tags aside, a relation of their own):
# the services accept these, and the API's write serializer and the admin form offer them. The rest (reviewer,
# dates, version, flags, the search vector) are kept by the services and the database.
CLAIM_EDITABLE_FIELDS = (
    "text",
    "quote",
    "language",
    "claimant",
    "claimed_at",
    "article",
    "value",
    "unit",
    "verdict",
    "explanation",
    "review_language",
    "status",
    "recheck_after",
    "original_rating",
)


class Claim(models.Model):
    """One checkable statement, its verdict, and where it stands in review."""

    article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="claims", verbose_name=_("article")
    )
    quote = models.TextField(_("quote"), blank=True, help_text=_("Verbatim, in the original language."))
    text = models.TextField(_("text"), help_text=_("The checkable statement, plain and self-contained."))
    language = models.CharField(_("language"), max_length=35, blank=True, help_text=_("BCP 47 tag of the quote."))
    claimant = models.CharField(_("claimant"), max_length=255, blank=True, help_text=_("Who asserts it."))
    claimed_at = models.DateTimeField(
        _("claimed at"), null=True, blank=True, help_text=_("When the claim was made, if known.")
    )
    value = models.DecimalField(
        _("value"),
        max_digits=30,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("The figure the claim states, if any (e.g. 10, 1080, 150000000000)."),
    )
    unit = models.CharField(_("unit"), max_length=32, blank=True, help_text=_("Unit of the figure, e.g. s, p, USD."))
    tags = models.ManyToManyField(Tag, blank=True, related_name="claims", verbose_name=_("tags"))

    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices, default=Verdict.UNRATED)
    explanation = models.TextField(_("explanation"), blank=True)
    # The quote's language (``language``) and the review's often differ: a Chinese quote explained in English.
    # db_default too, so bulk loads that COPY named columns (bench/generate.py) need not name this one.
    review_language = models.CharField(
        _("review language"),
        max_length=35,
        blank=True,
        default="",
        db_default="",
        help_text=_(
            "BCP 47 tag of the explanation, the language the review is written in; blank: the desk's "
            "FACTCHECK_REVIEW_LANGUAGE."
        ),
    )
    status = models.CharField(_("status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_claims",
        verbose_name=_("reviewer"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    published_at = models.DateTimeField(
        _("published at"), null=True, blank=True, help_text=_("When the fact-check was first published.")
    )
    # Who is to work on the claim next, and by when (claims.services.claim_assign). Not the reviewer, who is
    # whoever last changed the verdict or explanation. No index of its own: claim_assignee_status_idx leads with it.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="assigned_claims",
        verbose_name=_("assignee"),
    )
    due_at = models.DateTimeField(
        null=True,
        blank=True,
        verbose_name=_("due"),
        help_text=_("When the assignee should be done; past it, a claim not yet published is overdue."),
    )
    recheck_after = models.DateField(
        _("recheck after"),
        null=True,
        blank=True,
        help_text=_("For time-sensitive claims: when the verdict should be looked at again."),
    )
    original_rating = models.CharField(
        _("original rating"),
        max_length=255,
        blank=True,
        help_text=_("The rating text as first received, for imported claims."),
    )
    needs_recheck = models.BooleanField(
        _("needs recheck"), default=False, help_text=_("Set by the daily job once recheck_after has passed.")
    )
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Raised on every save; guards against lost updates.")
    )
    # Exact forms, stems of the claim's language and CJK bigrams of quote, text, claimant and article title, computed
    # by PostgreSQL's triggers on every write (claims.search.schema).
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    # Second review: the revision of the verdict and explanation, who made it and when. Kept by PostgreSQL's
    # triggers on every write (claims.revision), so an approval (ClaimReviewEvent) of an older revision is void.
    # Not in the history records: they are the database's, which the saved instance may not hold.
    verdict_revision = models.PositiveIntegerField(
        default=0, db_default=0, editable=False, help_text=_("Raised on every change of the verdict or explanation.")
    )
    verdict_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text=_("Who last changed the verdict or explanation; empty when no one is credited (an import)."),
    )
    verdict_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["updated_at", "search_vector", *REVISION_FIELDS], bases=[TransactionStamped]
    )

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["verdict", "id"], name="claim_verdict_idx"),
            models.Index(fields=["status", "id"], name="claim_status_idx"),
            models.Index(fields=["language", "id"], name="claim_language_idx"),
            models.Index(fields=["reviewed_at", "id"], name="claim_reviewed_at_idx"),
            models.Index(fields=["created_at", "id"], name="claim_created_at_idx"),
            models.Index(fields=["recheck_after"], name="claim_recheck_after_idx"),
            # The dashboard's "assigned to me" and "overdue" (claims.selectors.assignment), and the assignee's
            # foreign key. It replaces (reviewer, status), whose one reader was the dashboard's old "in review with
            # you as reviewer"; the reviewer keeps the index of its foreign key.
            models.Index(fields=["assignee", "status"], name="claim_assignee_status_idx"),
            GinIndex(fields=["search_vector"], name="claim_search_vector_idx"),
            # The dashboard's verdicts per month (claims.dashboard): an index-only scan of a year's publications.
            models.Index(
                fields=["published_at"],
                include=["verdict"],
                condition=Q(status__in=["published", "retracted"]),
                name="claim_public_published_idx",
            ),
        ]
        triggers = [*search_schema.claim_triggers(), *claim_revision_triggers()]

    def __str__(self) -> str:
        return self.text[:80]


class ClaimNote(models.Model):
    """A note of the desk's internal discussion of a claim. Reviewers only: never on the public site, in the API for
    anyone else, in exports or feeds. Its author may edit it for a while (claims.services.NOTE_EDIT_WINDOW)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField()
    created = models.DateTimeField(default=timezone.now)
    edited = models.DateTimeField(null=True, blank=True, help_text=_("When its author last changed the text."))

    class Meta:
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["claim", "created", "id"], name="claim_note_claim_idx")]

    def __str__(self) -> str:
        return f"note {self.pk} on claim {self.claim_id}"


class ClaimReviewEvent(models.Model):
    """One step of a claim's second review, for its history: an approval, a request for changes, a note added. Only
    that it happened, by whom and when: a note's text stays in its ClaimNote. Written by claims.services, never
    changed afterwards."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="review_events")
    kind = models.CharField(max_length=24, choices=ReviewEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The claim's verdict_revision the event is about: an approval counts while the claim is still at it.
    verdict_revision = models.PositiveIntegerField()
    # The request's note, or the note added.
    note = models.ForeignKey(ClaimNote, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["claim", "created_at", "id"], name="review_event_claim_idx"),
            # The latest decision on a claim (claims.selectors.review.claim_latest_decision).
            models.Index(
                fields=["claim", "id"], condition=Q(kind__in=REVIEW_DECISIONS), name="review_event_decision_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: claim {self.claim_id}"


class Correction(models.Model):
    """One entry of a claim's public log: its publication, a correction, a retraction or a minor update, with the
    public note. Written by claims.services.claim_save in the same transaction as the claim, and only for a change
    between two public states (claims.corrections), so nothing written while a claim was unpublished is here."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="corrections", verbose_name=_("claim"))
    kind = models.CharField(_("kind"), max_length=16, choices=CorrectionKind.choices)
    note = models.TextField(
        _("note"), blank=True, help_text=_("The public note: what changed and why, as readers read it.")
    )
    # The last public verdict before this change (blank for the first publication) and the verdict after it.
    verdict_before = models.CharField(_("verdict before"), max_length=16, choices=Verdict.choices, blank=True)
    verdict_after = models.CharField(_("verdict after"), max_length=16, choices=Verdict.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["claim", "created_at", "id"], name="correction_claim_idx"),
            # /corrections/, newest first by (created_at, id): only the kinds it lists, a small part of the rows.
            models.Index(
                fields=["created_at", "id"], condition=Q(kind__in=SITE_LOG_KINDS), name="correction_site_log_idx"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s: claim %(claim)s") % {"kind": self.get_kind_display(), "claim": self.claim_id}


class ClaimAssignment(models.Model):
    """One assignment of a claim, or its removal (no assignee): who assigned whom, by when, with the note for the
    assignee. The claim's own assignee and due_at say where it stands (its history how it got there); these rows
    keep what the history does not: the note, never public, and whether the assignee was emailed, so the email's
    task can run twice and send once (claims.services.claim_assignment_notify)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="assignments")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, help_text=_("For the assignee: what to look at. Never shown to readers."))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True, help_text="When the assignee was emailed.")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["claim", "created_at", "id"], name="assignment_claim_idx")]

    def __str__(self) -> str:
        return f"claim {self.claim_id} → {self.assignee_id or '-'}"


class ClaimEvidenceTally(models.Model):
    """Per claim: its pieces of evidence, and how many cite a lost source (dead, no archived copy). "Needs
    attention" is a claim whose row says every piece is lost (claims.tally.all_lost_q); every reader asks that
    row. Kept by the PostgreSQL triggers declared on Evidence and TalliedSource (claims.tally), so every way of
    writing evidence and sources counts; claims.rollups.claim_tallies_rebuild repairs it."""

    claim_id = models.BigIntegerField(
        _("claim id"), primary_key=True
    )  # not a relation: a deleted claim leaves a 0/0 row
    evidence = models.IntegerField(_("evidence"), default=0)
    lost = models.IntegerField(_("lost"), default=0)

    class Meta:
        verbose_name = _("evidence tally")
        verbose_name_plural = _("evidence tallies")
        indexes = [
            # Exactly the claims needing attention: the filters and the dashboard's count read it.
            models.Index(fields=["claim_id"], condition=tally.all_lost_q(), name="tally_all_lost_idx"),
        ]

    def __str__(self) -> str:
        return gettext("claim %(claim)s: %(lost)s of %(evidence)s lost") % {
            "claim": self.claim_id,
            "lost": self.lost,
            "evidence": self.evidence,
        }


class Evidence(models.Model):
    """A source cited for or against a claim, with the passage we rely on."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("claim"))
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("source"))
    stance = models.CharField(_("stance"), max_length=16, choices=Stance.choices, default=Stance.SUPPORTS)
    excerpt = models.TextField(
        _("excerpt"), blank=True, help_text=_("A passage that should appear on the source page.")
    )
    excerpt_status = models.CharField(
        _("excerpt status"), max_length=16, choices=ExcerptStatus.choices, default=ExcerptStatus.UNCHECKED
    )
    excerpt_checked_at = models.DateTimeField(_("excerpt checked at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Additions, edits and removals, for the claim's history (claims.timeline); what the link checker records of the
    # excerpt is not an edit.
    history = HistoricalRecords(excluded_fields=["excerpt_status", "excerpt_checked_at"], bases=[TransactionStamped])

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["claim", "source"], name="evidence_one_per_source")]
        indexes = [
            models.Index(fields=["source", "claim"], name="evidence_source_claim_idx"),
            # The dashboard's "excerpt missing" count and the evidence list filtered so: a few per cent of the rows.
            models.Index(fields=["id"], condition=Q(excerpt_status="missing"), name="evidence_excerpt_missing_idx"),
        ]
        triggers = tally.evidence_triggers(tally=ClaimEvidenceTally._meta.db_table, source=Source._meta.db_table)

    def __str__(self) -> str:
        return f"{self.get_stance_display()}: {self.source_id}"


class Appearance(models.Model):
    """A further place where a claim was made (the first is the claim's own article)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appearances", verbose_name=_("claim"))
    article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("article")
    )
    url = models.URLField(_("url"), max_length=MAX_URL_LENGTH, blank=True)
    appeared_at = models.DateTimeField(_("appeared at"), null=True, blank=True)
    quote = models.TextField(_("quote"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("appearance")
        verbose_name_plural = _("appearances")
        ordering = ["appeared_at", "id"]
        constraints = [
            # One row per url; appearances known only by article or date (no url) may be several.
            models.UniqueConstraint(fields=["claim", "url"], condition=~Q(url=""), name="appearance_one_per_url"),
        ]

    def __str__(self) -> str:
        return self.url or str(self.article)

    def save(self, *args, **kwargs):
        if self.url:
            self.url = normalize_url(self.url)
        super().save(*args, **kwargs)


class TalliedSource(Source):
    """Sources as the evidence tally sees them: the proxy carries the trigger on sources_source that moves the
    tally when a source's lost state flips. Declared here, not in Source's Meta, so the sources app knows nothing of
    claims' tally and the trigger's migration lives with the tally's (pgtrigger's way for a model of another app).
    """

    class Meta:
        proxy = True
        triggers = tally.source_triggers(tally=ClaimEvidenceTally._meta.db_table, evidence=Evidence._meta.db_table)


class ExternalReview(models.Model):
    """Another desk's review of a claim, as its ClaimReview said it: kept verbatim beside our own verdict, never
    folded into it. One per review page and claim text (several reviews may share one page)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="external_reviews", verbose_name=_("claim"))
    url = models.URLField(_("url"), max_length=MAX_URL_LENGTH, help_text=_("The review's page."))
    claim_reviewed = models.TextField(_("claim reviewed"), help_text=_("The claim as the review words it, verbatim."))
    publisher_name = models.CharField(_("publisher name"), max_length=255, blank=True)
    publisher_url = models.URLField(_("publisher url"), max_length=MAX_URL_LENGTH, blank=True)
    rating_text = models.CharField(
        _("rating text"), max_length=500, blank=True, help_text=_("The rating as printed, verbatim.")
    )
    rating_value = models.DecimalField(_("rating value"), max_digits=12, decimal_places=4, null=True, blank=True)
    best_rating = models.DecimalField(_("best rating"), max_digits=12, decimal_places=4, null=True, blank=True)
    worst_rating = models.DecimalField(_("worst rating"), max_digits=12, decimal_places=4, null=True, blank=True)
    score = models.FloatField(
        _("score"),
        null=True,
        blank=True,
        help_text=_("The rating on 0..1: (value - worst) / (best - worst), where the scale is usable."),
    )
    verdict = models.CharField(
        _("verdict"),
        max_length=16,
        choices=Verdict.choices,
        default=Verdict.UNRATED,
        help_text=_("The rating read on our scale; unrated when it cannot be mapped honestly."),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=35, blank=True, help_text=_("BCP 47 tag of the review."))
    raw = models.JSONField(_("raw"), default=dict, help_text=_("The item's JSON-LD, as received."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("other fact-checker's review")
        verbose_name_plural = _("other fact-checkers' reviews")
        ordering = ["reviewed_at", "id"]
        constraints = [
            # A review is its page and its claim text: two reviews on one page are two records. The text is hashed
            # so a long one still fits a btree entry.
            models.UniqueConstraint(models.F("url"), MD5("claim_reviewed"), name="external_review_identity"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=1), name="external_review_score_0_1"
            ),
        ]
        indexes = [models.Index(fields=["claim", "verdict"], name="external_review_claim_idx")]

    def __str__(self) -> str:
        return f"{self.publisher_name or self.url}: {self.rating_text or self.get_verdict_display()}"


class LinkSuggestion(models.Model):
    """An imported claim that looks like an existing one, for a reviewer to merge or dismiss. Imports only link
    automatically when the rule for that holds (claims.similarity); anything less is a suggestion."""

    class Decision(models.TextChoices):
        OPEN = "open", _("Open")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Dismissed")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="link_suggestions", verbose_name=_("claim"))
    similar_to = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+", verbose_name=_("similar to"))
    score = models.FloatField(_("score"))
    reason = models.CharField(
        _("reason"), max_length=255, blank=True, help_text=_("Why it was not linked automatically.")
    )
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, default=Decision.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("link suggestion")
        verbose_name_plural = _("link suggestions")
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "similar_to"], name="link_suggestion_once_per_pair"),
            models.CheckConstraint(condition=~Q(claim=models.F("similar_to")), name="link_suggestion_not_self"),
        ]
        indexes = [
            models.Index(fields=["claim"], condition=Q(decision="open"), name="link_suggestion_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} ~ {self.similar_to_id} ({self.score:.2f})"
