from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import CaptureReason, CaptureStatus, Failure, Health, Outcome
from .urlnorm import MAX_URL_LENGTH, normalize_url, url_domain

# The fields the link checker keeps (sources/health.py writes them; admin and API show them read-only).
LINK_HEALTH_FIELDS = (
    "health",
    "last_checked_at",
    "last_outcome",
    "last_status",
    "final_url",
    "consecutive_failures",
    "first_failure_at",
    "next_check_at",
)


class Source(models.Model):
    """A page that supports or refutes claims, with the health of its link over time."""

    url = models.URLField(_("url"), max_length=MAX_URL_LENGTH, unique=True, help_text=_("Stored in canonical form."))
    domain = models.CharField(_("domain"), max_length=253, editable=False, db_index=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    publisher = models.CharField(_("publisher"), max_length=255, blank=True)

    health = models.CharField(_("health"), max_length=16, choices=Health.choices, default=Health.UNKNOWN)
    last_checked_at = models.DateTimeField(_("last checked at"), null=True, blank=True)
    last_outcome = models.CharField(_("last outcome"), max_length=24, choices=Outcome.choices, blank=True)
    last_status = models.PositiveSmallIntegerField(
        _("last status"), null=True, blank=True, help_text=_("HTTP status of the last check.")
    )
    final_url = models.URLField(
        _("final url"), max_length=MAX_URL_LENGTH, blank=True, help_text=_("Where a permanent redirect led.")
    )
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    first_failure_at = models.DateTimeField(_("first failure at"), null=True, blank=True)
    archive_url = models.URLField(_("archive url"), max_length=MAX_URL_LENGTH, blank=True)
    archived_at = models.DateTimeField(
        _("archived at"), null=True, blank=True, help_text=_("Date of the archived snapshot.")
    )
    next_check_at = models.DateTimeField(_("next check at"), null=True, blank=True)
    # When the scheduled recapture is due (sources.services.sources_claim_capture_due); empty until the first capture.
    next_capture_at = models.DateTimeField(_("next capture at"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["health", "id"], name="source_health_idx"),
            models.Index(fields=["next_check_at"], name="source_next_check_idx"),
            models.Index(fields=["next_capture_at"], name="source_next_capture_idx"),
            # The dashboard (claims.dashboard): dead sources are a few per cent of the rows. "Turned dead this
            # week" starts from the recently checked dead ones, the top domains read the dead ones index-only,
            # and "every source dead" starts from the dead ones with no archived copy.
            # (IS NOT NULL, which "last_checked_at >= since" implies, keeps the planner from reading this one for
            # the top domains: an index scan with heap fetches, 41 ms, instead of the index-only 6 ms.)
            models.Index(
                fields=["last_checked_at"],
                condition=Q(health="dead", last_checked_at__isnull=False),
                name="source_dead_checked_idx",
            ),
            models.Index(
                fields=["domain"], include=["archive_url"], condition=Q(health="dead"), name="source_dead_domain_idx"
            ),
            models.Index(fields=["id"], condition=Q(health="dead", archive_url=""), name="source_lost_idx"),
        ]

    def __str__(self) -> str:
        return self.title or self.url

    def save(self, *args, **kwargs):
        # Keep the row consistent with itself: one canonical url, its domain beside it.
        self.url = normalize_url(self.url)
        self.domain = url_domain(self.url)
        super().save(*args, **kwargs)


class LinkCheck(models.Model):
    """One check of one source. A check delivered twice for the same run writes one row (the constraint)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="checks", verbose_name=_("source"))
    run_key = models.CharField(
        _("run key"),
        max_length=64,
        help_text=_("Identifies the scheduled run; the same run is recorded once per source."),
    )
    checked_at = models.DateTimeField(_("checked at"))
    outcome = models.CharField(_("outcome"), max_length=24, choices=Outcome.choices)
    # Why it failed, finer than the outcome (a refused connection, an invalid certificate): its label is the reason
    # in words. Blank for a success, and for checks recorded before it was (sources.choices.check_failure).
    # db_default too, so bulk loads that COPY named columns (bench/generate.py) need not name it.
    failure = models.CharField(
        _("reason"), max_length=24, choices=Failure.choices, blank=True, default="", db_default=""
    )
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    final_url = models.URLField(_("final url"), max_length=MAX_URL_LENGTH, blank=True)
    elapsed_ms = models.PositiveIntegerField(_("time taken (ms)"), default=0)
    error = models.TextField(_("error"), blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("link check")
        verbose_name_plural = _("link checks")
        ordering = ["-checked_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "run_key"], name="linkcheck_one_per_run"),
        ]
        indexes = [
            models.Index(fields=["source", "-checked_at"], name="linkcheck_source_time_idx"),
            # The dashboard's checks per day and health per week read a time window of every source's checks:
            # index-only, whatever the size of the history (sources.selectors).
            models.Index(fields=["checked_at"], include=["source", "outcome", "id"], name="linkcheck_checked_at_idx"),
        ]

    def __str__(self) -> str:
        # The admin's title and breadcrumbs for a check: in the reader's language and zone, the outcome by its label.
        return gettext("Source %(source)s: %(outcome)s at %(when)s") % {
            "source": self.source_id,
            "outcome": self.get_outcome_display(),
            "when": date_format(timezone.localtime(self.checked_at), "DATETIME_FORMAT"),
        }


class LinkCheckDay(models.Model):
    """Checks per day (settings.TIME_ZONE) and outcome: the dashboard's "checks per day", kept by sources.rollups."""

    day = models.DateField()
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    checks = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "outcome"], name="linkcheckday_one_per_outcome")]

    def __str__(self) -> str:
        return f"{self.day} {self.outcome}: {self.checks}"


class SourceHealthWeek(models.Model):
    """Sources checked in a week (Monday, settings.TIME_ZONE) by their health after their last check that week:
    the dashboard's "source health over time", kept by sources.rollups."""

    week = models.DateField()
    health = models.CharField(max_length=16, choices=Health.choices)
    # Not Positive: a delta applied to a row a repair has not rebuilt yet must never fail the check it comes with.
    sources = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["week", "health"], name="sourcehealthweek_one_per_health")]

    def __str__(self) -> str:
        return f"{self.week} {self.health}: {self.sources}"


class Capture(models.Model):
    """One fetch of a source kept as evidence: a WARC file of the request and the answer, the page's text as the
    drift check reads it, and the body's hash. A body equal to one this source already has stores no second file: the
    row points to the capture that holds it (``duplicate_of``). A failed fetch is a row too, with its reason."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="captures", verbose_name=_("source"))
    # The evidence whose citation or drift asked for it (none for a scheduled or a source's own capture). Named by
    # string: sources imports nothing of claims but its seam; the database holds the reference.
    evidence = models.ForeignKey(
        "claims.Evidence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="captures",
        verbose_name=_("evidence"),
    )
    reason = models.CharField(_("why taken"), max_length=16, choices=CaptureReason.choices)
    # Whoever asks for a capture names it; asking again with the same key (a redelivered task) takes no second one.
    key = models.CharField(_("capture key"), max_length=128)
    status = models.CharField(_("status"), max_length=8, choices=CaptureStatus.choices)
    failure = models.CharField(_("reason"), max_length=24, choices=Failure.choices, blank=True)
    error = models.TextField(_("error"), blank=True, help_text=_("The fetcher's own words, for diagnosis."))
    url = models.URLField(_("url"), max_length=MAX_URL_LENGTH, help_text=_("The url asked for: the source's."))
    final_url = models.URLField(
        _("final url"), max_length=MAX_URL_LENGTH, blank=True, help_text=_("Where the redirects led, if anywhere.")
    )
    fetched_at = models.DateTimeField(_("fetched at"))
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=255, blank=True)
    # Hex SHA-256 of the body as the server sent it, after the transfer's chunking is undone and before any content
    # decoding: the payload of the WARC's response record, byte for byte (README "Captures").
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    warc = models.FileField(_("WARC file"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("bytes stored"), default=0, help_text=_("0 when the file is shared."))
    text = models.TextField(
        _("page text"), blank=True, help_text=_("The page's text, read as the drift check reads it.")
    )
    # RESTRICT, not PROTECT: the file's holder cannot go while a capture shares its file, except with it (a source
    # deleted with all its captures).
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("same body as"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("capture")
        verbose_name_plural = _("captures")
        ordering = ["-fetched_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="capture_one_per_key"),
            # One file per body and source: a second capture of it points to the first (sources.capture).
            models.UniqueConstraint(
                fields=["source", "sha256"],
                condition=Q(status=CaptureStatus.OK, duplicate_of=None) & ~Q(warc=""),
                name="capture_one_file_per_body",
            ),
            models.CheckConstraint(
                condition=Q(status=CaptureStatus.OK) | Q(warc="", sha256="", duplicate_of=None),
                name="capture_failed_keeps_nothing",
            ),
        ]
        indexes = [
            # The latest capture of each source, and a source's captures newest first.
            models.Index(fields=["source", "-fetched_at", "-id"], name="capture_source_latest_idx"),
            # Which capture holds a body (a hash a reader verifies; the dedupe of a recapture).
            models.Index(fields=["sha256"], name="capture_sha256_idx"),
        ]

    def __str__(self) -> str:
        return gettext("Capture of source %(source)s at %(when)s") % {
            "source": self.source_id,
            "when": date_format(timezone.localtime(self.fetched_at), "DATETIME_FORMAT"),
        }

    @property
    def stored_warc(self):
        """The WARC this capture's body is in: its own, or the one it shares."""
        return self.duplicate_of.warc if self.duplicate_of_id else self.warc
