"""The generic writes: apply a change to a row, then append its event, in the caller's atomic()."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

from plans.errors import ValidationFailed
from plans.models import HistoryEvent

from .actor import Actor
from .canonical import diff, snapshot, tracked_fields
from .chain import record_event
from .locking import check_version

M = TypeVar("M", bound=models.Model)


def validate(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """Run field, clean() and constraint validation, raising the domain's error."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        raise ValidationFailed(errors=errors) from exc


def create_with_history(
    instance: M, *, actor: Actor, reason: str = "", context: dict[str, Any] | None = None,
    action: str = "create",
) -> M:
    """Validate and insert a new row, and record its initial values."""
    validate(instance)
    instance.save(force_insert=True)
    record_event(
        actor=actor, action=action, instance=instance,
        changes={k: [None, v] for k, v in snapshot(instance).items() if v not in (None, "", [], {})},
        reason=reason, context=context,
    )
    return instance


def update_with_history(
    instance: M, *, actor: Actor, values: dict[str, Any], action: str = "update", reason: str = "",
    context: dict[str, Any] | None = None, expected_version: int | None = None, force_event: bool = False,
) -> HistoryEvent | None:
    """Apply `values`, validate, save the changed fields, bump `version`, record old -> new.

    Returns None (and writes nothing) when no value actually changes, unless force_event.
    """
    check_version(instance, expected_version)
    before = snapshot(instance)
    for name, value in values.items():
        setattr(instance, name, value)
    after = snapshot(instance)
    changes = diff(before, after)
    if not changes and not force_event:
        return None
    validate(instance)
    changed_fields = [f.attname for f in tracked_fields(instance) if f.name in changes]
    if hasattr(instance, "version"):
        instance.version += 1
        changed_fields.append("version")
    if any(f.name == "updated_at" for f in instance._meta.concrete_fields):
        changed_fields.append("updated_at")
    instance.save(update_fields=changed_fields)
    return record_event(
        actor=actor, action=action, instance=instance, changes=changes, reason=reason, context=context
    )


def delete_with_history(instance: models.Model, *, actor: Actor, reason: str = "") -> HistoryEvent:
    """Record the last values of a row, then delete it."""
    event = record_event(
        actor=actor, action="delete", instance=instance,
        changes={k: [v, None] for k, v in snapshot(instance).items() if v not in (None, "", [], {})},
        reason=reason,
    )
    instance.delete()
    return event
