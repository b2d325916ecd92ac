"""The plan as it stood at a moment, rebuilt from its history; and what changed between two."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from plans.audit.api import plan_as_of_response
from plans.errors import ValidationFailed
from plans.models import HistoryEvent, Plan, Role
from plans.services.history import create_with_history, delete_with_history, transition, update_with_history
from projects.models import Milestone, Project

from .helpers import ACTOR, change, make_phase

pytestmark = pytest.mark.django_db

D1, D2 = dt.date(2013, 3, 1), dt.date(2013, 6, 1)
MICRO = dt.timedelta(microseconds=1)


def last_event() -> HistoryEvent:
    return HistoryEvent.objects.latest("id")


@pytest.fixture
def story(plan: Plan) -> dict[str, Any]:
    """Launch phase, a project with two milestones; one rescheduled then completed, one deleted."""
    moments: dict[str, Any] = {}
    make_phase(plan)
    with transaction.atomic():
        project = create_with_history(
            Project(plan=plan, code="P1", title="Marca colectiva", category=Project.Category.PROMOTION), actor=ACTOR
        )
        milestone = create_with_history(
            Milestone(project=project, plan=plan, title="Estudio de mercado", due_date=D1, baseline_due_date=D1),
            actor=ACTOR,
        )
        extra = create_with_history(
            Milestone(project=project, plan=plan, title="Circuito turístico", due_date=D2, baseline_due_date=D2),
            actor=ACTOR,
        )
    moments["created"] = last_event()
    with transaction.atomic():
        update_with_history(milestone, actor=ACTOR, values={"due_date": D2}, action="reschedule", reason="lluvias")
    moments["rescheduled"] = last_event()
    with transaction.atomic():
        transition(plan, to=Plan.Status.FORMULATION, actor=ACTOR)
    moments["formulation"] = last_event()
    with transaction.atomic():
        transition(milestone, to=Milestone.Status.COMPLETED, actor=ACTOR, extra={"completed_on": D2}, action="complete")
    moments["completed"] = last_event()
    moments["extra_id"] = extra.pk
    with transaction.atomic():
        delete_with_history(extra, actor=ACTOR, reason="fuera de alcance")
    moments["deleted"] = last_event()
    change(plan, vision="Lácteos con marca")
    return {"plan": plan, "project": project, "milestone": milestone, **moments}


def as_of_request(user: Any, **params: str) -> Request:
    request = Request(APIRequestFactory().get("/", params))
    request.user = user
    return request


def state(user: Any, plan: Plan, at: dt.datetime) -> dict[str, Any]:
    response = plan_as_of_response(as_of_request(user, as_of=at.isoformat()), plan)
    assert response.status_code == 200
    return dict(response.data)


def test_each_change_is_undone_just_before_it(story: dict[str, Any], auditor: Any) -> None:
    plan, milestone = story["plan"], story["milestone"]
    before = state(auditor, plan, story["rescheduled"].occurred_at - MICRO)
    assert before["exists"] and before["plan"]["status"] == "draft"
    assert [p["title"] for p in before["phases"]] == ["Foro de lanzamiento"]
    assert [p["code"] for p in before["projects"]] == ["P1"]
    [first, second] = before["milestones"]
    assert first["id"] == milestone.pk and first["due_date"] == D1.isoformat() and first["status"] == "pending"
    assert second["title"] == "Circuito turístico"

    after = state(auditor, plan, story["rescheduled"].occurred_at)
    assert next(m for m in after["milestones"] if m["id"] == milestone.pk)["due_date"] == D2.isoformat()
    assert state(auditor, plan, story["formulation"].occurred_at)["plan"]["status"] == "formulation"

    done = state(auditor, plan, story["completed"].occurred_at)
    assert next(m for m in done["milestones"] if m["id"] == milestone.pk)["status"] == "completed"
    gone = state(auditor, plan, story["deleted"].occurred_at)
    assert [m["id"] for m in gone["milestones"]] == [milestone.pk]
    now = state(auditor, plan, story["deleted"].occurred_at + dt.timedelta(days=1))
    assert now["plan"]["vision"] == "Lácteos con marca" and now["plan"]["title"] == "PMC lácteo"
    assert not any(row.get("partial") for row in now["milestones"] + now["projects"] + now["phases"])


def test_before_the_plan_existed_there_is_nothing(story: dict[str, Any], auditor: Any) -> None:
    first = HistoryEvent.objects.filter(plan_id=story["plan"].pk).earliest("id")
    empty = state(auditor, story["plan"], first.occurred_at - MICRO)
    assert empty["exists"] is False and empty["plan"] is None and empty["milestones"] == []


def test_dashboard_as_of_counts_milestones_as_they_stood(
    story: dict[str, Any], auditor: Any, client_for: Callable[..., Any],
) -> None:
    at = story["rescheduled"].occurred_at - MICRO
    response = client_for(auditor).get(f"/api/v1/plans/{story['plan'].pk}/dashboard/", {"as_of": at.isoformat()})
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["plan"]["status"] == "draft"
    [project] = data["projects"]
    assert project["milestone_counts"]["total"] == 2
    assert project["milestone_counts"]["overdue"] == (2 if at.date() > D2 else 1 if at.date() > D1 else 0)
    assert data["history"][0]["id"] == story["rescheduled"].pk - 1
    assert all(e["id"] < story["rescheduled"].pk for e in data["history"])


def test_as_of_access_and_bad_input(story: dict[str, Any], user_with_role: Callable[..., Any]) -> None:
    plan = story["plan"]
    stakeholder = user_with_role("stake", Role.STAKEHOLDER, plan.cluster)
    from rest_framework.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        plan_as_of_response(as_of_request(stakeholder, as_of="2013-01-01"), plan)
    coordinator = user_with_role("coord", Role.COORDINATOR, plan.cluster)
    with pytest.raises(ValidationFailed) as info:
        plan_as_of_response(as_of_request(coordinator, as_of="el día de la aprobación"), plan)
    assert "as_of" in info.value.errors


def test_compare_lists_net_changes_per_object(
    story: dict[str, Any], auditor: Any, client_for: Callable[..., Any],
) -> None:
    plan, milestone = story["plan"], story["milestone"]
    start = (story["created"].occurred_at).isoformat()
    end = story["deleted"].occurred_at.isoformat()
    response = client_for(auditor).get(f"/api/v1/plans/{plan.pk}/compare/", {"from": start, "to": end})
    assert response.status_code == 200, response.json()
    objects = {(o["object_type"], o["object_id"]): o for o in response.json()["objects"]}
    ms = objects[("projects.milestone", milestone.pk)]
    assert ms["actions"] == ["reschedule", "complete"] and ms["events"] == 2
    changes = {c["field"]: (c["old"], c["new"]) for c in ms["changes"]}
    assert changes["due_date"] == (D1.isoformat(), D2.isoformat())
    assert changes["status"] == ("pending", "completed")
    assert objects[("plans.plan", plan.pk)]["changes"] == [
        {"field": "status", "label": "status", "old": "draft", "new": "formulation"}
    ]
    assert objects[("projects.milestone", story["extra_id"])]["deleted"] is True
    assert ("plans.phase", plan.phases.get().pk) not in objects  # unchanged in the interval


def test_compare_needs_valid_moments(plan: Plan, auditor: Any, client_for: Callable[..., Any]) -> None:
    client = client_for(auditor)
    base = f"/api/v1/plans/{plan.pk}/compare/"
    assert client.get(base).status_code == 400
    assert "from" in client.get(base, {"from": "nope"}).json()["errors"]
    assert client.get(base, {"from": "2013-02-01", "to": "2013-01-01"}).status_code == 400
    assert client.get(base, {"from": "2013-01-01"}).status_code == 200
