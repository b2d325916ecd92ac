"""The canonical form of values and rows: what the changes map holds and the hash covers."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils import timezone


def history_value(value: Any) -> Any:
    """A JSON-safe, canonical form of a field value for the changes map and the hash."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): history_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [history_value(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    return str(value)


def canonical_json(data: Any) -> str:
    """Sorted keys, no spaces, UTF-8 as is: the bytes the hash and the exports are built from."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def tracked_fields(instance: models.Model) -> list[models.Field[Any, Any]]:
    exclude: frozenset[str] = getattr(instance, "HISTORY_EXCLUDE", frozenset())
    return [
        f for f in instance._meta.concrete_fields
        if not f.primary_key and f.name not in exclude
    ]


def field_value(field: models.Field[Any, Any], instance: models.Model) -> Any:
    value = field.value_from_object(instance)
    # Decimal("80000") and the stored Decimal("80000.00") are the same amount: compare at the field's scale.
    if isinstance(field, models.DecimalField) and isinstance(value, Decimal) and value.is_finite():
        with contextlib.suppress(InvalidOperation):  # too many digits: validation will refuse it
            value = value.quantize(Decimal(1).scaleb(-(field.decimal_places or 0)))
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """Field name -> canonical value (foreign keys by id) of every tracked field."""
    return {f.name: history_value(field_value(f, instance)) for f in tracked_fields(instance)}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def object_type_of(instance: models.Model | type[models.Model]) -> str:
    return instance._meta.label_lower
