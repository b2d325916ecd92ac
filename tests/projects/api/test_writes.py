"""Writes through the projects API: actions, concurrency, mass assignment and bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from plans.models import HistoryEvent
from projects.models import Milestone, MilestoneUpdate, Project
from tests.factories import (
    IndicatorFactory,
    MilestoneFactory,
    OrganizationFactory,
    ProjectFactory,
)
from tests.world import World

pytestmark = pytest.mark.django_db


def events() -> int:
    return HistoryEvent.objects.count()


def in_days(days: int) -> str:
    """The day `days` from today in ISO form, read when the test runs (no date fixed in the code)."""
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


AHEAD = "<a day two months ahead>"  # replaced by in_days(60) when the test runs, not at import


def test_list_row_and_detail_are_the_same_object(world: World) -> None:
    project = ProjectFactory.create(plan=world.own["plan"], planned_start=dt.date(2013, 1, 1))
    MilestoneFactory.create(project=project, due_date=dt.date(2012, 1, 1), baseline_due_date=dt.date(2012, 1, 1))
    client = world.client("coordinator")
    for kind in ("projects", "milestones"):
        listed = client.get(f"/api/v1/{kind}/").json()["results"][0]
        detail = client.get(f"/api/v1/{kind}/{listed['id']}/")
        assert detail.json() == listed
        assert detail["ETag"] == f'"{listed["version"]}"'
    milestone = client.get("/api/v1/milestones/").json()["results"][0]
    assert milestone["is_overdue"] is True and milestone["due_date"] == "2012-01-01"


def test_mass_assignment_is_impossible(world: World) -> None:
    project = ProjectFactory.create(plan=world.own["plan"])
    milestone = MilestoneFactory.create(project=project)
    client = world.client("coordinator")
    body: dict[str, Any] = {"status": "approved", "version": 40, "plan": world.other["plan"].pk, "progress": "90.00",
                            "collective_benefit_override_reason": "x", "budget_total": [], "id": 999}
    response = client.patch(f"/api/v1/projects/{project.pk}/", body, format="json")
    assert response.status_code == 200
    project.refresh_from_db()
    assert (project.status, project.version, project.plan_id, project.progress) == ("idea", 1, world.own["plan"].pk, 0)
    assert project.collective_benefit_override_reason == ""
    original_due = milestone.due_date
    body = {"status": "completed", "baseline_due_date": in_days(365), "due_date": in_days(365),
            "plan": world.other["plan"].pk, "project": ProjectFactory.create(plan=world.own["plan"]).pk,
            "is_overdue": True, "completed_on": "2020-01-01"}
    assert client.patch(f"/api/v1/milestones/{milestone.pk}/", body, format="json").status_code == 200
    milestone.refresh_from_db()
    assert (milestone.status, milestone.due_date) == ("pending", original_due)
    assert milestone.baseline_due_date == original_due
    assert (milestone.project_id, milestone.completed_on, milestone.version) == (project.pk, None, 1)
    assert events() == 0


def test_complete_and_reschedule_keep_the_baseline(world: World) -> None:
    milestone = MilestoneFactory.create(project=ProjectFactory.create(plan=world.own["plan"]))
    baseline = milestone.baseline_due_date
    client = world.client("coordinator")
    new_due = (baseline + dt.timedelta(days=10)).isoformat()
    response = client.post(f"/api/v1/milestones/{milestone.pk}/reschedule/",
                           {"due_date": new_due, "reason": "Lluvias"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["due_date"], body["baseline_due_date"], body["version"]) == (new_due, baseline.isoformat(), 2)
    assert HistoryEvent.objects.get(action="reschedule").reason == "Lluvias"
    today = timezone.localdate().isoformat()
    response = client.post(f"/api/v1/milestones/{milestone.pk}/complete/",
                           {"completed_on": today, "note": "Hecho", "evidence_url": "https://example.org/acta.pdf"},
                           format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "completed" and response.json()["completed_on"] == today
    assert HistoryEvent.objects.filter(action="complete").count() == 1


def test_stale_if_match_is_412_and_writes_nothing(world: World) -> None:
    project = ProjectFactory.create(plan=world.own["plan"])
    client = world.client("coordinator")
    assert client.patch(f"/api/v1/projects/{project.pk}/", {"title": "Nuevo"}, format="json",
                        HTTP_IF_MATCH='"1"').status_code == 200
    response = client.patch(f"/api/v1/projects/{project.pk}/", {"title": "Otro"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 412 and response.json()["type"]
    response = client.post(f"/api/v1/projects/{project.pk}/transition/", {"to": "formulated"}, format="json",
                           HTTP_IF_MATCH='"1"')
    assert response.status_code == 412
    project.refresh_from_db()
    assert (project.title, project.status, project.version) == ("Nuevo", "idea", 2)
    assert events() == 1


def test_illegal_transition_is_409_and_writes_nothing(world: World) -> None:
    project = ProjectFactory.create(plan=world.own["plan"])
    response = world.client("coordinator").post(f"/api/v1/projects/{project.pk}/transition/",
                                                {"to": "completed"}, format="json")
    assert response.status_code == 409
    assert set(response.json()) == {"type", "detail", "errors"}
    assert Project.objects.get(pk=project.pk).status == "idea" and events() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"due_date": AHEAD}, "reason"),
        ({"due_date": AHEAD, "reason": ""}, "reason"),
        ({"reason": "x"}, "due_date"),
        ({"due_date": "not-a-date", "reason": "x"}, "due_date"),
    ],
)
def test_reschedule_needs_a_date_and_a_reason(world: World, body: dict[str, str], field: str) -> None:
    body = {name: in_days(60) if value == AHEAD else value for name, value in body.items()}
    milestone = MilestoneFactory.create(project=ProjectFactory.create(plan=world.own["plan"]))
    response = world.client("coordinator").post(f"/api/v1/milestones/{milestone.pk}/reschedule/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    if field == "reason":  # the day ahead is a valid new date: only the reason is missing
        assert "due_date" not in response.json()["errors"]
    assert Milestone.objects.get(pk=milestone.pk).version == 1 and events() == 0


def test_dates_out_of_order_are_400_and_write_nothing(world: World) -> None:
    client = world.client("coordinator")
    body = {"plan": world.own["plan"].pk, "code": "X", "title": "X", "category": "quality",
            "planned_start": "2013-05-01", "planned_end": "2013-01-01"}
    assert client.post("/api/v1/projects/", body, format="json").status_code == 400
    body = {"plan": world.own["plan"].pk, "name": "Leche", "unit": "l/day", "baseline_value": "50000",
            "baseline_date": "2014-01-01", "target_value": "75000", "target_date": "2013-01-01"}
    assert client.post("/api/v1/indicators/", body, format="json").status_code == 400
    response = client.get("/api/v1/milestones/?due_after=2014-01-01&due_before=2013-01-01")
    assert response.status_code == 400 and "due_after" in response.json()["errors"]
    assert not Project.objects.exists() and events() == 0


def test_unknown_ids_and_wrong_types(world: World) -> None:
    client = world.client("coordinator")
    for url in ("/api/v1/projects/999999/", "/api/v1/milestones/999999/", "/api/v1/indicators/999999/",
                "/api/v1/plans/999999/dashboard/", "/api/v1/projects/abc/"):
        assert client.get(url).status_code == 404, url
    assert client.post("/api/v1/milestones/999999/complete/", {}, format="json").status_code == 404
    body = {"project": 999999, "title": "M", "due_date": in_days(60)}
    response = client.post("/api/v1/milestones/", body, format="json")
    assert response.status_code == 400 and "project" in response.json()["errors"]
    assert client.get("/api/v1/milestones/?plan=abc").status_code == 400
    assert client.get("/api/v1/milestones/?overdue=perhaps").status_code == 400
    assert client.get("/api/v1/projects/?page_size=100000").status_code == 200
    response = client.post("/api/v1/projects/", b"{not json", content_type="application/json")
    assert response.status_code == 400
    assert events() == 0


def test_beneficiaries_and_funding_lines_through_nested_endpoints(world: World) -> None:
    project = ProjectFactory.create(plan=world.own["plan"])
    org = OrganizationFactory.create(cluster=world.own.cluster)
    foreign = OrganizationFactory.create(cluster=world.other.cluster)
    client = world.client("coordinator")
    url = f"/api/v1/projects/{project.pk}"
    response = client.post(f"{url}/beneficiaries/", {"organization": org.pk}, format="json")
    assert response.status_code == 201 and response.json()["beneficiaries"] == [{"organization": org.pk,
                                                                                "name": org.name}]
    assert client.post(f"{url}/beneficiaries/", {"organization": foreign.pk}, format="json").status_code == 400
    response = client.post(f"{url}/funding-lines/", {"source": "programme_grant", "currency": "ARS",
                                                     "budget": "1185000.00"}, format="json")
    assert response.status_code == 201, response.content
    line = response.json()
    assert line["budget"] == "1185000.00" and line["pending"] == "1185000.00"
    response = client.patch(f"{url}/funding-lines/{line['id']}/", {"budget": "1763000.00"}, format="json",
                            HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response.json()["version"] == 2
    stale = client.patch(f"{url}/funding-lines/{line['id']}/", {"budget": "1.00"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    total = client.get(f"{url}/").json()["budget_total"]
    assert total == [{"currency": "ARS", "budget": "1763000.00", "executed": "0.00", "pending": "1763000.00"}]
    assert client.delete(f"{url}/beneficiaries/{org.pk}/").json()["beneficiaries"] == []


def test_progress_notes_and_measurements(world: World) -> None:
    milestone = MilestoneFactory.create(project=ProjectFactory.create(plan=world.own["plan"]))
    indicator = IndicatorFactory.create(plan=world.own["plan"])
    client = world.client("coordinator")
    response = client.post(f"/api/v1/milestones/{milestone.pk}/updates/", {"note": "Licitación publicada"},
                           format="json")
    assert response.status_code == 201 and MilestoneUpdate.objects.count() == 1
    response = client.post(f"/api/v1/indicators/{indicator.pk}/measurements/",
                           {"measured_on": timezone.localdate().isoformat(), "value": "61000.5"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["value"] == "61000.5000"
    listed = client.get(f"/api/v1/indicators/{indicator.pk}/measurements/").json()
    assert listed["count"] == 1 and listed["results"][0]["value"] == "61000.5000"


def test_overdue_filter(world: World) -> None:
    project = ProjectFactory.create(plan=world.own["plan"])
    late = MilestoneFactory.create(project=project, due_date=dt.date(2012, 1, 1))
    MilestoneFactory.create(project=project)
    client = world.client("stakeholder")
    assert [m["id"] for m in client.get("/api/v1/milestones/?overdue=true").json()["results"]] == [late.pk]
    assert late.pk not in [m["id"] for m in client.get("/api/v1/milestones/?overdue=false").json()["results"]]


def test_dashboard_as_of_is_answered_by_the_history(world: World) -> None:
    client = world.client("coordinator")
    url = f"/api/v1/plans/{world.own['plan'].pk}/dashboard/"
    response = client.get(url, {"as_of": timezone.now().isoformat()})
    assert response.status_code == 200, response.content
    assert client.get(url, {"as_of": "yesterday-ish"}).status_code == 400
    other = f"/api/v1/plans/{world.other['plan'].pk}/dashboard/"
    assert client.get(other, {"as_of": timezone.now().isoformat()}).status_code == 404


@pytest.mark.parametrize("value", ["9" * 25, "1e400", "1.5", "NaN", "-1", "abc"])
def test_id_filters_refuse_what_is_not_an_id(world: World, value: str) -> None:
    client = world.client("coordinator")
    for url in ("/api/v1/projects/?plan=", "/api/v1/milestones/?project=", "/api/v1/indicators/?plan="):
        assert client.get(url + value).status_code == 400, url


def test_huge_ids_in_paths_and_bodies_are_4xx(world: World) -> None:
    client = world.client("coordinator")
    big = "9" * 25
    for url in (f"/api/v1/projects/{big}/", f"/api/v1/plans/{big}/dashboard/", f"/api/v1/milestones/{big}/updates/"):
        assert client.get(url).status_code == 404, url
    body = {"project": int(big), "title": "t", "due_date": in_days(60)}
    assert client.post("/api/v1/milestones/", body, format="json").status_code == 400


def test_nested_writes_check_if_match_against_the_project(world: World) -> None:
    project = ProjectFactory.create(plan=world.own["plan"])
    org = OrganizationFactory.create(cluster=world.own.cluster)
    client = world.client("coordinator")
    response = client.post(f"/api/v1/projects/{project.pk}/beneficiaries/", {"organization": org.pk}, format="json",
                           HTTP_IF_MATCH='"7"')
    assert response.status_code == 412
    response = client.post(f"/api/v1/projects/{project.pk}/funding-lines/",
                           {"source": "private", "currency": "USD", "budget": "10.00"}, format="json",
                           HTTP_IF_MATCH='"7"')
    assert response.status_code == 412
    assert not project.beneficiary_links.exists() and not project.funding_lines.exists() and events() == 0


def test_filters_keep_no_state_between_requests(world: World) -> None:
    project = ProjectFactory.create(plan=world.own["plan"])
    late = MilestoneFactory.create(project=project, due_date=dt.date(2012, 1, 1))
    done = MilestoneFactory.create(project=project, status="completed", completed_on=dt.date(2012, 2, 1))
    open_ = MilestoneFactory.create(project=project)
    client = world.client("coordinator")

    def ids(query: str) -> set[int]:
        response = client.get(f"/api/v1/milestones/?{query}")
        assert response.status_code == 200, response.content
        return {m["id"] for m in response.json()["results"]}

    assert client.get("/api/v1/milestones/?overdue=perhaps&status=bogus").status_code == 400
    assert ids("overdue=true") == {late.pk}
    assert ids("status=completed&status=pending") == {done.pk, late.pk, open_.pk}
    assert ids("overdue=false&status=pending") == {open_.pk}
    assert ids(f"project={project.pk}&due_before=2012-01-31") == {late.pk}
    assert ids("") == {late.pk, done.pk, open_.pk}
