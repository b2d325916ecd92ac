"""The outbox: moving a delivery through its statuses (creating one is enqueueing.py's job).

Status moves: pending -> sending (claimed by exactly one worker with a conditional UPDATE)
-> sent | failed | suppressed; a transient error puts the row back to pending with a
later `next_attempt_at`.

A transient failure (4xx, a dropped connection before DATA) is retried with capped,
jittered exponential backoff until both budgets are spent: NOTIFICATIONS_MAX_ATTEMPTS
attempts AND NOTIFICATIONS_RETRY_WINDOW_HOURS since the first attempt. A burst of quick
failures in a short outage cannot use the count up, and a slow trickle over days cannot
stretch the window: the row fails (for a person to resend) only when both have run out.

A row left in `sending` means a worker claimed it and never recorded the outcome (killed,
time limit, or the SMTP answer was lost after DATA). The message may have been delivered,
so it is never resent automatically: the sweep flags it `needs_review` and a person decides
in the admin (resend, or mark as sent) after checking the mail server's log for its
Message-ID, which is stored with the claim, before sending.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from notifications.models import Delivery
from plans.services.history import Actor, record_event


def claim(delivery_id: int, *, message_id: str = "", now: dt.datetime | None = None) -> bool:
    """Atomically take a pending delivery whose backoff has passed; only one caller can win.

    `message_id` is stored with the claim, so a row left in doubt can be looked up on the server.
    """
    now = now or timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    values: dict[str, Any] = {
        "status": Delivery.Status.SENDING, "claimed_at": now, "attempts": F("attempts") + 1,
        "next_attempt_at": None, "updated_at": now,
        "first_attempt_at": Coalesce(F("first_attempt_at"), Value(now, output_field=DateTimeField())),
    }
    if message_id:
        values["message_id"] = message_id[:250]
    return bool(Delivery.objects.filter(due, pk=delivery_id, status=Delivery.Status.PENDING).update(**values))


def new_message_id(delivery_id: int) -> str:
    """A unique Message-ID, stored with the claim, so a row left in doubt can be looked up."""
    return f"<pmc.d{delivery_id}.{secrets.token_hex(6)}@pmc-tracker>"


def mark_sent(delivery_id: int) -> None:
    """The server accepted the message (only a row this worker holds in `sending`).

    On PostgreSQL this commit does not wait for the disk (synchronous_commit off for this one
    transaction): if the database crashed before writing it, the row would stay `sending` and be
    flagged in doubt for a person, never sent again. The claim, which guards against sending
    twice, keeps the durable commit. One disk flush per message instead of two.
    """
    now = timezone.now()
    with transaction.atomic():
        if transaction.get_connection().vendor == "postgresql":
            with transaction.get_connection().cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.SENT, sent_at=now, last_error="", updated_at=now
        )


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


def retry_window() -> dt.timedelta:
    return dt.timedelta(hours=float(settings.NOTIFICATIONS_RETRY_WINDOW_HOURS))


def schedule_retry(
    delivery_id: int, *, attempts: int, error: str, first_attempt_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> float | None:
    """Back to pending for a later attempt, or failed once both budgets are spent: the
    attempts (NOTIFICATIONS_MAX_ATTEMPTS) and the time since the first attempt
    (NOTIFICATIONS_RETRY_WINDOW_HOURS).

    Returns the delay in seconds, or None when the delivery failed for good.
    """
    now = now or timezone.now()
    if first_attempt_at is None:  # read it when the caller does not hold it (rows from before the column: created)
        first_attempt_at = Delivery.objects.filter(pk=delivery_id).values_list(
            Coalesce("first_attempt_at", "created_at"), flat=True
        ).first() or now
    waited = now - first_attempt_at
    if attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS and waited >= retry_window():
        hours = waited.total_seconds() / 3600
        mark_final(delivery_id, status=Delivery.Status.FAILED,
                   error=f"gave up after {attempts} attempts over {hours:.1f} hours: {error}")
        return None
    delay = backoff_seconds(attempts)
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


def _record_decision(rows: list[Delivery], *, actor: Actor, action: str, to: str) -> None:
    """One history event per delivery a person decided on (who, when, from which status)."""
    for row in rows:
        record_event(
            actor=actor, action=action, object_type="notifications.delivery", object_id=row.pk,
            object_repr=f"{row.kind} → {row.to_email}"[:300], cluster_id=row.cluster_id, plan_id=row.plan_id,
            changes={"status": [row.status, to], **({"needs_review": [True, False]} if row.needs_review else {})},
        )


@transaction.atomic
def resend(delivery_ids: Iterable[int], *, actor: Actor) -> list[int]:
    """A person's decision: send again. Only rows in doubt (needs_review), failed or suppressed:
    a `sending` row without the flag is being handled by a worker right now. One history event
    per row queued again."""
    resendable = Q(needs_review=True) | Q(status__in=[Delivery.Status.FAILED, Delivery.Status.SUPPRESSED])
    rows = list(
        Delivery.objects.select_for_update().filter(resendable, pk__in=list(delivery_ids))
        .exclude(status=Delivery.Status.SENT).order_by("pk")
    )
    ids = [row.pk for row in rows]
    Delivery.objects.filter(pk__in=ids).update(
        status=Delivery.Status.PENDING, needs_review=False, next_attempt_at=None, attempts=0, first_attempt_at=None,
        updated_at=timezone.now(),
    )
    _record_decision(rows, actor=actor, action="resend", to=Delivery.Status.PENDING)
    return ids


@transaction.atomic
def mark_reviewed_as_sent(delivery_ids: Iterable[int], *, actor: Actor) -> int:
    """A person's decision: a delivery in doubt did reach the server. One history event per row."""
    now = timezone.now()
    rows = list(
        Delivery.objects.select_for_update().filter(pk__in=list(delivery_ids), needs_review=True).order_by("pk")
    )
    Delivery.objects.filter(pk__in=[row.pk for row in rows]).update(
        status=Delivery.Status.SENT, needs_review=False, sent_at=now, updated_at=now,
    )
    _record_decision(rows, actor=actor, action="mark_sent", to=Delivery.Status.SENT)
    return len(rows)
