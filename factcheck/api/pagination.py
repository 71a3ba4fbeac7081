"""Keyset pagination: cursor pagination on the queryset's own ordering, with no COUNT."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import BooleanField, DecimalField, F, Func, Q, QuerySet, Value
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


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
        # Nulls last ascending, first descending: PostgreSQL's own order, so an index on the column serves it.
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
            raise exceptions.ValidationError({self.cursor_query_param: [_("Invalid cursor.")]}) from exc

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

    def link_header(self) -> str | None:
        """The same two links as an RFC 8288 ``Link`` header value (rel="next", rel="prev"), for a body with no room
        for ``next``/``previous``: the ClaimReview DataFeed, which holds schema.org terms only. None on a lone page."""
        links = [(self.next_url, "next"), (self.previous_url, "prev")]
        return ", ".join(f'<{url}>; rel="{rel}"' for url, rel in links if url) or None

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
