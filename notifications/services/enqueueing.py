"""Enqueueing: building deliveries and inserting each dedup key once.

A delivery's dedup key names what it is about and who gets it (occurrence + recipient +
channel), so the same event, reminder or digest reaching the same person twice (a second
beat run, the sweep racing the normal path) inserts nothing new. Moving a delivery through
its statuses afterwards is the outbox's job (notifications.services.outbox).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from notifications.models import Delivery

from .recipients import Recipient

KEY_CHUNK = 1000  # keys per IN (...) lookup: well below SQLite's and PostgreSQL's parameter limits
INSERT_BATCH = 1000  # rows per INSERT statement


def dedup_key(occurrence: str, recipient: Recipient, channel: str = Delivery.Channel.EMAIL) -> str:
    return f"{occurrence}:{recipient.key}:{channel}"


def build_delivery(
    *, occurrence: str, recipient: Recipient, kind: str, cluster_id: int, plan_id: int | None = None,
    event_id: int | None = None, object_type: str = "", object_id: int | None = None,
    scheduled_for: dt.datetime | None = None, payload: dict[str, Any] | None = None,
) -> Delivery:
    """An unsaved pending delivery of `kind` for `recipient`, keyed by `occurrence`."""
    return Delivery(
        dedup_key=dedup_key(occurrence, recipient), kind=kind, event_id=event_id,
        stakeholder_id=recipient.stakeholder_id, user_id=recipient.user_id, to_email=recipient.email,
        language=recipient.language, time_zone=recipient.time_zone, cluster_id=cluster_id, plan_id=plan_id,
        object_type=object_type, object_id=object_id, scheduled_for=scheduled_for, payload=payload or {},
    )


def insert_deliveries(rows: Iterable[Delivery], *, precheck: bool = True, return_ids: bool = True) -> list[int]:
    """Insert rows whose dedup key is new; return their ids (existing keys are left alone).

    The unique key (ON CONFLICT DO NOTHING) is what guarantees "once" when two processes
    race; the pre-check only keeps the answer to "what is new" exact in the common case
    (a caller that knows its keys are fresh, like the dispatcher, skips it).
    """
    rows = list(rows)
    if not rows:
        return []
    existing: set[str] = set()
    if precheck:
        keys = [r.dedup_key for r in rows]
        for start in range(0, len(keys), KEY_CHUNK):
            chunk = keys[start:start + KEY_CHUNK]
            existing.update(Delivery.objects.filter(dedup_key__in=chunk).values_list("dedup_key", flat=True))
    fresh = [r for r in rows if r.dedup_key not in existing]
    # With ignore_conflicts the backends return no primary keys, hence the lookup below.
    Delivery.objects.bulk_create(fresh, batch_size=INSERT_BATCH, ignore_conflicts=True)
    if not return_ids:
        return []
    fresh_keys = [r.dedup_key for r in fresh]
    ids: list[int] = []
    for start in range(0, len(fresh_keys), KEY_CHUNK):
        ids += Delivery.objects.filter(
            dedup_key__in=fresh_keys[start:start + KEY_CHUNK], status=Delivery.Status.PENDING, attempts=0
        ).values_list("pk", flat=True)
    return sorted(ids)
