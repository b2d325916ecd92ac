"""Funding through the projects API: beneficiary and funding-line path ids, expenditures and their roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from plans.models import HistoryEvent
from projects.models import Expenditure, ProjectBeneficiary
from tests.factories import FundingLineFactory, OrganizationFactory, ProjectFactory
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
    schema = world.client("anonymous").get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    path = schema["paths"]["/api/v1/projects/{id}/funding-lines/{line_id}/expenditures/"]
    assert {"get", "post"} <= set(path)
    ref = path["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]
    assert {"amount", "spent_on", "description", "over_budget_reason"} <= set(fields)
