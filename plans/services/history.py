"""The one way a change is written: apply it, then append its history event, atomically.

Every service calls these helpers inside its own `transaction.atomic()`, so an event never
exists without its change and a change never without its event.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.expressions import RawSQL
from django.dispatch import Signal
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from plans.errors import IllegalTransition, StaleVersion, ValidationFailed
from plans.models import HistoryChainHead, HistoryEvent, Source

M = TypeVar("M", bound=models.Model)

GENESIS_HASH = "0" * 64

# Sent after the transaction that recorded an event commits; receivers get `event_id`.
# Consumers (notifications) subscribe to it: the domain never calls them directly.
event_committed = Signal()


@dataclass(frozen=True)
class Actor:
    """Who makes a change and through which door (api, admin, task, command)."""

    user: AbstractBaseUser | None
    source: str

    @classmethod
    def system(cls, source: str = Source.TASK) -> Actor:
        return cls(user=None, source=source)

    @property
    def user_id(self) -> int | None:
        if self.user is None or isinstance(self.user, AnonymousUser):
            return None
        return self.user.pk

    @property
    def label(self) -> str:
        if self.user is None or isinstance(self.user, AnonymousUser):
            return ""
        return self.user.get_username()


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


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_content(event: HistoryEvent) -> dict[str, Any]:
    """What the hash covers: everything but the global id and the hash itself."""
    return {
        "chain_id": event.chain_id,
        "chain_seq": event.chain_seq,
        "occurred_at": history_value(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "source": event.source,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "plan_id": event.plan_id,
        "changes": event.changes,
        "reason": event.reason,
        "context": event.context,
        "outside_app": event.outside_app,
        "prev_hash": event.prev_hash,
    }


def compute_hash(event: HistoryEvent) -> str:
    return hashlib.sha256(canonical_json(event_content(event)).encode("utf-8")).hexdigest()


def object_type_of(instance: models.Model | type[models.Model]) -> str:
    return instance._meta.label_lower


def record_event(
    *,
    actor: Actor,
    action: str,
    instance: models.Model | None = None,
    object_type: str = "",
    object_id: int | None = None,
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
    context: dict[str, Any] | None = None,
    plan_id: int | None = None,
    cluster_id: int | None = None,
    outside_app: bool = False,
    occurred_at: dt.datetime | None = None,
) -> HistoryEvent:
    """Append one event to the chain of the instance's cluster. Must run inside atomic()."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the service's transaction")
    if instance is not None:
        object_type = object_type or object_type_of(instance)
        object_id = object_id if object_id is not None else instance.pk
        object_repr = object_repr or str(instance)[:300]
        if plan_id is None and hasattr(instance, "history_plan_id"):
            plan_id = instance.history_plan_id()
        if cluster_id is None and hasattr(instance, "history_cluster_id"):
            cluster_id = instance.history_cluster_id()
    chain_id = cluster_id or 0

    HistoryChainHead.objects.get_or_create(chain_id=chain_id)
    heads = HistoryChainHead.objects.select_for_update()
    if transaction.get_connection().vendor == "postgresql":
        # Marks the transaction as the application's, in the same query: the database's
        # capture triggers (plans/audit/guards.py) then leave its row changes alone.
        heads = heads.annotate(_app_write=RawSQL("set_config('pmc.app_write', '1', true)", ()))
    head = heads.get(chain_id=chain_id)

    event = HistoryEvent(
        chain_id=chain_id,
        chain_seq=head.last_seq + 1,
        occurred_at=occurred_at or timezone.now(),
        actor_id=actor.user_id,
        actor_label=actor.label,
        source=actor.source,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:300],
        plan_id=plan_id,
        changes=history_value(changes or {}),
        reason=reason or "",
        context=history_value(context or {}),
        outside_app=outside_app,
        prev_hash=head.last_hash,
    )
    event.hash = compute_hash(event)
    event.save(force_insert=True)
    HistoryChainHead.objects.filter(chain_id=chain_id).update(last_seq=event.chain_seq, last_hash=event.hash)

    event_id = event.pk
    transaction.on_commit(lambda: event_committed.send(sender=HistoryEvent, event_id=event_id))
    return event


def declare_application_write() -> None:
    """For bulk loads that write domain rows without events (scale data, fixtures): mark the
    transaction as the application's so PostgreSQL's capture triggers do not report it."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pmc.app_write', '1', true)")


# --- Helpers services build on ------------------------------------------------------------


def lock(model: type[M], pk: Any, *, queryset: models.QuerySet[M] | None = None) -> M:
    """Load a row FOR UPDATE, so a rule that reads then writes sees no concurrent change."""
    qs = queryset if queryset is not None else model._default_manager.all()
    return qs.select_for_update().get(pk=pk)


def check_version(instance: models.Model, expected_version: int | None) -> None:
    """Optimistic concurrency: refuse a write based on an older version (If-Match)."""
    current = getattr(instance, "version", None)
    if expected_version is not None and current != expected_version:
        raise StaleVersion(expected=expected_version, current=current)


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


def ensure_transition_allowed(instance: models.Model, to: str) -> None:
    """Refuse a move the model's TRANSITIONS map lacks (IllegalTransition, 409).

    Services call it (after check_version) before their own state rules, so an impossible
    move is reported as such rather than as the rule of some other move.
    """
    current = instance.status  # type: ignore[attr-defined]
    allowed = instance.allowed_targets(current)  # type: ignore[attr-defined]
    if to in allowed:
        return
    labels = dict(instance._meta.get_field("status").flatchoices)  # type: ignore[union-attr]

    def label(value: str) -> Any:
        return labels.get(value, value)

    raise IllegalTransition(
        _("%(object)s cannot move from “%(from)s” to “%(to)s”. Allowed: %(allowed)s."),
        object=instance._meta.verbose_name,
        **{
            "from": label(current), "to": label(to),
            # Joined when rendered, so the labels come out in the reader's language.
            "allowed": _lazy_join([label(v) for v in allowed]),
        },
    )


def _join(labels: list[Any]) -> str:
    return ", ".join(str(label) for label in labels) or "—"


_lazy_join = lazy(_join, str)


def transition(
    instance: M, *, to: str, actor: Actor, reason: str = "", extra: dict[str, Any] | None = None,
    expected_version: int | None = None, context: dict[str, Any] | None = None, action: str = "transition",
) -> HistoryEvent:
    """The one gate for status changes: refuse moves the model's TRANSITIONS map lacks.

    `action` names the event when the move has its own verb (milestone_complete: "complete").
    """
    check_version(instance, expected_version)
    ensure_transition_allowed(instance, to)
    event = update_with_history(
        instance, actor=actor, values={"status": to, **(extra or {})}, action=action,
        reason=reason, context=context,
    )
    if event is None:  # unreachable: the status changed, so there is always a diff
        raise RuntimeError("transition recorded no change")
    return event
