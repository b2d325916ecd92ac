"""Forum services: schedule, reschedule (calendar sequence), hold with minutes, cancel, attendance."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from plans.errors import IllegalTransition, RuleViolation, ValidationFailed
from plans.models import Agreement, Forum, Phase, Plan
from plans.services.forums import (
    attendance_add,
    attendance_remove,
    forum_cancel,
    forum_hold,
    forum_schedule,
    forum_update,
)
from plans.services.history import Actor
from tests.factories import AgreementFactory, ClusterFactory, OrganizationFactory, StakeholderFactory
from tests.plans.helpers import NewEvents

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=-3))
LAUNCH = dt.datetime(2012, 9, 20, 8, 30, tzinfo=TZ)


@pytest.fixture
def forum(plan: Plan, actor: Actor) -> Forum:
    return forum_schedule(
        phase_id=plan.phases.get(order=1).pk, actor=actor, title="Foro de lanzamiento", starts_at=LAUNCH,
        ends_at=LAUNCH + dt.timedelta(hours=4), venue="Sociedad Rural de Tucumán",
    )


def test_schedule_records_one_create_event(plan: Plan, actor: Actor) -> None:
    phase = plan.phases.get(order=1)
    with NewEvents() as spy:
        forum = forum_schedule(phase_id=phase.pk, actor=actor, title="Foro I", starts_at=LAUNCH)
    event = spy.one()
    assert forum.plan_id == plan.pk and forum.sequence == 0 and forum.status == Forum.Status.SCHEDULED
    assert event.action == "create" and event.object_type == "plans.forum" and event.plan_id == plan.pk
    assert event.changes["starts_at"] == [None, "2012-09-20T11:30:00+00:00"]


@pytest.mark.parametrize("ends_at", [LAUNCH, LAUNCH - dt.timedelta(minutes=1)])
def test_schedule_refuses_an_end_not_after_the_start(plan: Plan, actor: Actor, ends_at: dt.datetime) -> None:
    with NewEvents() as spy, pytest.raises(ValidationFailed) as exc:
        forum_schedule(phase_id=plan.phases.first().pk, actor=actor, title="x", starts_at=LAUNCH, ends_at=ends_at)  # type: ignore[union-attr]
    assert "ends_at" in exc.value.errors and spy.events == []


def test_schedule_refuses_naive_times_and_finished_phases(plan: Plan, actor: Actor) -> None:
    phase = plan.phases.get(order=1)
    with pytest.raises(ValidationFailed):
        forum_schedule(phase_id=phase.pk, actor=actor, title="x", starts_at=dt.datetime(2012, 9, 20, 8, 30))
    Phase.objects.filter(pk=phase.pk).update(status=Phase.Status.SKIPPED, skip_reason="r")
    with pytest.raises(RuleViolation):
        forum_schedule(phase_id=phase.pk, actor=actor, title="x", starts_at=LAUNCH)


def test_a_new_time_is_a_reschedule_and_raises_the_sequence(forum: Forum, actor: Actor) -> None:
    later = LAUNCH + dt.timedelta(days=7)
    with NewEvents() as spy:
        forum_update(
            forum_id=forum.pk, actor=actor, values={"starts_at": later, "ends_at": later + dt.timedelta(hours=4)},
            expected_version=1,
        )
    event = spy.one()
    assert event.action == "reschedule"
    assert event.changes["starts_at"] == ["2012-09-20T11:30:00+00:00", "2012-09-27T11:30:00+00:00"]
    assert event.changes["sequence"] == [0, 1]
    forum.refresh_from_db()
    assert forum.sequence == 1 and forum.starts_at == later


def test_a_new_venue_is_an_update_that_calendars_see(forum: Forum, actor: Actor) -> None:
    with NewEvents() as spy:
        forum_update(forum_id=forum.pk, actor=actor, values={"venue": "INTA Trancas"})
    event = spy.one()
    assert event.action == "update" and event.changes["sequence"] == [0, 1]
    with NewEvents() as spy:
        forum_update(forum_id=forum.pk, actor=actor, values={"agenda": "1. Presentación"})
    assert "sequence" not in spy.one().changes


def test_reschedule_refuses_an_end_before_the_start(forum: Forum, actor: Actor) -> None:
    with NewEvents() as spy, pytest.raises(ValidationFailed) as exc:
        forum_update(forum_id=forum.pk, actor=actor, values={"starts_at": LAUNCH + dt.timedelta(days=1)})
    assert "ends_at" in exc.value.errors and spy.events == []


def test_hold_needs_minutes_and_a_start_in_the_past(forum: Forum, actor: Actor, plan: Plan) -> None:
    with NewEvents() as spy, pytest.raises(ValidationFailed) as exc:
        forum_hold(forum_id=forum.pk, minutes="  ", actor=actor)
    assert "minutes" in exc.value.errors and spy.events == []
    future = forum_schedule(
        phase_id=forum.phase_id, actor=actor, title="Foro II", starts_at=timezone.now() + dt.timedelta(days=3)
    )
    with pytest.raises(RuleViolation):
        forum_hold(forum_id=future.pk, minutes="Acta", actor=actor)
    with NewEvents() as spy:
        forum_hold(forum_id=forum.pk, minutes="Acta del foro", actor=actor)
    event = spy.one()
    assert event.changes == {"status": ["scheduled", "held"], "minutes": ["", "Acta del foro"]}


def test_cancel_raises_the_sequence(forum: Forum, actor: Actor) -> None:
    with NewEvents() as spy:
        forum_cancel(forum_id=forum.pk, actor=actor, reason="Lluvias")
    event = spy.one()
    assert event.changes == {"status": ["scheduled", "cancelled"], "sequence": [0, 1]} and event.reason == "Lluvias"
    with pytest.raises(RuleViolation):
        forum_update(forum_id=forum.pk, actor=actor, values={"title": "x"})


def move(forum: Forum, target: str, actor: Actor) -> None:
    if target == Forum.Status.HELD:
        forum_hold(forum_id=forum.pk, minutes="Acta", actor=actor)
    elif target == Forum.Status.CANCELLED:
        forum_cancel(forum_id=forum.pk, actor=actor)
    else:
        pytest.fail(f"no service moves a forum to {target}")


TARGETS = [s for s in Forum.Status.values if any(s in t for t in Forum.TRANSITIONS.values())]


@pytest.mark.parametrize(("current", "target"), list(itertools.product(Forum.Status.values, TARGETS)))
def test_every_forum_transition(forum: Forum, actor: Actor, current: str, target: str) -> None:
    Forum.objects.filter(pk=forum.pk).update(status=current, minutes="Acta previa")
    legal = target in Forum.TRANSITIONS[current]
    with NewEvents() as spy:
        if legal:
            move(forum, target, actor)
        else:
            with pytest.raises(IllegalTransition):
                move(forum, target, actor)
    forum.refresh_from_db()
    if legal:
        assert spy.one().changes["status"] == [current, target] and forum.status == target
    else:
        assert spy.events == [] and forum.status == current


def test_attendance_of_members_and_stakeholders(forum: Forum, actor: Actor, plan: Plan) -> None:
    org = OrganizationFactory.create(cluster=plan.cluster)
    person = StakeholderFactory.create(cluster=plan.cluster)
    with NewEvents() as spy:
        row = attendance_add(forum_id=forum.pk, actor=actor, organization_id=org.pk)
    event = spy.one()
    assert event.object_type == "plans.forumattendance" and event.changes["organization"] == [None, org.pk]
    attendance_add(forum_id=forum.pk, actor=actor, stakeholder_id=person.pk)
    with NewEvents() as spy, pytest.raises(ValidationFailed) as exc:
        attendance_add(forum_id=forum.pk, actor=actor, organization_id=org.pk)
    assert "organization" in exc.value.errors and "already" in str(exc.value) and spy.events == []
    with pytest.raises(ValidationFailed) as exc:
        attendance_add(forum_id=forum.pk, actor=actor, stakeholder_id=person.pk)
    assert "stakeholder" in exc.value.errors
    with NewEvents() as spy:
        attendance_remove(attendance_id=row.pk, actor=actor)
    assert spy.one().action == "delete" and forum.attendance.count() == 1


def test_attendance_refuses_outsiders_and_bad_shapes(forum: Forum, actor: Actor, plan: Plan) -> None:
    other = ClusterFactory.create()
    cases = [
        {"organization_id": OrganizationFactory.create(cluster=other).pk},
        {"organization_id": OrganizationFactory.create(cluster=plan.cluster, is_active=False).pk},
        {"stakeholder_id": StakeholderFactory.create(cluster=other).pk},
        {},
        {"organization_id": OrganizationFactory.create(cluster=plan.cluster).pk,
         "stakeholder_id": StakeholderFactory.create(cluster=plan.cluster).pk},
        {"organization_id": 999_999},
    ]
    with NewEvents() as spy:
        for kwargs in cases:
            with pytest.raises(ValidationFailed):
                attendance_add(forum_id=forum.pk, actor=actor, **kwargs)
    assert spy.events == []


def test_attendance_behind_an_adopted_forum_decision_is_frozen(forum: Forum, actor: Actor, plan: Plan) -> None:
    row = attendance_add(
        forum_id=forum.pk, actor=actor, organization_id=OrganizationFactory.create(cluster=plan.cluster).pk
    )
    AgreementFactory.create(
        plan=plan, forum=forum, rule=Agreement.Rule.FORUM_CONSENSUS, status=Agreement.Status.ADOPTED
    )
    with pytest.raises(RuleViolation):
        attendance_remove(attendance_id=row.pk, actor=actor)



def test_a_forum_of_a_cancelled_plan_can_still_be_cancelled_but_not_moved(
    forum: Forum, actor: Actor, plan: Plan
) -> None:
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.CANCELLED)
    with pytest.raises(RuleViolation):
        forum_update(forum_id=forum.pk, actor=actor, values={"venue": "x"})
    with NewEvents() as spy:
        forum_cancel(forum_id=forum.pk, actor=actor, reason="El plan se canceló")
    assert spy.one().changes["status"] == ["scheduled", "cancelled"]


def test_a_stale_version_is_reported_before_the_status_rules(forum: Forum, actor: Actor) -> None:
    from plans.errors import StaleVersion

    Forum.objects.filter(pk=forum.pk).update(status=Forum.Status.HELD, minutes="acta")
    with pytest.raises(StaleVersion):  # not "only a scheduled forum can be edited"
        forum_update(forum_id=forum.pk, actor=actor, values={"title": "x"}, expected_version=forum.version + 3)
    with pytest.raises(IllegalTransition):  # held -> held is not a move, whatever the minutes
        forum_hold(forum_id=forum.pk, minutes="", actor=actor)
