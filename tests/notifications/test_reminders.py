"""Time rules: reminders at 07:00 in the recipient's zone, once per occurrence, across DST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications.kinds import Kind
from notifications.models import Delivery, DigestEntry, Frequency, ReminderPolicy
from notifications.services import digests, reminders
from notifications.services.recipients import ensure_profiles
from notifications.tasks import run_reminder_sweep
from plans.models import Forum
from tests.factories import ForumFactory, MilestoneFactory, PhaseFactory
from tests.world import World

pytestmark = pytest.mark.django_db
UTC = dt.UTC
TUCUMAN = ZoneInfo("America/Argentina/Tucuman")  # UTC-3, no DST
NEW_YORK = ZoneInfo("America/New_York")


def kinds_for(stakeholder_id: int) -> list[tuple[str, int]]:
    return list(Delivery.objects.filter(stakeholder_id=stakeholder_id).order_by("pk")
                .values_list("kind", "payload__days"))


def test_due_soon_fires_at_seven_local_and_only_once(world: World) -> None:
    # Milestone due 2026-12-15; 7 days before is 2026-12-08, 07:00 in Tucumán = 10:00 UTC.
    assert reminders.milestone_reminders(now=dt.datetime(2026, 12, 8, 9, 59, tzinfo=UTC)) == []
    ids = reminders.milestone_reminders(now=dt.datetime(2026, 12, 8, 10, 0, tzinfo=UTC))
    assert len(ids) == 1
    delivery = Delivery.objects.get(pk=ids[0])
    assert delivery.stakeholder == world.ana and delivery.kind == Kind.MILESTONE_DUE_SOON
    assert delivery.scheduled_for == dt.datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    assert delivery.dedup_key == f"milestone_due_soon:m{world.milestone.pk}:due7:20261208T1000Z:s{world.ana.pk}:email"
    # The same beat run again (or a second beat process) an hour later: nothing new.
    assert reminders.milestone_reminders(now=dt.datetime(2026, 12, 8, 11, 0, tzinfo=UTC)) == []
    assert Delivery.objects.count() == 1


def test_reminder_after_a_dst_change_uses_the_new_offset(world: World) -> None:
    # New York leaves DST on 2026-11-01. A milestone due 2026-11-08 -> 7-day reminder on 11-01,
    # 07:00 EST = 12:00 UTC (it would have been 11:00 UTC the day before, under EDT).
    world.ana.time_zone = "America/New_York"
    world.ana.save()
    world.milestone.due_date = dt.date(2026, 11, 8)
    world.milestone.save()
    assert reminders.milestone_reminders(now=dt.datetime(2026, 11, 1, 11, 30, tzinfo=UTC)) == []
    ids = reminders.milestone_reminders(now=dt.datetime(2026, 11, 1, 12, 0, tzinfo=UTC))
    at = Delivery.objects.get(pk=ids[0]).scheduled_for
    assert at is not None and at.astimezone(NEW_YORK) == dt.datetime(2026, 11, 1, 7, 0, tzinfo=NEW_YORK)
    # And the 1-day reminder on 11-07 is again at 12:00 UTC; on the spring change (2027-03-14) 11:00 UTC.
    assert len(reminders.milestone_reminders(now=dt.datetime(2026, 11, 7, 12, 0, tzinfo=UTC))) == 1
    world.milestone.due_date = dt.date(2027, 3, 15)
    world.milestone.save()
    assert reminders.milestone_reminders(now=dt.datetime(2027, 3, 14, 10, 59, tzinfo=UTC)) == []
    assert len(reminders.milestone_reminders(now=dt.datetime(2027, 3, 14, 11, 0, tzinfo=UTC))) == 1


def test_overdue_every_seven_days_and_escalation_to_coordinators_at_fourteen(world: World) -> None:
    due = world.milestone.due_date  # 2026-12-15
    seen = []
    for offset in range(0, 23):
        day = due + dt.timedelta(days=offset)
        for hour in (12, 18):  # two beat runs a day: the second finds nothing new
            ids = reminders.milestone_reminders(now=dt.datetime.combine(day, dt.time(hour, 0), tzinfo=UTC))
            seen += [(offset, d.kind, d.to_email) for d in Delivery.objects.filter(pk__in=ids).order_by("kind")]
    assert seen == [
        (1, Kind.MILESTONE_OVERDUE, world.ana.email),
        (8, Kind.MILESTONE_OVERDUE, world.ana.email),
        (14, Kind.MILESTONE_ESCALATION, world.coordinator_person.email),
        (15, Kind.MILESTONE_OVERDUE, world.ana.email),
        (22, Kind.MILESTONE_OVERDUE, world.ana.email),
    ]


def test_a_milestone_found_overdue_mid_period_is_reminded_at_once_then_not_again(world: World) -> None:
    # As with the demo data: 20 days overdue when the system first looks.
    now = dt.datetime(2027, 1, 4, 12, 0, tzinfo=UTC)
    first = Delivery.objects.filter(pk__in=reminders.milestone_reminders(now=now))
    assert sorted(d.kind for d in first) == [Kind.MILESTONE_ESCALATION, Kind.MILESTONE_OVERDUE]
    for hours in (1, 24):
        assert reminders.milestone_reminders(now=now + dt.timedelta(hours=hours)) == []
    # The next period starts on day 22.
    assert len(reminders.milestone_reminders(now=dt.datetime(2027, 1, 6, 12, 0, tzinfo=UTC))) == 1


def test_overdue_and_escalation_keys_carry_the_reminder_instant(world: World) -> None:
    # Due 2026-12-15, first seen 20 days overdue (period 2 starts on day 15 = 12-30, 07:00 Tucumán = 10:00 UTC;
    # escalation became due on day 14 = 12-29).
    now = dt.datetime(2027, 1, 4, 12, 0, tzinfo=UTC)
    rows = {d.kind: d for d in Delivery.objects.filter(pk__in=reminders.milestone_reminders(now=now))}
    mid = world.milestone.pk
    overdue, escalation = rows[Kind.MILESTONE_OVERDUE], rows[Kind.MILESTONE_ESCALATION]
    assert overdue.dedup_key == f"milestone_overdue:m{mid}:overdue:2026-12-15:p2:20261230T1000Z:s{world.ana.pk}:email"
    assert overdue.scheduled_for == dt.datetime(2026, 12, 30, 10, 0, tzinfo=UTC)
    assert escalation.dedup_key.startswith(f"milestone_escalation:m{mid}:2026-12-15:20261229T1000Z:")
    assert escalation.scheduled_for == dt.datetime(2026, 12, 29, 10, 0, tzinfo=UTC)


def test_escalations_without_a_coordinator_are_logged_once_per_sweep(world: World, caplog: pytest.LogCaptureFixture
                                                                     ) -> None:
    from plans.models import RoleAssignment

    RoleAssignment.objects.filter(cluster=world.cluster, role="coordinator").delete()
    MilestoneFactory.create(plan=world.plan, project=world.milestone.project, due_date=world.milestone.due_date)
    with caplog.at_level("WARNING", logger="notifications.services.reminders"):
        reminders.milestone_reminders(now=dt.datetime(2027, 1, 4, 12, 0, tzinfo=UTC))
    warnings = [r for r in caplog.records if "no coordinator" in r.getMessage()]
    assert len(warnings) == 1 and str(world.cluster.pk) in warnings[0].getMessage()


def test_plan_policy_changes_the_offsets(world: World) -> None:
    ReminderPolicy.objects.create(plan=world.plan, due_soon_days=[3], overdue_every_days=2, escalate_after_days=30)
    assert reminders.milestone_reminders(now=dt.datetime(2026, 12, 8, 12, 0, tzinfo=UTC)) == []  # 7 days: not any more
    assert len(reminders.milestone_reminders(now=dt.datetime(2026, 12, 12, 12, 0, tzinfo=UTC))) == 1
    assert len(reminders.milestone_reminders(now=dt.datetime(2026, 12, 16, 12, 0, tzinfo=UTC))) == 1  # day 1 overdue
    assert reminders.milestone_reminders(now=dt.datetime(2026, 12, 17, 12, 0, tzinfo=UTC)) == []
    assert len(reminders.milestone_reminders(now=dt.datetime(2026, 12, 18, 12, 0, tzinfo=UTC))) == 1  # day 3


def test_completed_and_cancelled_milestones_are_not_reminded(world: World) -> None:
    MilestoneFactory.create(project=world.project, responsible=world.ana, due_date=dt.date(2026, 12, 15),
                            status="completed", completed_on=dt.date(2026, 12, 1))
    MilestoneFactory.create(project=world.project, responsible=world.ana, due_date=dt.date(2026, 12, 15),
                            status="cancelled")
    assert len(reminders.milestone_reminders(now=dt.datetime(2026, 12, 8, 12, 0, tzinfo=UTC))) == 1


def test_milestone_without_responsible_reminds_the_coordinators(world: World) -> None:
    world.milestone.responsible = None
    world.milestone.save()
    ids = reminders.milestone_reminders(now=dt.datetime(2026, 12, 14, 12, 0, tzinfo=UTC))
    assert [d.to_email for d in Delivery.objects.filter(pk__in=ids)] == [world.coordinator_person.email]


def test_forum_reminder_the_day_before_for_subscribers(world: World) -> None:
    ensure_profiles(cluster_id=world.cluster.pk)
    phase = PhaseFactory.create(plan=world.plan)
    forum = ForumFactory.create(phase=phase, starts_at=dt.datetime(2026, 12, 3, 11, 30, tzinfo=UTC))
    ForumFactory.create(phase=phase, starts_at=dt.datetime(2026, 12, 3, 11, 30, tzinfo=UTC),
                        status=Forum.Status.CANCELLED)
    assert reminders.forum_reminders(now=dt.datetime(2026, 12, 2, 9, 0, tzinfo=UTC)) == []  # 06:00 in Tucumán
    ids = reminders.forum_reminders(now=dt.datetime(2026, 12, 2, 13, 0, tzinfo=UTC))
    # Ana and Carla (Tucumán) at 10:00 UTC; Bob (New York, 07:00 EST = 12:00 UTC) as well by 13:00.
    assert {d.to_email for d in Delivery.objects.filter(pk__in=ids)} == {
        world.ana.email, world.bob.email, world.coordinator_person.email}
    assert {d.object_id for d in Delivery.objects.filter(pk__in=ids)} == {forum.pk}
    assert reminders.forum_reminders(now=dt.datetime(2026, 12, 2, 14, 0, tzinfo=UTC)) == []


def test_daily_digest_at_seven_in_the_recipient_zone(world: World) -> None:
    ensure_profiles(cluster_id=world.cluster.pk)
    with time_machine.travel(dt.datetime(2026, 12, 1, 20, 0, tzinfo=UTC), tick=False):
        DigestEntry.objects.create(stakeholder=world.bob, event_id=1, kind=Kind.MILESTONE_COMPLETED,
                                   frequency=Frequency.DAILY)
    assert digests.digests(now=dt.datetime(2026, 12, 2, 11, 59, tzinfo=UTC)) == []  # 06:59 in New York
    ids = digests.digests(now=dt.datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    assert len(ids) == 1 and DigestEntry.objects.get().delivery_id == ids[0]
    assert digests.digests(now=dt.datetime(2026, 12, 2, 12, 5, tzinfo=UTC)) == []


def test_the_whole_beat_run_twice_sends_no_second_reminder(world: World) -> None:
    now = dt.datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
    first = run_reminder_sweep(now)
    second = run_reminder_sweep(now + dt.timedelta(minutes=1))
    assert first["milestones"] == 1 and second == {"milestones": 0, "forums": 0, "agreements": 0, "digests": 0}
