"""Milestones: creation, every status move, re-baselining, completion and progress notes."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from plans.errors import IllegalTransition, PermissionDeniedError, RuleViolation, StaleVersion, ValidationFailed
from plans.models import Cluster, Role, Source
from plans.services.history import Actor
from projects.models import Milestone, MilestoneUpdate, Project
from projects.services.milestones import (
    milestone_cancel,
    milestone_complete,
    milestone_create,
    milestone_pause,
    milestone_reschedule,
    milestone_start,
    milestone_update,
    milestone_update_post,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

S = Milestone.Status


def today() -> dt.date:
    """Today, read when the test runs (a constant read at import goes stale in a long or parallel run)."""
    return timezone.localdate()
ALL_MOVES = list(itertools.product(S.values, S.values))
LEGAL = [(a, b) for a, b in ALL_MOVES if b in Milestone.TRANSITIONS[a]]
ILLEGAL = [(a, b) for a, b in ALL_MOVES if b not in Milestone.TRANSITIONS[a]]

# The service that moves a milestone to each status, its arguments (built when the test runs:
# they may depend on today) and the event action it records.
MOVES: dict[str, tuple[Callable[..., Milestone], Callable[[], dict[str, Any]], str]] = {
    S.PENDING: (milestone_pause, lambda: {"reason": "Waiting for the tender"}, "transition"),
    S.IN_PROGRESS: (milestone_start, dict, "transition"),
    S.COMPLETED: (milestone_complete, lambda: {"completed_on": today() - dt.timedelta(days=1)}, "complete"),
    S.CANCELLED: (milestone_cancel, lambda: {"reason": "Merged into another milestone"}, "transition"),
}


@pytest.fixture
def milestone(project: Project) -> Milestone:
    return f.MilestoneFactory.create(project=project, due_date=today() + dt.timedelta(days=30))


def set_status(milestone: Milestone, status: str) -> None:
    Milestone.objects.filter(pk=milestone.pk).update(
        status=status, completed_on=today() if status == S.COMPLETED else None
    )


# --- create / update ------------------------------------------------------------------------


def test_create_sets_plan_and_baseline_and_writes_one_event(project, actor, new_events) -> None:
    person = f.StakeholderFactory.create(cluster=project.plan.cluster)
    due = today() + dt.timedelta(days=60)
    milestone = milestone_create(project_id=project.pk, actor=actor, title="Cold room tendered", due_date=due,
                                 weight=3, responsible_id=person.pk)
    assert milestone.plan_id == project.plan_id
    assert milestone.baseline_due_date == milestone.due_date == due and milestone.status == S.PENDING
    [event] = new_events()
    assert (event.action, event.object_type) == ("create", "projects.milestone")
    assert event.changes["due_date"] == [None, due.isoformat()]
    assert event.changes["baseline_due_date"] == [None, due.isoformat()]
    assert event.changes["weight"] == [None, 3] and event.plan_id == project.plan_id


def test_create_accepts_an_iso_date(project, actor) -> None:
    due = today() + dt.timedelta(days=400)  # a future day in ISO form, whenever the test runs
    milestone = milestone_create(project_id=project.pk, actor=actor, title="T", due_date=due.isoformat())
    assert milestone.due_date == due


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"weight": 0}, "weight"),
        ({"weight": 1.5}, "weight"),
        ({"due_date": "15/01/2030"}, "due_date"),
        ({"title": ""}, "title"),
    ],
)
def test_create_refuses_bad_input(project, actor, new_events, kwargs, field) -> None:
    args = {"title": "T", "due_date": today(), **kwargs}
    with pytest.raises(ValidationFailed) as exc:
        milestone_create(project_id=project.pk, actor=actor, **args)
    assert field in exc.value.errors and new_events() == [] and not Milestone.objects.exists()


def test_create_refuses_a_responsible_of_another_cluster(project, actor, new_events) -> None:
    stranger = f.StakeholderFactory.create()
    with pytest.raises(ValidationFailed) as exc:
        milestone_create(project_id=project.pk, actor=actor, title="T", due_date=today(), responsible_id=stranger.pk)
    assert "responsible" in exc.value.errors and new_events() == []


@pytest.mark.parametrize("status", [Project.Status.COMPLETED, Project.Status.CANCELLED])
def test_create_refuses_a_finished_project(project, actor, new_events, status) -> None:
    Project.objects.filter(pk=project.pk).update(status=status)
    with pytest.raises(RuleViolation):
        milestone_create(project_id=project.pk, actor=actor, title="T", due_date=today())
    assert new_events() == []


def test_update_edits_fields_but_never_the_due_date(milestone, actor, new_events) -> None:
    milestone_update(milestone_id=milestone.pk, actor=actor, values={"title": "Renamed"}, expected_version=1)
    [event] = new_events()
    assert event.action == "update" and set(event.changes) == {"title"}
    for values in ({"due_date": today()}, {"baseline_due_date": today()}, {"status": S.COMPLETED}):
        with pytest.raises(ValidationFailed) as exc:
            milestone_update(milestone_id=milestone.pk, actor=actor, values=values)
        assert next(iter(values)) in exc.value.errors
    with pytest.raises(StaleVersion):
        milestone_update(milestone_id=milestone.pk, actor=actor, values={"title": "X"}, expected_version=1)
    milestone.refresh_from_db()
    assert milestone.title == "Renamed" and milestone.version == 2 and len(new_events()) == 1


# --- every status move ----------------------------------------------------------------------


@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_every_legal_move_writes_one_event(milestone, actor, new_events, current, target) -> None:
    set_status(milestone, current)
    service, arguments, action = MOVES[target]
    kwargs = arguments()
    service(milestone_id=milestone.pk, actor=actor, **kwargs)
    milestone.refresh_from_db()
    assert milestone.status == target
    [event] = new_events()
    assert event.action == action and event.changes["status"] == [current, target]
    assert event.reason == kwargs.get("reason", "")


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_every_illegal_move_is_refused_and_writes_nothing(milestone, actor, new_events, current, target) -> None:
    set_status(milestone, current)
    service, arguments, _action = MOVES[target]
    kwargs = arguments()
    # Blank reasons: an illegal move is refused as such, before any check of its input.
    kwargs = {**kwargs, "reason": ""} if "reason" in kwargs else kwargs
    with pytest.raises(IllegalTransition):
        service(milestone_id=milestone.pk, actor=actor, **kwargs)
    milestone.refresh_from_db()
    assert milestone.status == current and milestone.version == 1 and new_events() == []


# --- complete / cancel ----------------------------------------------------------------------


def test_complete_records_date_note_and_evidence(milestone, actor, new_events) -> None:
    milestone_complete(milestone_id=milestone.pk, actor=actor, completed_on=today(), note="Room delivered",
                       evidence_url="https://example.org/acta-12.pdf", expected_version=1)
    milestone.refresh_from_db()
    assert (milestone.completed_on, milestone.completion_note) == (today(), "Room delivered")
    [event] = new_events()
    assert event.action == "complete"
    assert event.changes == {
        "status": [S.PENDING, S.COMPLETED], "completed_on": [None, today().isoformat()],
        "completion_note": ["", "Room delivered"], "evidence_url": ["", "https://example.org/acta-12.pdf"],
    }


@pytest.mark.parametrize(
    ("days", "extra", "field"),
    [
        (2, {}, "completed_on"),
        (0, {"evidence_url": "not a url"}, "evidence_url"),
    ],
)
def test_complete_refuses_a_future_date_or_a_bad_url(milestone, actor, new_events, days, extra, field) -> None:
    with pytest.raises(ValidationFailed) as exc:
        milestone_complete(milestone_id=milestone.pk, actor=actor, completed_on=today() + dt.timedelta(days=days),
                           **extra)
    assert field in exc.value.errors
    milestone.refresh_from_db()
    assert milestone.status == S.PENDING and new_events() == []


def test_cancel_needs_a_reason(milestone, actor, new_events) -> None:
    with pytest.raises(ValidationFailed) as exc:
        milestone_cancel(milestone_id=milestone.pk, actor=actor, reason=" ")
    assert "reason" in exc.value.errors and new_events() == []


# --- reschedule -----------------------------------------------------------------------------


def test_two_reschedules_keep_the_baseline_and_record_each_move(milestone, actor, new_events) -> None:
    baseline = milestone.due_date
    first, second = baseline + dt.timedelta(days=20), baseline + dt.timedelta(days=45)
    milestone_reschedule(milestone_id=milestone.pk, actor=actor, due_date=first, reason="Tender deserted",
                         expected_version=1)
    milestone_reschedule(milestone_id=milestone.pk, actor=actor, due_date=second, reason="Second call",
                         expected_version=2)
    milestone.refresh_from_db()
    assert (milestone.due_date, milestone.baseline_due_date, milestone.version) == (second, baseline, 3)
    one, two = new_events()
    assert (one.action, one.reason, one.changes) == (
        "reschedule", "Tender deserted", {"due_date": [baseline.isoformat(), first.isoformat()]})
    assert (two.action, two.reason, two.changes) == (
        "reschedule", "Second call", {"due_date": [first.isoformat(), second.isoformat()]})
    assert two.context == {"baseline_due_date": baseline.isoformat()}


@pytest.mark.parametrize("reason", ["", "   "])
def test_reschedule_needs_a_reason(milestone, actor, new_events, reason) -> None:
    with pytest.raises(ValidationFailed) as exc:
        milestone_reschedule(milestone_id=milestone.pk, actor=actor, due_date=today(), reason=reason)
    assert "reason" in exc.value.errors and new_events() == []


@pytest.mark.parametrize("status", [S.COMPLETED, S.CANCELLED])
def test_reschedule_refuses_finished_milestones(milestone, actor, new_events, status) -> None:
    set_status(milestone, status)
    with pytest.raises(RuleViolation):
        milestone_reschedule(milestone_id=milestone.pk, actor=actor, due_date=today(), reason="Late")
    assert new_events() == []


def test_reschedule_to_the_same_date_or_a_stale_version_is_refused(milestone, actor, new_events) -> None:
    with pytest.raises(ValidationFailed):
        milestone_reschedule(milestone_id=milestone.pk, actor=actor, due_date=milestone.due_date, reason="Same")
    with pytest.raises(StaleVersion):
        milestone_reschedule(milestone_id=milestone.pk, actor=actor, due_date=today(), reason="X", expected_version=3)
    assert new_events() == []


# --- progress notes -------------------------------------------------------------------------


def test_update_post_records_the_author_and_one_event(milestone, actor, new_events) -> None:
    update = milestone_update_post(milestone_id=milestone.pk, actor=actor, note="Foundations poured")
    assert update.author_id == actor.user_id and update.posted_on <= today() + dt.timedelta(days=1)
    [event] = new_events()
    assert (event.action, event.object_type, event.object_id) == ("create", "projects.milestoneupdate", update.pk)
    assert event.changes["note"] == [None, "Foundations poured"]
    assert event.plan_id == milestone.plan_id


def test_update_post_refuses_empty_notes_future_dates_and_cancelled_milestones(milestone, actor,
                                                                               new_events) -> None:
    with pytest.raises(ValidationFailed):
        milestone_update_post(milestone_id=milestone.pk, actor=actor, note="  ")
    with pytest.raises(ValidationFailed):
        milestone_update_post(milestone_id=milestone.pk, actor=actor, note="x", posted_on=today() + dt.timedelta(2))
    set_status(milestone, S.CANCELLED)
    with pytest.raises(RuleViolation):
        milestone_update_post(milestone_id=milestone.pk, actor=actor, note="x")
    assert new_events() == [] and not MilestoneUpdate.objects.exists()


def test_a_stakeholder_posts_progress_only_on_a_milestone_they_answer_for(milestone, new_events) -> None:
    user = f.UserFactory.create()
    cluster_id = milestone.plan.cluster_id
    f.RoleAssignmentFactory.create(user=user, cluster_id=cluster_id, role=Role.STAKEHOLDER)
    person = f.StakeholderFactory.create(cluster_id=cluster_id, user=user)
    member = Actor(user=user, source=Source.API)
    with pytest.raises(PermissionDeniedError):
        milestone_update_post(milestone_id=milestone.pk, actor=member, note="Avance")
    assert new_events() == [] and not MilestoneUpdate.objects.exists()
    Milestone.objects.filter(pk=milestone.pk).update(responsible=person)
    update = milestone_update_post(milestone_id=milestone.pk, actor=member, note="Avance")
    assert update.author_id == user.pk and len(new_events()) == 1


# --- database constraints -------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        {"status": S.COMPLETED, "completed_on": None},
        {"status": S.PENDING, "completed_on": dt.date(2020, 1, 1)},  # any date: the row is inconsistent
        {"weight": 0},
    ],
)
def test_the_database_refuses_inconsistent_milestone_rows(milestone, values) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Milestone.objects.filter(pk=milestone.pk).update(**values)


def test_the_database_refuses_a_blank_progress_note(milestone) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        MilestoneUpdate.objects.create(milestone=milestone, posted_on=today(), note="")


# --- "today" is the cluster's today ---------------------------------------------------------


@pytest.mark.parametrize(("zone", "allowed"), [("America/Argentina/Tucuman", False), ("Europe/Madrid", True)])
def test_a_future_completion_date_is_judged_in_the_cluster_time_zone(milestone, actor, zone, allowed) -> None:
    """At 02:00 UTC on a day it is still the day before in Tucumán but already that day in Madrid.

    The day is yesterday (UTC), so the completion date stays within the range the service accepts
    for a milestone created today (a fixed day would fall out of it as the years pass)."""
    Cluster.objects.filter(pk=milestone.plan.cluster_id).update(time_zone=zone)
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    with time_machine.travel(dt.datetime.combine(day, dt.time(2, 0), dt.UTC), tick=False):
        if allowed:
            milestone_complete(milestone_id=milestone.pk, actor=actor, completed_on=day)
        else:
            with pytest.raises(ValidationFailed):
                milestone_complete(milestone_id=milestone.pk, actor=actor, completed_on=day)
    milestone.refresh_from_db()
    assert (milestone.status == S.COMPLETED) is allowed
