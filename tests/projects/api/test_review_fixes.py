"""Review fixes on the projects API: path ids, expenditures, closed plans, date bounds, progress type."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from plans.models import HistoryEvent, Plan
from projects.models import Expenditure, Milestone, Project, ProjectBeneficiary
from tests.factories import FundingLineFactory, MilestoneFactory, OrganizationFactory, ProjectFactory
from tests.world import World

pytestmark = pytest.mark.django_db


def events() -> int:
    return HistoryEvent.objects.count()


def today(days: int = 0) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize("org_id", ["9" * 20, str(2**63), "0" + "9" * 19])
def test_out_of_range_beneficiary_id_is_404(world: World, org_id: str) -> None:
    project = ProjectFactory.create(plan=world.own["plan"])
    response = world.client("coordinator").delete(f"/api/v1/projects/{project.pk}/beneficiaries/{org_id}/")
    assert response.status_code == 404


def test_organization_that_is_not_a_beneficiary_is_404(world: World) -> None:
    project = ProjectFactory.create(plan=world.own["plan"])
    org = OrganizationFactory.create(cluster=world.own.cluster)
    client = world.client("coordinator")
    assert client.delete(f"/api/v1/projects/{project.pk}/beneficiaries/{org.pk}/").status_code == 404
    ProjectBeneficiary.objects.create(project=project, organization=org)
    assert client.delete(f"/api/v1/projects/{project.pk}/beneficiaries/{org.pk}/").status_code == 200
    assert not ProjectBeneficiary.objects.filter(project=project).exists()


def test_out_of_range_funding_line_ids_are_404(world: World) -> None:
    project = ProjectFactory.create(plan=world.own["plan"])
    client = world.client("coordinator")
    big = "9" * 20
    url = f"/api/v1/projects/{project.pk}/funding-lines/{big}"
    assert client.patch(f"{url}/", {"description": "x"}, format="json").status_code == 404
    assert client.get(f"{url}/expenditures/").status_code == 404
    body = {"amount": "1.00", "spent_on": today()}
    assert client.post(f"{url}/expenditures/", body, format="json").status_code == 404


def test_expenditures_are_recorded_and_listed(world: World) -> None:
    line = FundingLineFactory.create(project=ProjectFactory.create(plan=world.own["plan"]), budget=Decimal("1000.00"))
    url = f"/api/v1/projects/{line.project_id}/funding-lines/{line.pk}/expenditures/"
    client = world.client("coordinator")
    response = client.post(url, {"amount": "400.50", "spent_on": today(-3), "description": "Certificado 1"},
                           format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["spent_on"], body["funding_line"]) == ("400.50", today(-3), line.pk)
    line.refresh_from_db()
    assert line.executed == Decimal("400.50")
    listed = client.get(url).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]
    assert world.client("auditor").get(url).status_code == 200


def test_over_budget_expenditure_needs_a_reason_and_writes_nothing_without_it(world: World) -> None:
    line = FundingLineFactory.create(project=ProjectFactory.create(plan=world.own["plan"]), budget=Decimal("100.00"))
    url = f"/api/v1/projects/{line.project_id}/funding-lines/{line.pk}/expenditures/"
    client = world.client("coordinator")
    before = events()
    response = client.post(url, {"amount": "150.00", "spent_on": today()}, format="json")
    assert response.status_code == 400
    assert "over_budget_reason" in response.json()["errors"]
    line.refresh_from_db()
    assert (line.executed, line.version, Expenditure.objects.count(), events()) == (Decimal("0.00"), 1, 0, before)
    response = client.post(url, {"amount": "150.00", "spent_on": today(), "over_budget_reason": "Dollar jump"},
                           format="json")
    assert response.status_code == 201 and response.json()["over_budget_reason"] == "Dollar jump"


@pytest.mark.parametrize(("who", "code"), [("stakeholder", 403), ("auditor", 403), ("coordinator_b", 404)])
def test_only_coordinators_of_the_cluster_record_expenditures(world: World, who: str, code: int) -> None:
    line = FundingLineFactory.create(project=ProjectFactory.create(plan=world.own["plan"]))
    url = f"/api/v1/projects/{line.project_id}/funding-lines/{line.pk}/expenditures/"
    response = world.client(who).post(url, {"amount": "1.00", "spent_on": today()}, format="json")
    assert response.status_code == code
    assert not Expenditure.objects.exists()


def test_expenditures_route_is_in_the_schema(world: World) -> None:
    schema = world.client(None).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    path = schema["paths"]["/api/v1/projects/{id}/funding-lines/{line_id}/expenditures/"]
    assert {"get", "post"} <= set(path)
    ref = path["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]
    assert {"amount", "spent_on", "description", "over_budget_reason"} <= set(fields)


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
    schema = world.client(None).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    for name in ("Project", "DashboardPlan", "DashboardProject"):
        assert components[name]["properties"]["progress"]["type"] == "string", name
        assert components[name]["properties"]["progress"]["format"] == "decimal", name
