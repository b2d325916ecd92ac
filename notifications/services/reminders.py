"""Time-driven messages: "what is due now?" for milestones, forums and digests.

Every reminder has an instant: 07:00 on a given day in the recipient's own zone (so a
reminder falls at the right local hour across a daylight-saving change). The instant is
part of the dedup key, so running the same sweep twice (or two beat processes) creates
nothing new. A reminder whose instant passed less than NOTIFICATIONS_CATCH_UP_HOURS ago is
still sent (beat was down for a while); older ones are skipped.

Open agreements: the people of each full member organization without a position are reminded
N days after the agreement opened and M days before its closing date (the plan's policy),
each reminder once per agreement (its dedup key names the agreement and which reminder, not
the instant). A coordinator may also remind them at once: once per agreement and day.

Cost: the milestone query asks the (status, due_date) index for open milestones whose due
date is one of a few candidate dates (each due-soon offset around today, in any zone) or
inside the overdue window (overdue milestones owe a reminder each period); the work grows
with those, not with all milestones.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.kinds import Kind
from notifications.models import Delivery, ReminderPolicy
from notifications.permissions import AGREEMENT_REMINDERS
from plans.access import access_for
from plans.errors import PermissionDeniedError, RuleViolation
from plans.models import Agreement, Forum, Plan
from plans.permissions import may
from plans.services.history import Actor, lock, record_event
from projects.models import Milestone

from .enqueueing import NewDelivery, build_delivery, insert_deliveries
from .recipients import MemberPerson, Recipient, coordinators, member_people, subscribers

logger = logging.getLogger(__name__)
SEND_AT = dt.time(7, 0)
MAX_OVERDUE_REMINDERS = 26  # about half a year of weekly reminders; escalation happened long before


@dataclass(frozen=True)
class Policy:
    due_soon_days: tuple[int, ...] = (14, 7, 1)
    overdue_every_days: int = 7
    escalate_after_days: int = 14
    forum_reminder_days: int = 1
    agreement_after_days: int = 3  # 0: no reminder after opening
    agreement_before_days: int = 1  # 0: no reminder before the closing date


DEFAULT_POLICY = Policy()


@cache
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def instant(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """07:00 local on `day` (zoneinfo resolves the UTC offset valid on that date)."""
    return dt.datetime.combine(day, SEND_AT, tzinfo=tz)


def catch_up() -> dt.timedelta:
    return dt.timedelta(hours=settings.NOTIFICATIONS_CATCH_UP_HOURS)


def due_days(now: dt.datetime, tz: ZoneInfo) -> Iterator[tuple[dt.date, dt.datetime]]:
    """Local days whose 07:00 instant has passed within the catch-up window."""
    today = now.astimezone(tz).date()
    for d in (today - dt.timedelta(days=1), today):
        at = instant(d, tz)
        if at <= now < at + catch_up():
            yield d, at


def stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")


def load_policies() -> dict[int, Policy]:
    return {
        plan_id: Policy(tuple(sorted({int(x) for x in days or ()})), every, escalate, forum, after, before)
        for plan_id, days, every, escalate, forum, after, before in ReminderPolicy.objects.values_list(
            "plan_id", "due_soon_days", "overdue_every_days", "escalate_after_days", "forum_reminder_days",
            "agreement_after_days", "agreement_before_days",
        )
    }


def candidate_filter(now: dt.datetime, policies: list[Policy]) -> Q:
    """Open milestones that may owe a reminder now: due-soon dates, or overdue within the window."""
    utc_today = now.astimezone(dt.UTC).date()
    local_days = [utc_today + dt.timedelta(days=k) for k in (-2, -1, 0, 1)]  # every zone, plus catch-up
    soon = {d + dt.timedelta(days=o) for p in policies for d in local_days for o in p.due_soon_days}
    window = max(max(p.overdue_every_days * MAX_OVERDUE_REMINDERS, p.escalate_after_days + 1) for p in policies)
    return Q(due_date__in=sorted(soon)) | Q(due_date__gte=utc_today - dt.timedelta(days=window + 2),
                                           due_date__lte=utc_today + dt.timedelta(days=1))


def milestone_occurrences(
    due: dt.date, policy: Policy, now: dt.datetime, tz: ZoneInfo
) -> Iterator[tuple[str, int, str, dt.datetime]]:
    """(kind, days, occurrence label, instant) owed to the responsible person at `now`.

    Due soon: on each offset's day. Overdue: once per period of N days from the day after the
    due date (day 1, 1+N, ...), at the first run after 07:00 local in that period, so a
    milestone found overdue mid-period is reminded at once and then not again in that period.
    The label carries the reminder's instant (UTC): for overdue, the period's own instant
    (07:00 local on its first day), which is the same whichever day of the period sends it.
    """
    days = list(due_days(now, tz))
    for day, at in days:
        left = (due - day).days
        if left in policy.due_soon_days:
            yield Kind.MILESTONE_DUE_SOON, left, f"due{left}:{stamp(at)}", at
    if days:
        day, at = days[-1]
        over = (day - due).days
        period = (over - 1) // policy.overdue_every_days
        if over >= 1 and period < MAX_OVERDUE_REMINDERS:
            period_at = instant(due + dt.timedelta(days=1 + period * policy.overdue_every_days), tz)
            yield Kind.MILESTONE_OVERDUE, over, f"overdue:{due.isoformat()}:p{period}:{stamp(period_at)}", period_at


@transaction.atomic
def milestone_reminders(*, now: dt.datetime) -> list[int]:
    """Create the due-soon, overdue and escalation deliveries due at `now`; return new ids."""
    policies = load_policies()
    rows = Milestone.objects.filter(
        candidate_filter(now, [DEFAULT_POLICY, *set(policies.values())]), status__in=Milestone.OPEN_STATUSES
    ).values_list(
        "pk", "plan_id", "plan__cluster_id", "plan__cluster__time_zone", "due_date", "responsible_id",
        "responsible__email", "responsible__language", "responsible__time_zone", "responsible__is_active",
    )
    coordinator_cache: dict[int, list[Recipient]] = {}
    clusters_without_coordinator: set[int] = set()
    new: list[NewDelivery] = []

    def coordinators_of(cluster_id: int) -> list[Recipient]:
        if cluster_id not in coordinator_cache:
            coordinator_cache[cluster_id] = coordinators(cluster_id)
        return coordinator_cache[cluster_id]

    def add(kind: str, mid: int, label: str, person: Recipient, at: dt.datetime, days: int, due: dt.date,
            cluster_id: int, plan_id: int) -> None:
        new.append(build_delivery(
            occurrence=f"{kind}:m{mid}:{label}", recipient=person, kind=kind, cluster_id=cluster_id,
            plan_id=plan_id, object_type="projects.milestone", object_id=mid, scheduled_for=at,
            payload={"days": days, "due_date": due.isoformat()},
        ))

    for mid, plan_id, cluster_id, cluster_tz, due, sid, email, language, person_tz, active in rows.iterator(2000):
        policy = policies.get(plan_id, DEFAULT_POLICY)
        if sid and email and active:
            people = [Recipient(email=email, language=language, time_zone=person_tz, stakeholder_id=sid)]
        else:
            people = coordinators_of(cluster_id)
        for person in people:
            for kind, days, label, at in milestone_occurrences(due, policy, now, zone(person.time_zone or cluster_tz)):
                add(kind, mid, label, person, at, days, due, cluster_id, plan_id)
        # Escalation: once per due date, to the coordinators, from N days overdue on; its instant
        # (in the key) is 07:00 local on the day it became due, whichever later day sends it.
        escalators = coordinators_of(cluster_id)
        if not escalators:
            passed = list(due_days(now, zone(cluster_tz)))
            if passed and (passed[-1][0] - due).days >= policy.escalate_after_days:
                clusters_without_coordinator.add(cluster_id)
        for person in escalators:
            tz = zone(person.time_zone or cluster_tz)
            passed = list(due_days(now, tz))
            if passed and (passed[-1][0] - due).days >= policy.escalate_after_days:
                day, _at = passed[-1]
                at = instant(due + dt.timedelta(days=policy.escalate_after_days), tz)
                add(Kind.MILESTONE_ESCALATION, mid, f"{due.isoformat()}:{stamp(at)}", person, at, (day - due).days,
                    due, cluster_id, plan_id)
    if clusters_without_coordinator:  # once per sweep: escalations (and orphan reminders) have nobody to go to
        logger.warning("no coordinator with an email in clusters %s: milestone escalations are not sent",
                       sorted(clusters_without_coordinator))
    return insert_deliveries(new)


@transaction.atomic
def forum_reminders(*, now: dt.datetime) -> list[int]:
    """Remind subscribers N days before a scheduled forum, at 07:00 their time."""
    policies = load_policies()
    horizon = max([DEFAULT_POLICY.forum_reminder_days, *(p.forum_reminder_days for p in policies.values())]) + 2
    forums = Forum.objects.filter(
        status=Forum.Status.SCHEDULED, starts_at__gt=now, starts_at__lt=now + dt.timedelta(days=horizon)
    ).select_related("plan")
    new: list[NewDelivery] = []
    for forum in forums:
        days_before = policies.get(forum.plan_id, DEFAULT_POLICY).forum_reminder_days
        for person in subscribers(cluster_id=forum.plan.cluster_id, plan_id=forum.plan_id, project_id=None,
                                  kind=Kind.FORUM_REMINDER):
            tz = zone(person.time_zone)
            start_day = forum.starts_at.astimezone(tz).date()
            for day, at in due_days(now, tz):
                if (start_day - day).days == days_before:
                    new.append(build_delivery(
                        occurrence=f"{Kind.FORUM_REMINDER}:f{forum.pk}:s{forum.sequence}:{stamp(at)}",
                        recipient=person, kind=Kind.FORUM_REMINDER, cluster_id=forum.plan.cluster_id,
                        plan_id=forum.plan_id, object_type="plans.forum", object_id=forum.pk, scheduled_for=at,
                        payload={"days": days_before},
                    ))
    return insert_deliveries(new)


def agreement_reminder_days(opened_on: dt.date, closes_on: dt.date | None, policy: Policy) -> dict[dt.date, str]:
    """The days (the cluster's) an agreement's non-responders are reminded, and which reminder.

    After opening: N days later, unless that is past the closing date. Before closing: M days
    before it, if that comes after the opening day (the request itself has just gone out); when
    both fall on one day, only the one before closing is sent.
    """
    days: dict[dt.date, str] = {}
    after = opened_on + dt.timedelta(days=policy.agreement_after_days)
    if policy.agreement_after_days and (closes_on is None or after <= closes_on):
        days[after] = "after"
    if closes_on is not None and policy.agreement_before_days:
        before = closes_on - dt.timedelta(days=policy.agreement_before_days)
        if before > opened_on:
            days[before] = "before"
    return days


def _non_responders(agreement: Agreement) -> list[MemberPerson]:
    answered = frozenset(agreement.positions.values_list("organization_id", flat=True))
    return member_people(cluster_id=agreement.plan.cluster_id, exclude_organizations=answered)


def _reminder(agreement: Agreement, person: MemberPerson, label: str, at: dt.datetime, which: str) -> NewDelivery:
    return build_delivery(
        occurrence=f"{Kind.AGREEMENT_REMINDER}:a{agreement.pk}:{label}", recipient=person.recipient,
        kind=Kind.AGREEMENT_REMINDER, cluster_id=agreement.plan.cluster_id, plan_id=agreement.plan_id,
        object_type="plans.agreement", object_id=agreement.pk, scheduled_for=at,
        payload={"organization": person.organization_id, "which": which},
    )


@transaction.atomic
def agreement_reminders(*, now: dt.datetime) -> list[int]:
    """Remind the people of member organizations that have not taken a position on an open
    agreement, on the days of the plan's policy, at 07:00 their time; return the new ids.

    Each reminder is keyed by agreement, which one ("after" opening, "before" closing) and
    person, so a second beat run (or a changed policy) sends nothing twice.
    """
    policies = load_policies()
    every = [DEFAULT_POLICY, *policies.values()]
    after_max = max(p.agreement_after_days for p in every)
    before_max = max(p.agreement_before_days for p in every)
    utc_today = now.astimezone(dt.UTC).date()
    closing_soon = Q(closes_on__gte=utc_today - dt.timedelta(days=1),
                     closes_on__lte=utc_today + dt.timedelta(days=before_max + 2))
    agreements = Agreement.objects.filter(
        Q(created_at__gte=now - dt.timedelta(days=after_max + 2)) | closing_soon,
        status=Agreement.Status.OPEN, plan__status__in=Plan.OPEN_STATUSES,
    ).select_related("plan__cluster").order_by("pk")
    new: list[NewDelivery] = []
    for agreement in agreements:
        cluster_tz = zone(agreement.plan.cluster.time_zone)
        owed = agreement_reminder_days(agreement.created_at.astimezone(cluster_tz).date(), agreement.closes_on,
                                       policies.get(agreement.plan_id, DEFAULT_POLICY))
        if not owed:
            continue
        for person in _non_responders(agreement):
            for day, at in due_days(now, zone(person.recipient.time_zone or agreement.plan.cluster.time_zone)):
                which = owed.get(day)
                if which is not None:
                    new.append(_reminder(agreement, person, which, at, which))
    return insert_deliveries(new)


@dataclass(frozen=True)
class Reminded:
    """What a coordinator's "remind those who have not answered" did."""

    organizations: int  # organizations whose people were reminded now
    deliveries: list[int]  # the new deliveries, to send
    already_today: bool = False  # everyone owed one had been reminded today already


@transaction.atomic
def agreement_remind_non_responders(*, agreement_id: int, actor: Actor, now: dt.datetime | None = None) -> Reminded:
    """A coordinator reminds, now, the people of every full member organization without a
    position on the open agreement. Once per agreement and day (the cluster's): a double click,
    or a second coordinator, sends nothing more and records nothing; otherwise one history
    event `remind_non_responders` on the agreement says how many organizations were reminded.
    """
    now = now or timezone.now()
    agreement = lock(Agreement, agreement_id)  # this row only: plan services lock plan -> agreement
    cluster = Plan.objects.select_related("cluster").get(pk=agreement.plan_id).cluster
    if not may(access_for(actor.user), AGREEMENT_REMINDERS, "remind", cluster.pk):
        raise PermissionDeniedError(_("Only the cluster's coordinators remind organizations to answer."))
    if agreement.status != Agreement.Status.OPEN:
        raise RuleViolation(_("The agreement is %(status)s: there is no position left to ask for."),
                            status=agreement.get_status_display())
    day = now.astimezone(zone(cluster.time_zone)).date()
    rows = [_reminder(agreement, p, f"asked:{day.isoformat()}", now, "asked") for p in _non_responders(agreement)]
    # The agreement's row lock serialises clicks, so what is already there is known exactly.
    known = set(Delivery.objects.filter(dedup_key__in=[r.dedup_key for r in rows]).values_list("dedup_key", flat=True))
    fresh = [r for r in rows if r.dedup_key not in known]
    if not fresh:
        return Reminded(organizations=0, deliveries=[], already_today=bool(rows))
    ids = insert_deliveries(fresh, precheck=False)
    organizations = len({r.payload["organization"] for r in fresh})
    record_event(actor=actor, action="remind_non_responders", instance=agreement, changes={},
                 context={"organizations": organizations, "people": len(fresh)})
    return Reminded(organizations=organizations, deliveries=ids)
