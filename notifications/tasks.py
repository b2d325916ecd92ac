"""Thin Celery tasks: they take ids (or nothing), call one service, and are safe to repeat.

Delivery guarantees come from the database, not from the broker: every message is a
Delivery row with a unique dedup key, and a worker claims it (pending -> sending) before
sending, so a duplicate task sends nothing. Lost tasks are recovered by `sweep_outbox`
(beat, every minute): events never dispatched are dispatched, pending deliveries whose
task vanished are re-enqueued. Rows stuck in `sending` are flagged for a person, never
resent blindly (see notifications.services.outbox).

Countdowns are capped by NOTIFICATIONS_RETRY_MAX_SECONDS, which settings keep below the
broker's visibility timeout.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from notifications.services import digests, dispatch, links, outbox, reminders, sending

logger = logging.getLogger(__name__)


def enqueue_send(ids: list[int], *, countdown: float | None = None) -> int:
    """Queue sends in batches; a broker outage is logged, and the sweep recovers the rows."""
    size = settings.NOTIFICATIONS_BATCH_SIZE
    queued = 0
    for start in range(0, len(ids), size):
        chunk = ids[start:start + size]
        try:
            send_deliveries.apply_async((chunk,), countdown=countdown or 0)
            queued += len(chunk)
        except Exception:
            logger.warning("could not enqueue %d deliveries; the sweep will retry", len(chunk), exc_info=True)
            break
    return queued


# A database hiccup (lock timeout, failover) is worth a few quick retries; the sweep covers the rest.
@shared_task(
    name="notifications.dispatch_event", autoretry_for=(OperationalError,), retry_backoff=2, retry_backoff_max=60,
    max_retries=5,
)
def dispatch_event(event_id: int) -> int:
    ids = dispatch.dispatch_event(event_id=event_id)
    return enqueue_send(ids)


def enqueue_dispatch(event_id: int) -> None:
    """The history's after-commit consumer (settings.HISTORY_EVENT_CONSUMERS): queue the dispatch.

    If the broker is down, log one line: the outbox sweep dispatches the event later.
    """
    try:
        dispatch_event.delay(event_id)
    except Exception as exc:
        # One line, not a traceback: a bulk load with the broker down would print hundreds.
        logger.warning("could not enqueue dispatch of event %s (%s); the sweep will pick it up", event_id, exc)


def enqueue_fresh_links(*, stakeholder_ids: list[int], path: str | None) -> None:
    """settings.PMC_FRESH_LINK_SENDER: the fresh links a person asked for, queued to send now."""
    enqueue_send(links.fresh_link_deliveries(stakeholder_ids=stakeholder_ids, path=path))


@shared_task(
    name="notifications.send_deliveries", autoretry_for=(OperationalError,), retry_backoff=2, retry_backoff_max=60,
    max_retries=5,
)
def send_deliveries(delivery_ids: list[int]) -> int:
    result = sending.send_batch(list(delivery_ids))
    # A second past the rows' next_attempt_at, so the claim (which checks it) cannot be early.
    for delivery_id, delay in result.retry:
        enqueue_send([delivery_id], countdown=delay + 1)
    if result.unclaimed:
        enqueue_send(result.unclaimed, countdown=result.unclaimed_delay + 1)
    return len(result.sent)


def run_outbox_sweep(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    grace = dt.timedelta(seconds=settings.NOTIFICATIONS_SWEEP_GRACE_SECONDS)
    events = dispatch.undispatched_events(now=now, grace=grace, lookback=dt.timedelta(days=2))
    dispatched: list[int] = []
    for event_id in events:
        dispatched += dispatch.dispatch_event(event_id=event_id)
    enqueue_send(dispatched)  # fresh rows: pending_to_resend would only see them after the grace
    just_queued = set(dispatched)
    pending = [pk for pk in outbox.pending_to_resend(now=now, grace=grace) if pk not in just_queued]
    flagged = outbox.flag_stuck_sending(
        now=now, timeout=dt.timedelta(seconds=settings.NOTIFICATIONS_SENDING_TIMEOUT_SECONDS)
    )
    queued = enqueue_send(pending)
    return {"events": len(events), "requeued": queued, "flagged": flagged}


def run_reminder_sweep(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    milestones = reminders.milestone_reminders(now=now)
    forums = reminders.forum_reminders(now=now)
    agreements = reminders.agreement_reminders(now=now)
    digest_ids = digests.digests(now=now)
    enqueue_send(milestones + forums + agreements + digest_ids)
    return {"milestones": len(milestones), "forums": len(forums), "agreements": len(agreements),
            "digests": len(digest_ids)}


@shared_task(name="notifications.sweep_outbox")
def sweep_outbox() -> dict[str, int]:
    return run_outbox_sweep()


@shared_task(name="notifications.sweep_reminders")
def sweep_reminders() -> dict[str, int]:
    return run_reminder_sweep()
