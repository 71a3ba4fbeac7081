"""Plumbing shared by the claims and sources APIs: who may write, throttling, keyset pagination, errors.

It lives at project level because both apps' APIs use it and `sources` must not import from `claims.api`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import orjson
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import BooleanField, DecimalField, F, Func, Q, QuerySet, Value
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, parsers, permissions, renderers, serializers, throttling
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils import encoders
from rest_framework.utils.urls import remove_query_param, replace_query_param


def is_reviewer(user) -> bool:
    """Reviewers (the Reviewer group, or staff given the permission) see drafts and may write."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm("claims.change_claim"))


class ReadAnyoneWriteReviewers(permissions.BasePermission):
    """Anyone may read (what they see is decided by the selectors); writes need the model permission.

    A view names the permission each write method needs in `write_permissions`; without it, reviewers only.
    """

    message = "Only reviewers may change claims and evidence."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if not (user and user.is_authenticated):
            return False
        needed = getattr(view, "write_permissions", {}).get(request.method)
        if needed:
            return user.is_active and user.has_perms(needed)
        return is_reviewer(user)


class AnonThrottle(throttling.AnonRateThrottle):
    """Anonymous requests per client address; the rate is the API_ANON_THROTTLE_RATE setting, read per request.

    With Redis (REDIS_URL) the count is a sliding-window counter: this window's and the last window's totals, the
    last one weighted by how much of it still overlaps. One round trip and two small integers per request, where
    DRF's own log of timestamps costs a read and a rewrite of up to `rate` entries (0.3-0.6 ms a request,
    make bench). Without Redis (make run) DRF's log in the local cache does it.
    """

    key_prefix = "throttle:anon:"

    def get_rate(self) -> str | None:
        return settings.API_ANON_THROTTLE_RATE or None

    def get_ident(self, request) -> str:
        from factcheck.security import client_ip

        return client_ip(request)

    def allow_request(self, request, view) -> bool:
        # Fail open: with Redis away (and a cache that raises), serving unthrottled beats refusing everyone.
        from factcheck.failsafe import REDIS_DOWN, warn_unavailable

        if self.rate is None or request.user.is_authenticated:  # signed-in users are not counted (as in DRF)
            return True
        try:
            client = throttle_redis()
            if client is None:
                return super().allow_request(request, view)
            return self._allow_counted(client, self.get_ident(request))
        except REDIS_DOWN as exc:
            warn_unavailable("throttle cache (Redis)", exc)
            return True

    def _allow_counted(self, client, ident: str) -> bool:
        now = self.timer()
        window, into = divmod(now, self.duration)
        keys = [self._key(ident, int(window)), self._key(ident, int(window) - 1)]
        overlap = 1 - into / self.duration
        allowed, current, previous = _count_script(client)(
            keys=keys, args=[self.num_requests, repr(overlap), int(2 * self.duration)]
        )
        if allowed:
            return True
        self._retry_after = sliding_window_wait(
            previous=previous, current=current, limit=self.num_requests, duration=self.duration, into=into
        )
        return False

    @classmethod
    def _key(cls, ident: str, window: int) -> str:
        return f"{cls.key_prefix}{{{ident}}}:{window}"  # {ident}: both windows in one Redis Cluster slot

    def wait(self) -> float | None:
        if hasattr(self, "_retry_after"):
            return self._retry_after
        return super().wait()

    @classmethod
    def reset(cls, ident: str) -> None:
        """Forget a client's count (an operator unblocking an address; tests)."""
        from django.core.cache import cache

        client = throttle_redis()
        if client is not None:
            keys = list(client.scan_iter(f"{cls.key_prefix}{{{ident}}}:*"))
            if keys:
                client.delete(*keys)
        cache.delete(f"throttle_anon_{ident}")


def sliding_window_wait(*, previous: int, current: int, limit: int, duration: float, into: float) -> float:
    """Seconds until one more request fits: previous * (1 - t / duration) + current + 1 <= limit at time t."""
    room = limit - 1 - current
    left = duration - into
    if previous and room >= 0:
        # still in this window: wait until enough of the last window has slid out
        wait = left - duration * room / previous
    else:
        # only in a later window, when this window's count is the one sliding out
        wait = left + duration * max(0.0, 1 - (limit - 1) / current) if current else left
    return max(wait, 1.0)  # Retry-After is in whole seconds; never tell a refused client "now"


_throttle_clients: dict[str, object] = {}
_scripts: dict[int, object] = {}

# Count the request in this window and weigh the last one's, in one round trip; a refused request is not counted.
# KEYS: this window, the last one. ARGV: the limit, how much of the last window still overlaps, the keys' lifetime.
_COUNT_LUA = """
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * tonumber(ARGV[2]) + current <= tonumber(ARGV[1]) then return {1, current, previous} end
redis.call('DECR', KEYS[1])
return {0, current - 1, previous}
"""


def _count_script(client):
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts[id(client)] = client.register_script(_COUNT_LUA)
    return script


def throttle_redis():
    """A Redis client for the throttle counters (one per process and url), or None without REDIS_URL."""
    import redis

    url = settings.REDIS_URL
    if not url:
        return None
    client = _throttle_clients.get(url)
    if client is None:
        client = _throttle_clients[url] = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    return client


class JSONParser(parsers.JSONParser):
    """DRF's parser, but a body nested too deep for Python's parser is a 400 like any other bad JSON."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError("JSON parse error - the body is nested too deeply.") from exc


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer with orjson doing the encoding: the same bytes for what the API sends, many times faster.

    Compact UTF-8 with U+2028 and U+2029 escaped, as DRF writes it; datetimes, decimals, lazy strings and the
    like through DRF's own encoder. Indented output (the browsable API, `; indent=`), other REST_FRAMEWORK JSON
    settings and anything orjson refuses (such as non-string keys or huge integers) take DRF's path.
    """

    _encoder = encoders.JSONEncoder()
    _options = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS

    def render(self, data, accepted_media_type=None, renderer_context=None):
        plain = self.compact and not self.ensure_ascii and self.strict and self.encoder_class is encoders.JSONEncoder
        indent = self.get_indent(accepted_media_type or "", renderer_context or {})
        if data is None or not plain or indent is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=self._encoder.default, option=self._options)
        except (orjson.JSONEncodeError, TypeError, ValueError):
            return super().render(data, accepted_media_type, renderer_context)
        return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")


class SchemaOnlyFilterBackend(DjangoFilterBackend):
    """Describes the view's FilterSet in the OpenAPI schema; the selectors apply it (views stay thin)."""

    def filter_queryset(self, request, queryset, view):
        return queryset


def exception_handler(exc, context):
    # Errors users can cause are Django ValidationErrors in services and selectors: they are 400s here.
    from rest_framework.views import exception_handler as drf_exception_handler  # not at import: DRF settings

    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


# --- Keyset pagination -----------------------------------------------------------------------------------


class RowCompare(Func):
    """`(a, b, c) < (x, y, z)`: one comparison an index on (a, b, c) can serve."""

    output_field = BooleanField()

    def __init__(self, names: Sequence[str], values: Sequence, operator: str):
        self.width = len(names)
        self.operator = operator
        super().__init__(*(F(n) for n in names), *(_position(v) for v in values), output_field=BooleanField())

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.source_expressions:
            sql, p = compiler.compile(expression)
            parts.append(sql)
            params.extend(p)
        left, right = ", ".join(parts[: self.width]), ", ".join(parts[self.width :])
        return f"({left}) {self.operator} ({right})", params


def _position(value) -> Value:
    # An integer beyond 64 bits (a made-up cursor) is still a position: after or before every row. Sent as a
    # numeric, since a bound parameter cannot hold it as an integer.
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        return Value(Decimal(value), output_field=DecimalField())
    return Value(value)


@dataclass(frozen=True)
class Key:
    name: str
    desc: bool
    nullable: bool
    field: object | None  # the model field, for parsing cursor values; None for annotations (rank)

    def flipped(self) -> Key:
        return Key(self.name, not self.desc, self.nullable, self.field)

    def order_by(self):
        # Nulls last ascending, first descending: PostgreSQL's own order, so an index on the column serves it,
        # and the same order on SQLite.
        return F(self.name).desc(nulls_first=True) if self.desc else F(self.name).asc(nulls_last=True)

    def equal(self, value) -> Q:
        return Q(**{f"{self.name}__isnull": True}) if value is None else Q(**{self.name: value})

    def after(self, value) -> Q:
        if self.desc:
            return Q(**{f"{self.name}__isnull": False}) if value is None else Q(**{f"{self.name}__lt": value})
        if value is None:
            return Q(pk__in=[])
        condition = Q(**{f"{self.name}__gt": value})
        return condition | Q(**{f"{self.name}__isnull": True}) if self.nullable else condition


def keyset_keys(queryset: QuerySet) -> list[Key]:
    """The ordering of the queryset as keys, ending with the primary key so every position is unique."""
    model = queryset.model
    pk_name = model._meta.pk.name
    names = [n for n in queryset.query.order_by if isinstance(n, str)] or [f"-{pk_name}"]
    keys = []
    for raw in names:
        name = raw.lstrip("-")
        name = pk_name if name == "pk" else name
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        keys.append(Key(name, raw.startswith("-"), bool(field is not None and field.null), field))
    if keys[-1].name != pk_name:
        keys.append(Key(pk_name, keys[-1].desc, False, model._meta.pk))
    return keys


def keyset_after(keys: Sequence[Key], values: Sequence) -> Q | RowCompare:
    """Rows strictly after `values` in the order of `keys`."""
    uniform = len({k.desc for k in keys}) == 1
    only_first_nullable = all(not k.nullable for k in keys[1:])
    if uniform and only_first_nullable and values[0] is not None:
        compare = RowCompare([k.name for k in keys], values, "<" if keys[0].desc else ">")
        if keys[0].nullable and not keys[0].desc:
            return Q(compare) | Q(**{f"{keys[0].name}__isnull": True})
        return compare
    condition = Q(pk__in=[])
    for i, key in enumerate(keys):
        term = key.after(values[i])
        for earlier, value in zip(keys[:i], values[:i], strict=False):
            term &= earlier.equal(value)
        condition |= term
    return condition


def _dump(value):
    return value.isoformat() if isinstance(value, (datetime, date)) else value


def _load(key: Key, value):
    if value is None:
        return None
    if key.field is None:
        return float(value)
    return key.field.to_python(value)


class KeysetPagination(BasePagination):
    """Cursor pagination on the queryset's own ordering (several keys, nulls, annotations such as `rank`).

    No COUNT: a page reads page_size + 1 rows after the cursor's position, which an index on the ordering
    columns answers at any depth. `page_size` up to API_MAX_PAGE_SIZE; larger asks are capped.
    """

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def get_page_size(self, request) -> int:
        default, most = settings.API_PAGE_SIZE, settings.API_MAX_PAGE_SIZE
        try:
            asked = int(request.query_params.get(self.page_size_query_param, default))
        except (TypeError, ValueError):
            return default
        return max(1, min(asked, most))

    def decode_cursor(self, request, keys: Sequence[Key]):
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return None, False
        try:
            data = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"=" * (-len(raw) % 4)))
            values = data["p"]
            if len(values) != len(keys):
                raise ValueError("wrong length")
            return [_load(k, v) for k, v in zip(keys, values, strict=True)], bool(data.get("r"))
        except (ValueError, KeyError, TypeError, binascii.Error, DjangoValidationError, UnicodeError) as exc:
            raise exceptions.ValidationError({self.cursor_query_param: ["Invalid cursor."]}) from exc

    def encode_cursor(self, obj, *, reverse: bool) -> str:
        # Rows are model instances, or dicts from values() (the claims list).
        payload = {"p": [_dump(obj[k.name] if isinstance(obj, dict) else getattr(obj, k.name)) for k in self.keys]}
        if reverse:
            payload["r"] = 1
        raw = json.dumps(payload, separators=(",", ":")).encode()
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, base64.urlsafe_b64encode(raw).decode().rstrip("="))

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = size = self.get_page_size(request)
        self.keys = keys = keyset_keys(queryset)
        position, reverse = self.decode_cursor(request, keys)
        walk = [k.flipped() for k in keys] if reverse else keys
        queryset = queryset.order_by(*(k.order_by() for k in walk))
        if position is not None:
            queryset = queryset.filter(keyset_after(walk, position))
        rows = list(queryset[: size + 1])
        has_more = len(rows) > size
        rows = rows[:size]
        if reverse:
            rows.reverse()
        self.next_url = self.previous_url = None
        if rows:
            # Forward: more after this page, or we came from somewhere. Backward: the mirror image.
            if (has_more and not reverse) or reverse:
                self.next_url = self.encode_cursor(rows[-1], reverse=False)
            if (has_more and reverse) or (position is not None and not reverse):
                self.previous_url = self.encode_cursor(rows[0], reverse=True)
        return rows

    def get_paginated_response(self, data):
        return Response({"next": self.next_url, "previous": self.previous_url, "results": data})

    def first_page_url(self) -> str:
        return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque position from a `next` or `previous` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {settings.API_PAGE_SIZE}, at most "
                f"{settings.API_MAX_PAGE_SIZE}; larger asks are capped).",
                "schema": {"type": "integer"},
            },
        ]


# --- Reading lists as plain values -----------------------------------------------------------------------
# The busy read endpoints build their rows from values() rather than model instances and serializers: same
# output (tests compare them field by field), a fraction of the Python per row (make bench).


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
