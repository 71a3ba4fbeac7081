"""The admin home with the reviewers' dashboard above the app list.

The site is Django's own AdminSite with index() given the dashboard; factcheck.apps.AdminConfig makes it the
default site, so every ``@admin.register`` and ``admin.site`` keep working. The figures come from
claims.dashboard (selectors, cached); this module only turns them into links and SVG charts (factcheck.charts).
"""

from __future__ import annotations

from collections import defaultdict
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import BadRequest
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from accounts.admin_site import PreferencesSiteMixin
from factcheck import charts
from sources.choices import OUTCOME_GROUPS, Health, outcome_group

from . import dashboard
from .admin_assign import ASSIGNED_ME, ASSIGNED_NOBODY, DUE_OVERDUE
from .choices import ClaimStatus, Verdict
from .selectors.visibility import user_sees_drafts


def _changelist(name: str, **params) -> str:
    url = reverse(f"admin:{name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def attention_items(board: dashboard.Dashboard, user) -> list[dict]:
    c = board.counts
    # What is in your hands first, then what waits for anyone.
    return [
        {
            "key": "assigned_mine",
            "count": board.mine["assigned"],
            "label": _("claims assigned to you, not yet published"),
            "url": _changelist("claims_claim", assigned=ASSIGNED_ME),
        },
        {
            "key": "overdue_mine",
            "count": board.mine["overdue"],
            "label": _("claims assigned to you and past their due date"),
            "url": _changelist("claims_claim", assigned=ASSIGNED_ME, due=DUE_OVERDUE),
        },
        {
            "key": "unassigned_in_review",
            "count": c["unassigned_in_review"],
            "label": _("claims in review that nobody is assigned to"),
            "url": _changelist("claims_claim", assigned=ASSIGNED_NOBODY),
        },
        {
            "key": "all_sources_dead",
            "count": c["all_sources_dead"],
            "label": _("claims with evidence whose every cited source is dead, none with an archived copy"),
            "url": _changelist("claims_claim", needs_attention="yes"),
        },
        {
            "key": "excerpt_missing",
            "count": c["excerpt_missing"],
            "label": _("pieces of evidence whose excerpt is no longer on the page"),
            "url": _changelist("claims_evidence", excerpt_status__exact="missing"),
        },
        {
            "key": "recheck_due",
            "count": c["recheck_due"],
            "label": _("claims past their recheck date"),
            "url": _changelist("claims_claim", recheck_due="yes"),
        },
        {
            "key": "unrated",
            "count": c["unrated"],
            "label": _("claims without a verdict"),
            "url": _changelist("claims_claim", verdict__exact=Verdict.UNRATED),
        },
        {
            "key": "turned_dead",
            "count": c["turned_dead"],
            "label": ngettext(
                "sources that turned dead in the last day",
                "sources that turned dead in the last %(days)d days",
                dashboard.TURNED_DEAD_DAYS,
            )
            % {"days": dashboard.TURNED_DEAD_DAYS},
            "url": _changelist("sources_source", turned_dead=f"{dashboard.TURNED_DEAD_DAYS}d"),
        },
    ]


def _grid(rows, categories, key_index: int = 1) -> dict:
    """{series key: [value per category]} from (category, key, n) rows."""
    position = {c: i for i, c in enumerate(categories)}
    grid = defaultdict(lambda: [0] * len(categories))
    for category, key, n in rows:
        if category in position:
            grid[key][position[category]] += n
    return grid


def verdict_chart(board: dashboard.Dashboard):
    if not board.verdicts_by_month:
        return charts.empty(
            _("No claim has been published yet. Published claims appear here by the month they were first published.")
        )
    grid = _grid(board.verdicts_by_month, board.verdict_months)
    order = [v for v in Verdict if v != Verdict.UNRATED] + [Verdict.UNRATED]
    return charts.stacked_bars(
        key="verdicts",
        title=_("Claims published per month, by verdict"),
        categories=[date_format(m, "YEAR_MONTH_FORMAT") for m in board.verdict_months],
        series=[charts.Series(v.value, str(v.label), v.colour, grid[v.value]) for v in order],
        unit=pgettext("chart unit", "claims"),
        label_every=2,
    )


def health_chart(board: dashboard.Dashboard):
    if not board.health_by_week:
        return charts.empty(
            _(
                "No source was checked in the last twelve weeks. Checks run on the schedule (Periodic tasks) or with "
                "“Check now” on the source list."
            )
        )
    grid = _grid(board.health_by_week, board.health_weeks)
    order = [h for h in Health if h != Health.UNKNOWN] + [Health.UNKNOWN]
    return charts.stacked_bars(
        key="health",
        title=_("Sources checked each week, by their health after the week's last check"),
        categories=[date_format(w, "MONTH_DAY_FORMAT") for w in board.health_weeks],
        series=[charts.Series(h.value, str(h.label), h.colour, grid[h.value]) for h in order],
        unit=pgettext("chart unit", "sources"),
        label_every=2,
    )


def checks_chart(board: dashboard.Dashboard):
    if not board.checks_by_day:
        return charts.empty(_("No link checks in the last 30 days."))
    rows = [(day, outcome_group(outcome).key, n) for day, outcome, n in board.checks_by_day]
    grid = _grid(rows, board.check_days)
    return charts.stacked_bars(
        key="checks",
        title=_("Link checks per day, by outcome"),
        categories=[date_format(d, "MONTH_DAY_FORMAT") for d in board.check_days],
        series=[charts.Series(g.key, str(g.label), g.colour, grid[g.key]) for g in OUTCOME_GROUPS],
        unit=pgettext("chart unit", "checks"),
        label_every=5,
    )


def domains_chart(board: dashboard.Dashboard):
    if not board.dead_domains:
        return charts.empty(_("No dead sources: every link checked so far still answers."))
    bars = [
        charts.Bar(
            label=row["domain"],
            value=row["dead"],
            colour=Health.DEAD.colour,
            tooltip=ngettext(
                "%(domain)s: %(dead)d dead, %(archived)d of them with an archived copy",
                "%(domain)s: %(dead)d dead, %(archived)d of them with an archived copy",
                row["dead"],
            )
            % {"domain": row["domain"], "dead": row["dead"], "archived": row["archived"]},
            href=_changelist("sources_source", health__exact="dead", domain=row["domain"]),
        )
        for row in board.dead_domains
    ]
    return charts.horizontal_bars(
        key="domains",
        title=_("The ten domains with the most dead sources"),
        bars=bars,
        unit=pgettext("chart unit", "dead sources"),
    )


def dashboard_context(request) -> dict:
    board = dashboard.dashboard_for(user=request.user)
    return {
        "empty_database": not board.counts["claims"] and not board.counts["sources"],
        "computed_at": min(board.computed_at, board.mine["computed_at"]),
        "cache_seconds": dashboard.CACHE_SECONDS,
        "desk_time_zone": settings.TIME_ZONE,
        "attention": attention_items(board, request.user),
        "oldest_unrated": [
            {
                "url": reverse("admin:claims_claim_change", args=[row["id"]]),
                "id": row["id"],
                "text": Truncator(row["text"]).chars(90),
                "status": row["status"],
                "status_label": ClaimStatus(row["status"]).label,
                "created_at": row["created_at"],
            }
            for row in board.oldest_unrated
        ],
        "charts": [
            {
                "key": "verdicts",
                "title": _("Verdicts per month"),
                "chart": verdict_chart(board),
                "caption": _(
                    "Published and retracted claims, by the month they were first published and their verdict now; "
                    "the last twelve months, or the twelve up to the newest publication when nothing was published "
                    "lately. Drafts and claims in review are not counted."
                ),
            },
            {
                "key": "health",
                "title": _("Source health over time"),
                "chart": health_chart(board),
                "caption": _(
                    "Each source checked in a week counts once, with its health after its last check that week (the "
                    "link-health rule, as the source list shows it). Sources not checked that week are not in its "
                    "bar; healthy ones are checked weekly, so a week's bar covers about all of them."
                ),
            },
            {
                "key": "checks",
                "title": _("Checks per day"),
                "chart": checks_chart(board),
                "caption": _(
                    "Every link check of the last 30 days by outcome. Rate limits, paywalls and blocked addresses "
                    "(grey) say nothing about the page and never count toward dead."
                ),
            },
            {
                "key": "domains",
                "title": _("Domains with the most dead sources"),
                "chart": domains_chart(board),
                "caption": _(
                    "Dead sources per domain, archived or not (the tooltip says how many have an archived copy). "
                    "Each bar opens that domain's dead sources."
                ),
            },
        ],
    }


def refuse_nul(view):
    """A 400 for a NUL anywhere in the query string or the url's parts. PostgreSQL refuses NUL in text, so a NUL in
    a search term, a list filter or an autocomplete term would otherwise reach the database as an error (a 500)."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        query = (part for key, values in request.GET.lists() for part in (key, *values))
        if any("\x00" in part for part in query) or any("\x00" in str(part) for part in (*args, *kwargs.values())):
            raise BadRequest(_("The address contains a NUL character, which no search or filter can match."))
        return view(request, *args, **kwargs)

    return guarded


class ReviewerAdminSite(PreferencesSiteMixin, admin.AdminSite):
    """Django's admin, whose home shows reviewers the dashboard above the app list; each user's language and time
    zone are set on its preferences page (accounts)."""

    index_template = "admin/dashboard_index.html"
    # The models are one row of links in the header (factcheck/templates/admin/base_site.html): the 275 px sidebar
    # would take the room the claim list and the claim page's inlines need at 1280 px.
    enable_nav_sidebar = False

    def admin_view(self, view, cacheable=False):
        # Every admin page goes through here (model admins' lists and forms, autocomplete, the import pages).
        return super().admin_view(refuse_nul(view), cacheable)

    def index(self, request, extra_context=None):
        context = dict(extra_context or {})
        # The dashboard counts drafts and claims in review: reviewers only (user_sees_drafts, as the API).
        if user_sees_drafts(request.user):
            context["dashboard"] = dashboard_context(request)
        return super().index(request, context)
