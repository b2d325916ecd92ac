"""The projects API in a plan's life: closed plans, completing projects, date bounds, the progress type."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from plans.models import HistoryEvent, Plan
from projects.models import Milestone, Project
from tests.factories import MilestoneFactory, ProjectFactory
from tests.world import World

pytestmark = pytest.mark.django_db


def events() -> int:
    return HistoryEvent.objects.count()


def today(days: int = 0) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_cancelled_plan_refuses_milestones_and_project_moves(world: World) -> None:
    project = ProjectFactory.create(plan=world.own["plan"], status=Project.Status.IN_EXECUTION)
    MilestoneFactory.create(project=project)
    Plan.objects.filter(pk=world.own["plan"].pk).update(status=Plan.Status.CANCELLED)
    client = world.client("coordinator")
    before = events()
    response = client.post("/api/v1/milestones/", {"project": project.pk, "title": "M", "due_date": today(30)},
                           format="json")
    assert response.status_code == 409
    response = client.post(f"/api/v1/projects/{project.pk}/transition/", {"to": "completed"}, format="json")
    assert response.status_code == 409
    project.refresh_from_db()
    assert (project.status, Milestone.objects.filter(project=project).count(), events()) == ("in_execution", 1, before)


def test_project_with_open_milestones_is_not_completed(world: World) -> None:
    project = ProjectFactory.create(plan=world.own["plan"], status=Project.Status.IN_EXECUTION)
    milestone = MilestoneFactory.create(project=project)
    client = world.client("coordinator")
    url = f"/api/v1/projects/{project.pk}/transition/"
    assert client.post(url, {"to": "completed"}, format="json").status_code == 409
    response = client.post(f"/api/v1/milestones/{milestone.pk}/complete/", {"completed_on": today()}, format="json")
    assert response.status_code == 200, response.content
    assert client.post(url, {"to": "completed"}, format="json").json()["status"] == "completed"


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1989-12-31"])
def test_reschedule_out_of_range_is_400(world: World, day: str) -> None:
    milestone = MilestoneFactory.create(project=ProjectFactory.create(plan=world.own["plan"]))
    url = f"/api/v1/milestones/{milestone.pk}/reschedule/"
    response = world.client("coordinator").post(url, {"due_date": day, "reason": "typo"}, format="json")
    assert response.status_code == 400 and "due_date" in response.json()["errors"]
    milestone.refresh_from_db()
    assert milestone.version == 1


@pytest.mark.parametrize("day", ["1999-01-01", "0001-01-01"])
def test_completion_long_before_the_milestone_existed_is_400(world: World, day: str) -> None:
    milestone = MilestoneFactory.create(project=ProjectFactory.create(plan=world.own["plan"]))
    url = f"/api/v1/milestones/{milestone.pk}/complete/"
    response = world.client("coordinator").post(url, {"completed_on": day}, format="json")
    assert response.status_code == 400 and "completed_on" in response.json()["errors"]
    milestone.refresh_from_db()
    assert milestone.status == "pending"


def _progress_values(world: World, project: Project) -> list[Any]:
    client = world.client("coordinator")
    dashboard = client.get(f"/api/v1/plans/{world.own['plan'].pk}/dashboard/").json()
    return [
        client.get("/api/v1/projects/").json()["results"][0]["progress"],
        client.get(f"/api/v1/projects/{project.pk}/").json()["progress"],
        dashboard["plan"]["progress"],
        dashboard["projects"][0]["progress"],
    ]


def test_progress_is_a_decimal_string_everywhere(world: World) -> None:
    project = ProjectFactory.create(plan=world.own["plan"], progress=Decimal("80.00"))
    Plan.objects.filter(pk=world.own["plan"].pk).update(progress=Decimal("80.00"))
    assert _progress_values(world, project) == ["80.00"] * 4
    schema = world.client("anonymous").get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    for name in ("Project", "DashboardPlan", "DashboardProject"):
        assert components[name]["properties"]["progress"]["type"] == "string", name
        assert components[name]["properties"]["progress"]["format"] == "decimal", name
