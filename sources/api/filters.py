import django_filters

from sources.choices import Health
from sources.models import Source


class HealthInFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """One state or several, comma-separated; an unknown one is an error naming the parameter."""


class SourceFilterSet(django_filters.FilterSet):
    health = HealthInFilter(choices=Health.choices, help_text="ok, failing, dead or unknown; comma-separated.")
    domain = django_filters.CharFilter(
        method="filter_domain", help_text="Host name, e.g. `example.org` (case-insensitive)."
    )

    class Meta:
        model = Source
        fields: list[str] = []

    def filter_domain(self, queryset, name, value):
        # Stored lower-case and IDN in punycode (sources.urlnorm), so an exact match can use the index.
        try:
            value = value.strip().lower().encode("idna").decode("ascii")
        except UnicodeError:
            value = value.strip().lower()
        return queryset.filter(domain=value)
