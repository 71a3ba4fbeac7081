"""The site's own rows: the desk's pages (edited in the admin) and the tips readers send."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from claims.models import Claim
from sources.urlnorm import MAX_URL_LENGTH


class PageSlug(models.TextChoices):
    """The desk's pages, each with its route (public/urls.py names them public-<slug>)."""

    ABOUT = "about", _("About us")
    METHODOLOGY = "methodology", _("Methodology")
    CORRECTIONS_POLICY = "corrections-policy", _("Corrections policy")
    FUNDING = "funding", _("Funding and ownership")
    CONTACT = "contact", _("Contact")

    @property
    def url_name(self) -> str:
        return f"public-{self.value}"


class Page(models.Model):
    """One of the desk's pages in one language. Readers get their language's, else the English one."""

    slug = models.CharField(max_length=32, choices=PageSlug.choices)
    language = models.CharField(max_length=16, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    title = models.CharField(max_length=200)
    body = models.TextField(
        help_text=_(
            "Markdown: ## for a heading, **bold**, [a link](/about/methodology/), - for a list. HTML is shown as "
            "text, not run."
        )
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ("slug", "language")
        constraints = [models.UniqueConstraint(fields=("slug", "language"), name="public_page_one_per_language")]

    def __str__(self) -> str:
        return f"{self.get_slug_display()} ({self.language})"

    def get_absolute_url(self) -> str:
        return reverse(PageSlug(self.slug).url_name)


class TipStatus(models.TextChoices):
    NEW = "new", _("New")
    REVIEWED = "reviewed", _("Reviewed")
    TURNED_INTO_CLAIM = "turned_into_claim", _("Turned into claim")
    DISCARDED = "discarded", _("Discarded")


class TipKind(models.TextChoices):
    """What the reader sent: a claim to check, or a report of an error in one of our fact-checks."""

    CLAIM = "claim", _("Claim to check")
    ERROR_REPORT = "error_report", _("Error report")


class Tip(models.Model):
    """What a reader sent through /tips/. No address is kept: `client_hash` is an HMAC of it (SECRET_KEY-derived
    key), enough to count one client's tips for the rate limit and nothing more."""

    text = models.TextField()
    url = models.URLField(max_length=MAX_URL_LENGTH, blank=True, help_text=_("Stored in canonical form."))
    language = models.CharField(max_length=35, blank=True, help_text=_("BCP 47 tag the reader chose."))
    contact = models.EmailField(blank=True)
    kind = models.CharField(max_length=16, choices=TipKind.choices, default=TipKind.CLAIM)
    status = models.CharField(max_length=24, choices=TipStatus.choices, default=TipStatus.NEW)
    # The published claim it matched (already checked), the claim it reports an error in, or the claim it became.
    matched_claim = models.ForeignKey(Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="tips")
    client_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("status", "-created_at"), name="public_tip_status_created")]

    def __str__(self) -> str:
        return self.text[:60]
