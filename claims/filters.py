"""The one FilterSet of claims: the API, the export and the selectors all filter through it."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from factcheck import filtersets
from factcheck.db import InConstants
from sources.choices import Health

from . import search
from .choices import ClaimStatus, Verdict
from .models import Claim, Evidence
from .selectors.attention import needs_attention_condition
from .selectors.reviews import disagreement_condition

ORDERINGS = ("reviewed_at", "-reviewed_at", "created_at", "-created_at")


class ChoiceInFilter(filtersets.ChoiceInFilter):
    """The shared rule for comma-separated choices, with the values written into the SQL."""

    def filter(self, qs, value):
        if not value:
            return qs
        # Validated choices, so written into the SQL: each set of values gets its own plan, kept by the prepared
        # statement, where a parameter made PostgreSQL re-plan every request (factcheck.db.InConstants).
        return qs.filter(InConstants(self.field_name, value))


class StrictBooleanField(forms.Field):
    """true/false (or 1/0, yes/no); anything else is an error rather than being ignored."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        word = str(value).strip().lower()
        if word in ("true", "1", "yes"):
            return True
        if word in ("false", "0", "no"):
            return False
        raise forms.ValidationError(
            _("“%(value)s” is not a boolean; use true or false.") % {"value": value}, code="invalid"
        )


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class ClaimFilterSet(django_filters.FilterSet):
    verdict = ChoiceInFilter(choices=Verdict.choices, help_text="One verdict or several, comma-separated.")
    status = ChoiceInFilter(choices=ClaimStatus.choices, help_text="One status or several, comma-separated.")
    language = django_filters.CharFilter(
        method="filter_language",
        help_text="BCP 47 tag; `zh` also matches `zh-Hans`, `zh-CN`. With `q`, the query is stemmed in this language.",
    )
    claimant = django_filters.CharFilter(
        field_name="claimant", lookup_expr="iexact", help_text="Who made the claim (exact, case-insensitive)."
    )
    article = django_filters.NumberFilter(field_name="article_id", help_text="Article id.")
    tag = django_filters.CharFilter(method="filter_tag", help_text="Tag name.")
    source_health = django_filters.ChoiceFilter(
        choices=Health.choices,
        method="filter_source_health",
        help_text="Claims citing at least one source in this state, e.g. `dead`.",
    )
    needs_recheck = StrictBooleanFilter(
        field_name="needs_recheck", help_text="Claims past their recheck_after date (flagged daily for re-review)."
    )
    needs_attention = StrictBooleanFilter(
        method="filter_needs_attention", help_text="Claims whose every cited source is dead with no archived copy."
    )
    disagreement = StrictBooleanFilter(
        method="filter_disagreement",
        help_text="Claims whose reviews, other fact-checkers' and ours, fall on different sides (true or mostly "
        "true against false, mostly false or misleading).",
    )
    reviewed_after = filtersets.DayFilter(
        field_name="reviewed_at", edge="after", help_text="ISO date (YYYY-MM-DD); reviewed on or after that day."
    )
    reviewed_before = filtersets.DayFilter(
        field_name="reviewed_at", edge="before", help_text="ISO date (YYYY-MM-DD); reviewed on or before that day."
    )
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=256,
        help_text="Full text over quote, text, claimant and article title, web-search style: words are all "
        'required, "exact phrase", -excluded, OR. Words are stemmed in the language `language` names, else in every '
        "language we import; Chinese in either script. Results are ranked by relevance and carry a `snippet`.",
    )
    ordering = django_filters.ChoiceFilter(
        choices=[(o, o) for o in ORDERINGS],
        method="filter_ordering",
        help_text="Sort key; newest id first by default. With `q`, relevance comes first and this breaks ties.",
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    def filter_language(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(language=value) | Q(language__startswith=f"{value}-"))

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        tagged = Claim.tags.through.objects.filter(claim_id=OuterRef("pk"), tag__name=value)
        return queryset.filter(Exists(tagged))

    def filter_source_health(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        citing = Evidence.objects.filter(claim_id=OuterRef("pk"), source__health=value)
        return queryset.filter(Exists(citing))

    def filter_needs_attention(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        condition = needs_attention_condition()
        return queryset.filter(condition if value else ~condition)

    def filter_disagreement(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        condition = disagreement_condition()
        return queryset.filter(condition if value else ~condition)

    # q and ordering act together, after the other filters (see filter_queryset).
    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset

    def filter_ordering(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        ranked = False
        q = self.form.cleaned_data.get("q")
        if q:
            try:
                queryset = search.search_claims(queryset, q, language=self.form.cleaned_data.get("language") or None)
            except search.QueryError as exc:
                raise ValidationError({"q": [str(exc)]}) from exc
            ranked = True
        ordering = self.form.cleaned_data.get("ordering")
        keys = [ordering] if ordering else []
        if ranked:
            # Relevance first: it also keeps PostgreSQL from walking an index on the sort key and filtering
            # every row by the match (the planner trap measured in MEASUREMENTS.md).
            keys = ["-rank", *keys]
        if not keys or keys[-1].lstrip("-") != "id":
            keys.append("id" if keys and not keys[-1].startswith("-") else "-id")
        return queryset.order_by(*keys)
