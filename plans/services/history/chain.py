"""Appending to a cluster's hash chain: lock its head, take the next position, link the hash.

Each cluster has its own chain (`chain_id` = cluster id, 0 for programme-wide rows); the
head row is the last lock a write takes (milestone -> project -> plan -> chain head).
Moving the head also marks the transaction as one that records history, for the
database's capture triggers (marker.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from plans.models import HistoryChainHead, HistoryEvent, Source

from .actor import Actor
from .canonical import history_value, object_type_of
from .clock import replayed_moment
from .hashing import compute_hash
from .hook import on_event_recorded
from .marker import PG_MARKER, note_event


def _lock_head(chain_id: int) -> HistoryChainHead:
    HistoryChainHead.objects.get_or_create(chain_id=chain_id)
    return HistoryChainHead.objects.select_for_update().get(chain_id=chain_id)


def _advance_head(event: HistoryEvent) -> None:
    """Move the chain head onto the new event and mark the transaction as recording history."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        # One statement: the head moves and `pmc.app_write` names the event, which the capture
        # trigger honours only while an event with that id and this transaction's id exists.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE plans_historychainhead SET last_seq = %s, last_hash = %s WHERE chain_id = %s "
                "RETURNING set_config(%s, %s, true)",
                [event.chain_seq, event.hash, event.chain_id, PG_MARKER, str(event.pk)],
            )
        return
    HistoryChainHead.objects.filter(chain_id=event.chain_id).update(last_seq=event.chain_seq, last_hash=event.hash)
    note_event(connection)  # SQLite: the session's captures so far were this transaction's own


def _check_replayed_moment(moment: dt.datetime, *, actor: Actor, head: HistoryChainHead) -> None:
    """A past moment (clock.recorded_at) only from a command, and never out of the chain's time order."""
    if actor.source != Source.COMMAND:
        raise RuntimeError("only a command may record events at a past moment")
    if moment > timezone.now():
        raise RuntimeError(f"cannot record an event in the future ({moment.isoformat()})")
    last = HistoryEvent.objects.filter(chain_id=head.chain_id, chain_seq=head.last_seq).values_list(
        "occurred_at", flat=True).first()
    if last is not None and moment < last:
        raise RuntimeError(
            f"chain {head.chain_id} already has an event at {last.isoformat()}, after {moment.isoformat()}"
        )


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
    """Append one event to the chain of the instance's cluster. Must run inside atomic().

    After the transaction commits, the consumers in settings.HISTORY_EVENT_CONSUMERS get its id.
    """
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
    head = _lock_head(chain_id)
    if occurred_at is None and (occurred_at := replayed_moment()) is not None:
        _check_replayed_moment(occurred_at, actor=actor, head=head)

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
    _advance_head(event)
    on_event_recorded(event.pk)
    return event


def declare_application_write(
    reason: str = "bulk write without one event per row", *, actor: Actor | None = None,
    cluster_id: int | None = None, context: dict[str, Any] | None = None,
) -> HistoryEvent:
    """For bulk loads that write domain rows without an event per row (scale data, fixtures).

    Records one `bulk_write` event (programme-wide unless `cluster_id`), which is what makes
    the transaction the application's for the capture triggers: no transaction escapes them
    without leaving an event in a chain. Call it inside the loader's atomic(); it may come
    before or after the rows.
    """
    return record_event(
        actor=actor or Actor.system(Source.COMMAND), action="bulk_write", object_type="application",
        object_repr=reason[:300], reason=reason, cluster_id=cluster_id, context=context,
    )
