"""Seal changes made outside the application into the hash chain (PostgreSQL).

The capture triggers (guards.py) copy every domain-row change made by a transaction that
recorded no history event — `QuerySet.update()`, `bulk_update`, raw SQL in a shell or a
migration — into `pmc_outside_write`. Sealing turns each captured change into a history
event (source "database", `outside_app=True`, old -> new per field, the database user in
the context) through `record_event`, and removes it from the capture table in the same
transaction. It runs from `manage.py seal_history`, from a periodic task, and just in time
before the history is read, so the timeline never misses a captured change.
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, models, transaction

from plans.models import Source
from plans.services.history import Actor, diff, history_value, record_event, tracked_fields

from .guards import CAPTURE_TABLE, captured_models

ACTIONS = {"INSERT": "create", "UPDATE": "update", "DELETE": "delete"}


@dataclass(frozen=True)
class DatabaseActor(Actor):
    """Whoever wrote directly to the database: no application user, only the database role."""

    db_user: str = ""

    @property
    def label(self) -> str:
        return f"db:{self.db_user}"[:150] if self.db_user else ""


def _row_values(model: type[models.Model], row: dict[str, Any] | None) -> dict[str, Any]:
    """Column -> value JSON (to_jsonb) as canonical history values keyed by field name."""
    if row is None:
        return {}
    values: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.column not in row:
            continue
        raw = row[f.column]
        try:
            value = f.to_python(raw) if raw is not None else None
        except Exception:  # keep the raw value rather than lose the change
            value = raw
        values[f.name] = history_value(value)
    return values


def _instance(model: type[models.Model], row: dict[str, Any]) -> models.Model:
    kwargs = {}
    for f in model._meta.concrete_fields:
        if f.column in row and row[f.column] is not None:
            try:
                kwargs[f.attname] = f.to_python(row[f.column])
            except Exception:  # noqa: S112 - a value we cannot read only loses the label
                continue
    return model(**kwargs)


def _owner(instance: models.Model) -> tuple[int | None, int | None]:
    """(plan id, cluster id) of a captured row; its parents may be gone already."""
    plan_id = cluster_id = None
    with suppress(ObjectDoesNotExist, AttributeError):
        plan_id = instance.history_plan_id()  # type: ignore[attr-defined]
    with suppress(ObjectDoesNotExist, AttributeError):
        cluster_id = instance.history_cluster_id()  # type: ignore[attr-defined]
    return plan_id, cluster_id


def pending_count() -> int:
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [CAPTURE_TABLE])
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute(f"SELECT count(*) FROM {CAPTURE_TABLE}")  # noqa: S608  # nosec B608 - constant table name
        return int(cursor.fetchone()[0])


def has_pending() -> bool:
    """Cheap check before sealing on every read (the capture table is normally empty)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [CAPTURE_TABLE])
        if not cursor.fetchone()[0]:
            return False
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {CAPTURE_TABLE})")  # noqa: S608  # nosec B608 - constant table name
        return bool(cursor.fetchone()[0])


def seal_outside_writes(*, batch_size: int = 1000, max_batches: int = 1000) -> int:
    """Turn captured outside changes into history events; returns how many were sealed."""
    if not has_pending():
        return 0
    models_by_table = {m._meta.db_table: m for m in captured_models()}
    sealed = 0
    for _ in range(max_batches):
        with transaction.atomic():
            with connection.cursor() as cursor:
                # SKIP LOCKED: two sealers never seal the same change twice.
                cursor.execute(
                    f"SELECT id, captured_at, txid, db_user, application_name, table_name, op, row_id, "  # noqa: S608
                    f"old_row::text, new_row::text FROM {CAPTURE_TABLE} ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",  # nosec B608
                    [batch_size],
                )
                rows = cursor.fetchall()
            if not rows:
                break
            for row in rows:
                _seal_one(models_by_table, *row)
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {CAPTURE_TABLE} WHERE id = ANY(%s)", [[r[0] for r in rows]])  # noqa: S608  # nosec B608
            sealed += len(rows)
        if len(rows) < batch_size:
            break
    return sealed


def _seal_one(
    models_by_table: dict[str, type[models.Model]], capture_id: int, captured_at: dt.datetime, txid: int,
    db_user: str, application_name: str, table: str, op: str, row_id: int | None, old_text: str | None,
    new_text: str | None,
) -> None:
    # Decimal keeps numeric columns exact (to_jsonb writes them as JSON numbers).
    old_row = json.loads(old_text, parse_float=Decimal) if old_text else None
    new_row = json.loads(new_text, parse_float=Decimal) if new_text else None
    model = models_by_table.get(table)
    context = {
        "capture_id": capture_id, "db_user": db_user, "application_name": application_name,
        "transaction": txid, "table": table, "operation": op,
    }
    actor = DatabaseActor(user=None, source=Source.DATABASE, db_user=db_user)
    if model is None:  # a table no longer mapped to a model: keep the raw rows
        record_event(
            actor=actor, action=ACTIONS.get(op, op.lower()), object_type=f"table.{table}", object_id=row_id,
            object_repr=f"{table} #{row_id}", changes={"old": old_row, "new": new_row}, context=context,
            outside_app=True, occurred_at=captured_at,
        )
        return
    before, after = _row_values(model, old_row), _row_values(model, new_row)
    tracked = {f.name for f in tracked_fields(model())}
    if op == "INSERT":
        changes = {k: [None, v] for k, v in after.items() if k in tracked and v not in (None, "", [], {})}
    elif op == "DELETE":
        changes = {k: [v, None] for k, v in before.items() if k in tracked and v not in (None, "", [], {})}
    else:
        full = diff(before, after)
        # Only bookkeeping moved (version, updated_at)? Still worth recording: someone wrote.
        changes = {k: v for k, v in full.items() if k in tracked} or full
    instance = _instance(model, new_row or old_row or {})
    plan_id, cluster_id = _owner(instance)
    try:
        label = str(instance)[:300]
    except Exception:  # __str__ may follow a relation that is gone
        label = f"{model._meta.verbose_name} #{row_id}"
    record_event(
        actor=actor, action=ACTIONS.get(op, op.lower()), object_type=model._meta.label_lower, object_id=row_id,
        object_repr=label, changes=changes, context=context, plan_id=plan_id, cluster_id=cluster_id,
        outside_app=True, occurred_at=captured_at,
    )


__all__ = ["DatabaseActor", "has_pending", "pending_count", "seal_outside_writes"]
