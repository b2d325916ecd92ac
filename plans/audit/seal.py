"""Seal changes made outside the application into the hash chain (PostgreSQL and SQLite).

The capture triggers (capture.py) copy every domain-row change made by a transaction that
recorded no history event — `QuerySet.update()`, `bulk_update`, raw SQL in a shell or a
migration — into `pmc_outside_write`. Sealing turns each captured change into a history
event (source "database", `outside_app=True`, old -> new per field, the database user in
the context) through `record_event`, and removes it from the capture table in the same
transaction. It runs from `manage.py seal_history`, from a periodic task, from
`verify_history`, and just in time before the history is read, so the timeline never
misses a captured change.

On SQLite a change is copied when it is made, not at commit: the copies of the transaction
still in progress on this connection are left alone (that transaction may yet record an
event, which makes them its own), as PostgreSQL's deferred triggers would not have fired yet.
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from plans.models import Source
from plans.services.history import Actor, diff, field_value, history_value, record_event, tracked_fields
from plans.services.history.marker import open_capture_token

from .capture import CAPTURE_TABLE, captured_models

ACTIONS = {"INSERT": "create", "UPDATE": "update", "DELETE": "delete"}


@dataclass(frozen=True)
class DatabaseActor(Actor):
    """Whoever wrote directly to the database: no application user, only the database role."""

    db_user: str = ""

    @property
    def label(self) -> str:
        return f"db:{self.db_user}"[:150] if self.db_user else ""


def _python_value(f: models.Field[Any, Any], raw: Any) -> Any:
    """A captured JSON value as the field's Python value, as a service would have seen it."""
    if raw is None:
        return None
    value = f.to_python(raw)
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)  # SQLite keeps UTC without an offset
    return value


def _row_values(model: type[models.Model], row: dict[str, Any] | None) -> dict[str, Any]:
    """Column -> value JSON (to_jsonb, json_object) as canonical history values by field name."""
    if row is None:
        return {}
    values: dict[str, Any] = {}
    probe = model()
    for f in model._meta.concrete_fields:
        if f.column not in row:
            continue
        raw = row[f.column]
        try:
            value = _python_value(f, raw)
            if isinstance(value, Decimal):  # SQLite gives 150000 for 150000.00: the field's scale
                setattr(probe, f.attname, value)
                value = field_value(f, probe)
        except Exception:  # keep the raw value rather than lose the change
            value = raw
        values[f.name] = history_value(value)
    return values


def _instance(model: type[models.Model], row: dict[str, Any]) -> models.Model:
    kwargs = {}
    for f in model._meta.concrete_fields:
        if f.column in row and row[f.column] is not None:
            try:
                kwargs[f.attname] = _python_value(f, row[f.column])
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


def _capture_table_exists() -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [CAPTURE_TABLE])
            return bool(cursor.fetchone()[0])
        if connection.vendor == "sqlite":
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [CAPTURE_TABLE])
            return cursor.fetchone() is not None
    return False


def _final() -> tuple[str, list[Any]]:
    """WHERE clause of the captured changes that are final (SQLite: not this transaction's own)."""
    token = open_capture_token(connection)
    return ("txid <> %s", [token]) if token is not None else ("1 = 1", [])


def pending_count() -> int:
    """Captured changes waiting to be sealed."""
    if not _capture_table_exists():
        return 0
    where, params = _final()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {CAPTURE_TABLE} WHERE {where}", params)  # noqa: S608  # nosec B608 - constants
        return int(cursor.fetchone()[0])


def has_pending() -> bool:
    """Cheap check before sealing on every read (the capture table is normally empty)."""
    if not _capture_table_exists():
        return False
    where, params = _final()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {CAPTURE_TABLE} WHERE {where})", params)  # noqa: S608  # nosec B608
        return bool(cursor.fetchone()[0])


def seal_outside_writes(*, batch_size: int = 1000, max_batches: int = 1000) -> int:
    """Turn captured outside changes into history events; returns how many were sealed."""
    if not has_pending():
        return 0
    models_by_table = {m._meta.db_table: m for m in captured_models()}
    sealed = 0
    postgres = connection.vendor == "postgresql"
    # PostgreSQL: SKIP LOCKED, two sealers never take the same change. SQLite: one writer at
    # a time (transactions begin IMMEDIATE), and the DELETE count below checks it anyway.
    columns = "old_row::text, new_row::text" if postgres else "old_row, new_row"
    lock = "FOR UPDATE SKIP LOCKED" if postgres else ""
    for _ in range(max_batches):
        with transaction.atomic():
            where, params = _final()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, captured_at, txid, db_user, application_name, table_name, op, row_id, {columns} "  # noqa: S608
                    f"FROM {CAPTURE_TABLE} WHERE {where} ORDER BY id LIMIT %s {lock}",  # nosec B608 - constants
                    [*params, batch_size],
                )
                rows = cursor.fetchall()
            if not rows:
                break
            for row in rows:
                _seal_one(models_by_table, *row)
            ids = [r[0] for r in rows]
            with connection.cursor() as cursor:
                marks = ", ".join(["%s"] * len(ids))
                cursor.execute(f"DELETE FROM {CAPTURE_TABLE} WHERE id IN ({marks})", ids)  # noqa: S608  # nosec B608
                if cursor.rowcount != len(ids):  # another sealer got there first: seal nothing twice
                    raise DatabaseError("captured changes were sealed concurrently; try again")
            sealed += len(rows)
        if len(rows) < batch_size:
            break
    return sealed


def _seal_one(
    models_by_table: dict[str, type[models.Model]], capture_id: int, captured_at: dt.datetime | str, txid: int | str,
    db_user: str, application_name: str, table: str, op: str, row_id: int | None, old_text: str | None,
    new_text: str | None,
) -> None:
    if isinstance(captured_at, str):  # SQLite: ISO 8601 text in UTC
        captured_at = parse_datetime(captured_at) or timezone.now()
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
