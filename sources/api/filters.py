import django_filters

from factcheck.filtersets import ChoiceInFilter
from sources.choices import Health
from sources.models import Source


class SourceFilterSet(django_filters.FilterSet):
    health = ChoiceInFilter(choices=Health.choices, help_text="ok, failing, dead or unknown; comma-separated.")
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
