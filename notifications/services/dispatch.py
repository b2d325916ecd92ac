"""Turning a committed history event into deliveries (immediate) and digest entries.

Idempotent: a DispatchRecord row marks the event as handled, and every delivery has a
unique dedup key (event + recipient + channel), so a second dispatch of the same event
(the sweep racing the normal path) creates nothing new.

Data loading is not news: events recorded by a management command without a user
(source "command", no actor: the demo loader `load_demo`, imports of past records) are
marked dispatched with no deliveries or digest entries. Otherwise a first `make run`
would email everyone about the demo's whole data-entry history. Changes made by people
(API, admin) and by tasks notify as usual; a command run on behalf of a user notifies too.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from notifications.kinds import NOTIFYING_OBJECT_TYPES, Kind, kind_of_event
from notifications.models import Delivery, DigestEntry, DispatchRecord, Frequency
from plans.models import Agreement, Forum, HistoryEvent, Source
from projects.models import Milestone, MilestoneUpdate

from .enqueueing import build_delivery, insert_deliveries
from .recipients import ensure_profiles, member_people, subscribers

logger = logging.getLogger(__name__)


def is_data_load(event: HistoryEvent) -> bool:
    return event.source == Source.COMMAND and event.actor_id is None


def project_of(event: HistoryEvent) -> int | None:
    if event.object_id is None:
        return None
    if event.object_type == "projects.project":
        return event.object_id
    if event.object_type == "projects.milestone":
        return Milestone.objects.filter(pk=event.object_id).values_list("project_id", flat=True).first()
    if event.object_type == "projects.milestoneupdate":
        return (
            MilestoneUpdate.objects.filter(pk=event.object_id).values_list("milestone__project_id", flat=True).first()
        )
    return None


@transaction.atomic
def dispatch_event(*, event_id: int) -> list[int]:
    """Create the deliveries of one event; return the ids of new pending deliveries to send."""
    if DispatchRecord.objects.filter(event_id=event_id).exists():
        return []
    event = HistoryEvent.objects.filter(pk=event_id).first()
    if event is None:
        return []
    if event.object_type == "plans.stakeholder" and event.action == "create" and event.object_id:
        ensure_profiles(stakeholder_ids=[event.object_id])
    kind = kind_of_event(event.object_type, event.action, event.changes or {})
    if kind in (Kind.FORUM_SCHEDULED, Kind.FORUM_RESCHEDULED) and Forum.objects.filter(
        pk=event.object_id or 0, starts_at__lt=timezone.now()
    ).exists():
        kind = None  # no invitation to a forum already past (e.g. history being entered afterwards)
    if kind is None or not event.chain_id or is_data_load(event):
        DispatchRecord.objects.bulk_create([DispatchRecord(event_id=event_id)], ignore_conflicts=True)
        return []

    cluster_id = event.chain_id  # each cluster has its own chain
    ensure_profiles(cluster_id=cluster_id)
    if kind == Kind.AGREEMENT_OPENED:
        return _ask_for_positions(event, cluster_id)
    recipients = subscribers(
        cluster_id=cluster_id, plan_id=event.plan_id, project_id=project_of(event), kind=kind,
        actor_user_id=event.actor_id,
    )
    immediate = [r for r in recipients if r.frequency == Frequency.IMMEDIATE]
    digest = [r for r in recipients if r.frequency != Frequency.IMMEDIATE]
    insert_deliveries(
        (build_delivery(
            occurrence=f"event:{event_id}", recipient=r, kind=kind, cluster_id=cluster_id, plan_id=event.plan_id,
            event_id=event_id, object_type=event.object_type, object_id=event.object_id,
        )
         for r in immediate),
        precheck=False, return_ids=False,  # the DispatchRecord check above: the keys are new (a race is safe)
    )
    ids = pending_of_event(event_id)  # one indexed query instead of looking the keys up
    DigestEntry.objects.bulk_create(
        [
            DigestEntry(stakeholder_id=r.stakeholder_id or 0, event_id=event_id, kind=kind, frequency=r.frequency)
            for r in digest
        ],
        ignore_conflicts=True, batch_size=1000,
    )
    DispatchRecord.objects.bulk_create(
        [DispatchRecord(event_id=event_id, kind=kind, deliveries=len(immediate), digest_entries=len(digest))],
        ignore_conflicts=True,
    )
    return ids


def _ask_for_positions(event: HistoryEvent, cluster_id: int) -> list[int]:
    """An opened agreement asks every full member organization for its position: each of its
    people gets the request at once (not a digest: it has a date), subscribed or not."""
    still_open = Agreement.objects.filter(pk=event.object_id or 0, status=Agreement.Status.OPEN).exists()
    people = member_people(cluster_id=cluster_id) if still_open else []
    insert_deliveries(
        (build_delivery(
            occurrence=f"event:{event.pk}", recipient=p.recipient, kind=Kind.AGREEMENT_OPENED, cluster_id=cluster_id,
            plan_id=event.plan_id, event_id=event.pk, object_type=event.object_type, object_id=event.object_id,
            payload={"organization": p.organization_id},
        ) for p in people),
        precheck=False, return_ids=False,
    )
    DispatchRecord.objects.bulk_create(
        [DispatchRecord(event_id=event.pk, kind=Kind.AGREEMENT_OPENED, deliveries=len(people))],
        ignore_conflicts=True,
    )
    return pending_of_event(event.pk)


def undispatched_events(*, now: dt.datetime, grace: dt.timedelta, lookback: dt.timedelta) -> list[int]:
    """Events of the recent past with no DispatchRecord (their after-commit enqueue was lost).

    Bounded by the occurred_at index and the lookback window, so the cost follows the
    number of recent events, not the length of the history.
    """
    return list(
        HistoryEvent.objects.filter(
            occurred_at__gte=now - lookback, occurred_at__lt=now - grace,
            object_type__in=[*NOTIFYING_OBJECT_TYPES, "plans.stakeholder"],
        )
        .exclude(pk__in=DispatchRecord.objects.filter(dispatched_at__gte=now - lookback - grace).values("event_id"))
        .order_by("pk").values_list("pk", flat=True)[:2000]
    )


def pending_of_event(event_id: int) -> list[int]:
    return list(
        Delivery.objects.filter(event_id=event_id, status=Delivery.Status.PENDING).values_list("pk", flat=True)
    )
