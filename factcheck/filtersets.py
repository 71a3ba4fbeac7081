"""FilterSets narrowed per request: selectors filter through them, and they are no part of the API layer."""

from __future__ import annotations

import datetime as dt
import functools

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import FilterSet
from django_filters.fields import BaseCSVField


def filterset_for(filterset_class: type[FilterSet], params) -> type[FilterSet]:
    """The FilterSet class with only the filters the request names (the others would do nothing).

    django-filter deep-copies every filter and builds a form field for each on every request; a request usually
    names none or one.
    """
    return _narrowed(filterset_class, frozenset(name for name in params if name in filterset_class.base_filters))


@functools.lru_cache(maxsize=256)
def _narrowed(filterset_class: type[FilterSet], names: frozenset[str]) -> type[FilterSet]:
    narrowed = type(filterset_class.__name__, (filterset_class,), {"__module__": filterset_class.__module__})
    narrowed.base_filters = {name: f for name, f in filterset_class.base_filters.items() if name in names}
    form_class = None

    def get_form_class(self):  # the same fields for every request: built once per set of names
        nonlocal form_class
        if form_class is None:
            form_class = filterset_class.get_form_class(self)
        return form_class

    narrowed.get_form_class = get_form_class
    return narrowed


def filtered(filterset_class: type[FilterSet], params, queryset):
    """``queryset`` filtered by the request's parameters; a bad parameter is a ValidationError naming it."""
    from django.core.exceptions import ValidationError

    filterset = filterset_for(filterset_class, params)(data=params, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError({name: list(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


# --- Filters every FilterSet uses for comma-separated and date parameters -----------------------------------------


class CommaSeparatedField(BaseCSVField):
    """A comma-separated list with no empty item: ``a,`` or ``,`` is a mistake to point out, not a value ``""``."""

    default_error_messages = {"empty_item": _("Separate the values with single commas; an empty one is not allowed.")}

    def clean(self, value):
        if value and any(item in self.empty_values for item in value):
            raise forms.ValidationError(self.error_messages["empty_item"], code="empty_item")
        return super().clean(value)


class ChoiceInFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """One choice or several, comma-separated; an unknown or empty one is an error naming the parameter."""

    base_field_class = CommaSeparatedField


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of ``day`` in the site's time zone and the first of the next; OverflowError at the edges of
    the calendar (the day after 9999-12-31, or a start before year 1 in UTC)."""
    start, end = (timezone.make_aware(dt.datetime.combine(d, dt.time.min)) for d in (day, day + dt.timedelta(days=1)))
    for bound in (start, end):
        bound.astimezone(dt.UTC)  # PostgreSQL and the cursors compare them in UTC
    return start, end


class DayField(forms.DateField):
    """An ISO date (YYYY-MM-DD) that stands for a whole day, so the day and its end must both exist."""

    default_error_messages = {"out_of_range": _("“%(value)s” is outside the dates this filter can search.")}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(*args, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None:
            try:
                day_bounds(value)
            except OverflowError as exc:
                raise forms.ValidationError(
                    self.error_messages["out_of_range"], code="out_of_range", params={"value": value}
                ) from exc


class DayFilter(django_filters.DateFilter):
    """Rows whose ``field_name`` falls on or after (``edge="after"``) or on or before (``"before"``) that day."""

    field_class = DayField

    def __init__(self, *args, edge: str, **kwargs):
        if edge not in ("after", "before"):
            raise ValueError(f"edge is 'after' or 'before', not {edge!r}")
        self.edge = edge
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        start, end = day_bounds(value)
        if self.edge == "after":
            return qs.filter(**{f"{self.field_name}__gte": start})
        return qs.filter(**{f"{self.field_name}__lt": end})
