"""Reading lists as plain values.

The busy read endpoints build their rows from values() rather than model instances and serializers: same output
(tests compare them field by field), a fraction of the Python per row.
"""

from __future__ import annotations

from datetime import UTC

from rest_framework import serializers


def datetime_representation(field: serializers.DateTimeField):
    """field.to_representation, with the format and the current time zone looked up once (per request), not per value.

    Only for ISO 8601 in the current time zone (DRF's default, and ours); anything else is left to the field.
    """
    from rest_framework import ISO_8601
    from rest_framework.settings import api_settings

    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    zone = None if hasattr(field, "timezone") else field.default_timezone()
    if output_format is None or output_format.lower() != ISO_8601 or zone is None:
        return field.to_representation

    zone_is_utc = str(zone) in ("UTC", "Etc/UTC")

    def represent(value):
        if value.tzinfo is None:
            return field.to_representation(value)
        # psycopg hands timestamptz values over in UTC already: no conversion to make when the zone is UTC
        text = (value if zone_is_utc and value.tzinfo is UTC else value.astimezone(zone)).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return represent


_PLAIN_FIELDS = (
    serializers.CharField,
    serializers.IntegerField,
    serializers.BooleanField,
    serializers.ChoiceField,
)


class SerializerRows:
    """A serializer's output for values() rows (dicts keyed by each field's source), without a serializer per row.

    Strings, integers, booleans and choices pass through as the database gave them (what those fields return for
    such values); datetimes as DRF writes them, with its format looked up once; any other field through itself.
    """

    def __init__(self, serializer_class: type[serializers.Serializer]):
        fields = serializer_class().fields
        self.fields = []
        for name, field in fields.items():
            if isinstance(field, serializers.DateTimeField):
                convert = datetime_representation(field)
            elif isinstance(field, _PLAIN_FIELDS) and not isinstance(field, serializers.MultipleChoiceField):
                convert = None
            else:
                convert = field.to_representation
            self.fields.append((name, field.source, convert))

    @property
    def sources(self) -> list[str]:
        """The names to pass to values()."""
        return [source for _, source, _ in self.fields]

    def data(self, rows) -> list[dict]:
        fields = self.fields
        return [
            {
                name: value if (value := row[source]) is None or convert is None else convert(value)
                for name, source, convert in fields
            }
            for row in rows
        ]
