"""Several lists in one query: a `.values()` queryset's rows as one JSON array column.

`JSONRows(queryset)` is a scalar subquery, `(SELECT <json array of the rows> FROM (<queryset>) r)`,
to annotate on another query; `decode(text, queryset)` gives back the rows the queryset itself
would give, each value of its field's type (dates, Decimals, booleans). The plan page uses it to
read the four lists only it shows with the plan's row, instead of four round trips.
`prepared_json_rows(prepared, *args)` is the same column from a shape compiled once
(projects/selectors/prepared.py): no queryset is built or compiled per request.

PostgreSQL builds the array with JSONB_AGG(TO_JSONB(r)) (exact numerics), SQLite with
JSON_GROUP_ARRAY(JSON_OBJECT(...)); elsewhere `supported()` is False and callers run the
queryset itself. Order is the caller's to restore (an aggregate keeps no ORDER BY).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    QuerySet,
    Subquery,
    TextField,
)
from django.db.models.expressions import RawSQL
from django.utils.dateparse import parse_datetime

from .prepared import Prepared

VENDORS = ("postgresql", "sqlite")


def supported() -> bool:
    return connection.vendor in VENDORS


class JSONRows(Subquery):
    output_field = TextField()

    def __init__(self, queryset: QuerySet[Any]) -> None:
        self.columns = [name for name, _ in _converters(queryset)]
        if not all(name.isidentifier() for name in self.columns):
            raise ValueError(f"column names must be identifiers: {self.columns}")
        super().__init__(queryset, output_field=TextField())

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        inner, params = self.query.as_sql(compiler, connection)
        return _array_of(inner, self.columns), params

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        inner, params = self.query.as_sql(compiler, connection)
        return _array_of(inner, self.columns), params


def prepared_json_rows(prepared: Prepared, *args: Any) -> RawSQL:
    """JSONRows of `prepared.queryset(*args)`, from the SQL compiled once for its shape."""
    inner, params = prepared.sql(*args)
    columns = [name for name, _ in _prepared_converters(prepared)]
    # `inner` is Django's compiled SQL for a shape written in the code, its values in `params`.
    return RawSQL(_array_of(inner, columns), params, output_field=TextField())  # noqa: S611  # nosec B611


def _array_of(inner: str, columns: list[str]) -> str:
    """`inner` (a parenthesised subquery Django compiled; its values are parameters) as one JSON array."""
    if connection.vendor == "postgresql":
        return f"(SELECT COALESCE(JSONB_AGG(TO_JSONB(r)), '[]'::jsonb)::text FROM {inner} r)"  # noqa: S608  # nosec B608 - compiled SQL
    # The keys are the queryset's column names (identifiers written in the code, checked in JSONRows).
    pairs = ", ".join(f"'{name}', r.{connection.ops.quote_name(name)}" for name in columns)
    return f"(SELECT COALESCE(JSON_GROUP_ARRAY(JSON_OBJECT({pairs})), '[]') FROM {inner} r)"  # noqa: S608  # nosec B608 - compiled SQL


def decode(text: str | None, shape: QuerySet[Any] | Prepared) -> list[dict[str, Any]]:
    """The rows of a JSONRows column, typed as the queryset's own rows are."""
    converters = _prepared_converters(shape) if isinstance(shape, Prepared) else _converters(shape)
    rows = json.loads(text or "[]", parse_float=Decimal)
    return [{name: convert(row.get(name)) for name, convert in converters} for row in rows]


_OF_PREPARED: dict[tuple[int, str], tuple[tuple[str, Any], ...]] = {}


def _prepared_converters(prepared: Prepared) -> tuple[tuple[str, Any], ...]:
    key = (id(prepared), connection.vendor)  # prepared shapes live as long as the process
    found = _OF_PREPARED.get(key)
    if found is None:
        found = _OF_PREPARED[key] = _converters(prepared.queryset(*prepared.samples[0]))
        if not all(name.isidentifier() for name, _ in found):
            raise ValueError(f"column names must be identifiers: {[name for name, _ in found]}")
    return found


_BY_KEY: dict[Any, tuple[tuple[str, Any], ...]] = {}  # a handful of shapes, fixed by the code


def _converters(queryset: QuerySet[Any]) -> tuple[tuple[str, Any], ...]:
    query = queryset.query
    key = (queryset.model, tuple(query.values_select), tuple(query.annotation_select), connection.vendor)
    return _converters_of(key, queryset)


def _converters_of(key: Any, queryset: QuerySet[Any]) -> tuple[tuple[str, Any], ...]:
    """Each output column and its converter, from the compiled select (once per query shape)."""
    cached = _BY_KEY.get(key)
    if cached is None:
        compiler = queryset.query.get_compiler(connection=connection)
        compiler.setup_query()
        fields = tuple((alias, column.output_field) for column, _, alias in compiler.select if alias)
        cached = _BY_KEY[key] = tuple((name, _convert_for(field)) for name, field in fields)
    return cached


def _convert_for(field: Any) -> Any:
    if isinstance(field, DateTimeField):
        return lambda v: parse_datetime(v) if isinstance(v, str) else v
    if isinstance(field, DateField):
        return lambda v: dt.date.fromisoformat(v[:10]) if isinstance(v, str) else v
    if isinstance(field, DecimalField):
        places = Decimal(1).scaleb(-(field.decimal_places or 0))
        return lambda v: None if v is None else Decimal(v).quantize(places)
    if isinstance(field, BooleanField):
        return lambda v: None if v is None else bool(v)
    return lambda v: v
