"""The outbox: creating deliveries idempotently and moving them through their statuses.

Status moves: pending -> sending (claimed by exactly one worker with a conditional UPDATE)
-> sent | failed | suppressed; a transient error puts the row back to pending with a
later `next_attempt_at`.

A row left in `sending` means a worker claimed it and never recorded the outcome (killed,
time limit, or the SMTP answer was lost after DATA). The message may have been delivered,
so it is never resent automatically: the sweep flags it `needs_review` and a person decides
in the admin (resend, or mark as sent) after checking the mail server's log for its
Message-ID, which is stored before sending.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications.models import Delivery

from .inserts import insert_ignoring_conflicts
from .recipients import Recipient


def dedup_key(occurrence: str, recipient: Recipient, channel: str = Delivery.Channel.EMAIL) -> str:
    return f"{occurrence}:{recipient.key}:{channel}"


@dataclass(slots=True)
class NewDelivery:
    """A delivery about to be inserted (plain data: building 10,000 model instances is slow)."""

    dedup_key: str
    kind: str
    cluster_id: int
    to_email: str
    language: str
    time_zone: str
    stakeholder_id: int | None = None
    user_id: int | None = None
    event_id: int | None = None
    plan_id: int | None = None
    object_type: str = ""
    object_id: int | None = None
    scheduled_for: dt.datetime | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def build_delivery(
    *, occurrence: str, recipient: Recipient, kind: str, cluster_id: int, plan_id: int | None = None,
    event_id: int | None = None, object_type: str = "", object_id: int | None = None,
    scheduled_for: dt.datetime | None = None, payload: dict[str, Any] | None = None,
) -> NewDelivery:
    return NewDelivery(
        dedup_key=dedup_key(occurrence, recipient), kind=kind, event_id=event_id,
        stakeholder_id=recipient.stakeholder_id, user_id=recipient.user_id, to_email=recipient.email,
        language=recipient.language, time_zone=recipient.time_zone, cluster_id=cluster_id, plan_id=plan_id,
        object_type=object_type, object_id=object_id, scheduled_for=scheduled_for, payload=payload or {},
    )


def insert_deliveries(rows: Iterable[NewDelivery], *, precheck: bool = True, return_ids: bool = True) -> list[int]:
    """Insert rows whose dedup key is new; return their ids (existing keys are left alone).

    The unique key (ON CONFLICT DO NOTHING) is what guarantees "once" when two processes
    race; the pre-check only keeps the answer to "what is new" exact in the common case
    (a caller that knows its keys are fresh, like the dispatcher, skips it).
    """
    rows = list(rows)
    if not rows:
        return []
    keys = [r.dedup_key for r in rows]
    existing: set[str] = set()
    if precheck:
        for start in range(0, len(keys), 1000):
            chunk = keys[start:start + 1000]
            existing.update(Delivery.objects.filter(dedup_key__in=chunk).values_list("dedup_key", flat=True))
    fresh = [r for r in rows if r.dedup_key not in existing]
    insert_ignoring_conflicts(fresh)
    if not return_ids:
        return []
    fresh_keys = [r.dedup_key for r in fresh]
    ids: list[int] = []
    for start in range(0, len(fresh_keys), 1000):
        ids += Delivery.objects.filter(
            dedup_key__in=fresh_keys[start:start + 1000], status=Delivery.Status.PENDING, attempts=0
        ).values_list("pk", flat=True)
    return sorted(ids)


def claim(delivery_id: int, *, now: dt.datetime | None = None) -> bool:
    """Atomically take a pending delivery whose backoff has passed; only one caller can win."""
    now = now or timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return bool(
        Delivery.objects.filter(due, pk=delivery_id, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1, next_attempt_at=None,
            updated_at=now,
        )
    )


def new_message_id(delivery_id: int) -> str:
    """A unique Message-ID, stored with the claim, so a row left in doubt can be looked up."""
    return f"<pmc.d{delivery_id}.{secrets.token_hex(6)}@pmc-tracker>"


def advance(*, sent_id: int | None = None, claim_id: int | None = None, message_id: str = "") -> bool:
    """Mark the previous message sent and claim the next one in one statement.

    The claim is the same conditional update as `claim` (only a pending row whose backoff
    has passed is taken), so two workers can never both win; doing both moves in one
    statement halves the round trips of a batch. Returns whether `claim_id` was claimed.
    """
    if sent_id is None and claim_id is None:
        return False
    now = timezone.now()
    sent, claim_ = sent_id or -1, claim_id or -1
    table = Delivery._meta.db_table
    connection = connections[router.db_for_write(Delivery)]
    due = connection.ops.adapt_datetimefield_value(now)  # compared with stored values: same format
    sql = (
        f"UPDATE {table} SET "  # noqa: S608  # nosec B608 - values are parameters
        "status = CASE WHEN id = %s THEN 'sending' ELSE 'sent' END, "
        "attempts = CASE WHEN id = %s THEN attempts + 1 ELSE attempts END, "
        "claimed_at = CASE WHEN id = %s THEN %s ELSE claimed_at END, "
        "next_attempt_at = CASE WHEN id = %s THEN NULL ELSE next_attempt_at END, "
        "sent_at = CASE WHEN id = %s THEN sent_at ELSE %s END, "
        "message_id = CASE WHEN id = %s THEN %s ELSE message_id END, "
        "last_error = CASE WHEN id = %s THEN last_error ELSE '' END, "
        "updated_at = %s "
        "WHERE (id = %s AND status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= %s)) "
        "OR (id = %s AND status = 'sending') RETURNING id"
    )
    params: list[Any] = [
        claim_, claim_, claim_, now, claim_, claim_, now, claim_, message_id[:250], claim_, now,  # SET
        claim_, due, sent,  # WHERE
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        touched = {row[0] for row in cursor.fetchall()}
    return claim_id in touched


def mark_final(delivery_id: int, *, status: str, error: str = "") -> None:
    Delivery.objects.filter(pk=delivery_id).exclude(status=Delivery.Status.SENT).update(
        status=status, last_error=error[:4000], updated_at=timezone.now()
    )


def mark_ambiguous(delivery_id: int, *, error: str) -> None:
    """Keep `sending` (outcome unknown) and ask a person to decide."""
    Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING).update(
        needs_review=True, last_error=error[:4000], updated_at=timezone.now()
    )


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter ("equal jitter"), capped below the broker's visibility timeout."""
    base = float(settings.NOTIFICATIONS_RETRY_BASE_SECONDS)
    cap = float(settings.NOTIFICATIONS_RETRY_MAX_SECONDS)
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not security


def schedule_retry(delivery_id: int, *, attempts: int, error: str) -> float | None:
    """Back to pending for a later attempt, or failed when the attempts are used up.

    Returns the delay in seconds, or None when the delivery failed for good.
    """
    if attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        mark_final(delivery_id, status=Delivery.Status.FAILED, error=f"gave up after {attempts} attempts: {error}")
        return None
    delay = backoff_seconds(attempts)
    now = timezone.now()
    Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.PENDING, last_error=error[:4000], next_attempt_at=now + dt.timedelta(seconds=delay),
        updated_at=now,
    )
    return delay


def pending_to_resend(*, now: dt.datetime, grace: dt.timedelta, limit: int = 5000) -> list[int]:
    """Pending deliveries whose task was lost (broker down, worker killed before claiming)."""
    cutoff = now - grace
    return list(
        Delivery.objects.filter(status=Delivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True, created_at__lt=cutoff) | Q(next_attempt_at__lt=cutoff))
        .order_by("pk").values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def flag_stuck_sending(*, now: dt.datetime, timeout: dt.timedelta) -> int:
    """Rows claimed long ago with no outcome: never resent blindly, flagged for a person."""
    return Delivery.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__lt=now - timeout, needs_review=False
    ).update(
        needs_review=True, updated_at=now,
        last_error="No outcome was recorded after sending started (worker lost or answer lost); "
        "the message may have been delivered. Check the mail server for its Message-ID, then resend "
        "or mark it as sent.",
    )


def defer(delivery_ids: Iterable[int], *, delay: float, error: str = "") -> None:
    """Leave pending rows pending until `delay` from now (the server, not the message, failed)."""
    now = timezone.now()
    values: dict[str, Any] = {"next_attempt_at": now + dt.timedelta(seconds=delay), "updated_at": now}
    if error:
        values["last_error"] = error[:4000]
    ids = list(delivery_ids)
    for start in range(0, len(ids), 1000):
        Delivery.objects.filter(pk__in=ids[start:start + 1000], status=Delivery.Status.PENDING).update(**values)


def unclaim(delivery_id: int) -> None:
    """Give back a claimed row whose message certainly did not go out (the claim's attempt is undone)."""
    Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.PENDING, attempts=F("attempts") - 1, updated_at=timezone.now()
    )


def resend(delivery_ids: Iterable[int]) -> list[int]:
    """A person's decision: send again. Only rows in doubt (needs_review), failed or suppressed:
    a `sending` row without the flag is being handled by a worker right now."""
    resendable = Q(needs_review=True) | Q(status__in=[Delivery.Status.FAILED, Delivery.Status.SUPPRESSED])
    rows = Delivery.objects.filter(resendable, pk__in=list(delivery_ids)).exclude(status=Delivery.Status.SENT)
    ids = list(rows.values_list("pk", flat=True))
    Delivery.objects.filter(resendable, pk__in=ids).exclude(status=Delivery.Status.SENT).update(
        status=Delivery.Status.PENDING, needs_review=False, next_attempt_at=None, attempts=0,
        updated_at=timezone.now(),
    )
    return ids


def mark_reviewed_as_sent(delivery_ids: Iterable[int]) -> int:
    now = timezone.now()
    return Delivery.objects.filter(pk__in=list(delivery_ids), needs_review=True).update(
        status=Delivery.Status.SENT, needs_review=False, sent_at=now, updated_at=now,
    )
