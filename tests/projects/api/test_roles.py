"""Who may read and write projects, milestones and indicators (beyond the shared matrix)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from plans.models import HistoryEvent
from projects.models import Milestone, Project
from tests.factories import IndicatorFactory, MilestoneFactory, ProjectFactory, StakeholderFactory
from tests.world import World

pytestmark = pytest.mark.django_db

def project_body(world: World, plan_id: int | None = None) -> dict[str, object]:
    plan = plan_id or world.own["plan"].pk
    return {"plan": plan, "code": "P-1", "title": "Sala de maduración", "category": "quality"}


def test_coordinator_creates_a_project_in_own_cluster_recording_actor_and_source(world: World) -> None:
    response = world.client("coordinator").post("/api/v1/projects/", project_body(world), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "idea" and body["version"] == 1 and body["plan"] == world.own["plan"].pk
    assert body["milestone_counts"] == {"total": 0, "completed": 0, "overdue": 0, "due_soon": 0}
    assert response["ETag"] == '"1"'
    event = HistoryEvent.objects.get(object_type="projects.project", object_id=body["id"])
    assert event.source == "api" and event.actor_id == world.users["coordinator"].pk


def test_coordinator_cannot_create_in_another_cluster_and_nothing_is_written(world: World) -> None:
    response = world.client("coordinator").post(
        "/api/v1/projects/", project_body(world, world.other["plan"].pk), format="json"
    )
    assert response.status_code == 400  # the other cluster's plan "does not exist" for them
    assert "plan" in response.json()["errors"]
    assert not Project.objects.exists()


@pytest.mark.parametrize("who", ["stakeholder", "auditor"])
def test_readers_may_read_but_never_write(world: World, who: str) -> None:
    project = ProjectFactory.create(plan=world.own["plan"])
    milestone = MilestoneFactory.create(project=project)
    client = world.client(who)
    today = timezone.localdate()
    due = (today + dt.timedelta(days=30)).isoformat()
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 200
    assert client.get("/api/v1/milestones/").json()["count"] == 1
    writes = [
        ("post", "/api/v1/projects/", project_body(world)),
        ("patch", f"/api/v1/projects/{project.pk}/", {"title": "x"}),
        ("post", f"/api/v1/projects/{project.pk}/transition/", {"to": "formulated"}),
        ("post", f"/api/v1/milestones/{milestone.pk}/complete/", {"completed_on": today.isoformat()}),
        ("post", f"/api/v1/milestones/{milestone.pk}/reschedule/", {"due_date": due, "reason": "r"}),
    ]
    for method, url, body in writes:
        assert getattr(client, method)(url, body, format="json").status_code == 403, (method, url)
    assert HistoryEvent.objects.count() == 0
    project.refresh_from_db()
    assert project.title != "x" and project.status == "idea"


def test_other_cluster_objects_are_404_and_absent_from_lists(world: World) -> None:
    project_b = ProjectFactory.create(plan=world.other["plan"])
    milestone_b = MilestoneFactory.create(project=project_b)
    indicator_b = IndicatorFactory.create(plan=world.other["plan"])
    client = world.client("coordinator")
    for url in (
        f"/api/v1/projects/{project_b.pk}/",
        f"/api/v1/milestones/{milestone_b.pk}/",
        f"/api/v1/indicators/{indicator_b.pk}/",
        f"/api/v1/indicators/{indicator_b.pk}/measurements/",
        f"/api/v1/milestones/{milestone_b.pk}/updates/",
        f"/api/v1/plans/{world.other['plan'].pk}/dashboard/",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(f"/api/v1/projects/{project_b.pk}/transition/", {"to": "formulated"}, format="json")
    assert response.status_code == 404
    for url in ("/api/v1/projects/", "/api/v1/milestones/", "/api/v1/indicators/"):
        assert client.get(url).json()["count"] == 0, url
    assert client.get(f"/api/v1/milestones/?plan={world.other['plan'].pk}").json()["count"] == 0


def test_anonymous_gets_401(world: World) -> None:
    for url in ("/api/v1/projects/", "/api/v1/milestones/", f"/api/v1/plans/{world.own['plan'].pk}/dashboard/"):
        assert world.client("anonymous").get(url).status_code == 401


def test_stakeholder_posts_progress_only_on_milestones_they_answer_for(world: World) -> None:
    project = ProjectFactory.create(plan=world.own["plan"])
    person = StakeholderFactory.create(cluster=world.own.cluster, user=world.users["stakeholder"])
    mine = MilestoneFactory.create(project=project, responsible=person)
    other = MilestoneFactory.create(project=project)
    client = world.client("stakeholder")
    response = client.post(f"/api/v1/milestones/{mine.pk}/updates/", {"note": "Avance 50%"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["author"] == world.users["stakeholder"].pk
    assert client.post(f"/api/v1/milestones/{other.pk}/updates/", {"note": "x"}, format="json").status_code == 403
    listed = client.get(f"/api/v1/milestones/{mine.pk}/updates/").json()
    assert [u["note"] for u in listed["results"]] == ["Avance 50%"]
    assert not Milestone.objects.get(pk=other.pk).updates.exists()
    auditor = world.client("auditor")
    assert auditor.post(f"/api/v1/milestones/{mine.pk}/updates/", {"note": "x"}, format="json").status_code == 403
