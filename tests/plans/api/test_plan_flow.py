"""A coordinator, with only the contract and a token, runs a plan from draft to approved;
every change is recorded with the acting user and source `api`. Forums export as .ics."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from icalendar import Calendar
from rest_framework.test import APIClient

from plans.models import HistoryEvent, Plan, Source
from tests.world import World

pytestmark = pytest.mark.django_db


class Api:
    """A token client that checks each answer's status."""

    def __init__(self, token: str) -> None:
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    def call(self, method: str, url: str, body: Any = None, expect: int = 200, **headers: Any) -> Any:
        response = getattr(self.client, method)(f"/api/v1/{url}", body, format="json", **headers)
        assert response.status_code == expect, (method, url, response.content)
        is_json = response.content and response["Content-Type"].startswith("application/json")
        return response.json() if is_json else response


def token_for(username: str) -> str:
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": "pass-1234"}, format="json")
    assert response.status_code == 200
    return str(response.json()["token"])


def close_phase_by_forum(api: Api, plan_id: int, phase: dict[str, Any], orgs: list[int]) -> None:
    api.call("post", f"phases/{phase['id']}/start/")
    starts = (timezone.now() - dt.timedelta(hours=3)).isoformat()
    forum = api.call("post", "forums/", {"phase": phase["id"], "title": f"Foro {phase['title']}",
                                         "starts_at": starts, "venue": "Sociedad Rural de Tucumán"}, expect=201)
    for org in orgs:
        api.call("post", f"forums/{forum['id']}/attendance/", {"organization": org}, expect=201)
    api.call("post", f"forums/{forum['id']}/hold/", {"minutes": "Se presentó la iniciativa."})
    agreement = api.call("post", "agreements/", {
        "plan": plan_id, "forum": forum["id"], "title": f"Cierre {phase['title']}", "subject": "close_phase",
        "rule": "forum_consensus",
    }, expect=201)
    closed = api.call("post", f"agreements/{agreement['id']}/close/")
    assert closed["status"] == "adopted" and closed["tally"]["by_forum"] is True
    completed = api.call("post", f"phases/{phase['id']}/complete/", {"agreement": agreement["id"]})
    assert completed["status"] == "completed"


def test_coordinator_runs_a_plan_from_draft_to_approved(world: World) -> None:
    api = Api(token_for("coordinator"))
    cluster = world.own.cluster.pk
    orgs = [world.own["organization"].pk, world.own["organization2"].pk]
    plan = api.call("post", "plans/", {"cluster": cluster, "title": "PMC Cuenca Lechera de Tucumán"}, expect=201)
    phases = api.call("get", f"phases/?plan={plan['id']}")["results"]
    assert [p["kind"] for p in phases] == [
        "launch", "diagnosis", "strategy", "project_formulation", "validation", "institutionalisation",
        "execution", "monitoring",
    ]
    api.call("post", f"plans/{plan['id']}/transition/", {"to": "formulation"})
    close_phase_by_forum(api, plan["id"], phases[0], orgs)
    for phase in phases[1:4]:
        api.call("post", f"phases/{phase['id']}/skip/", {"reason": "Covered at the launch forum"})
    # Validation by the default consent rule: both member organizations agree.
    validation = phases[4]
    api.call("post", f"phases/{validation['id']}/start/")
    detail = api.call("get", f"plans/{plan['id']}/")
    assert detail["current_phase"]["id"] == validation["id"]
    agreement = api.call("post", "agreements/", {
        "plan": plan["id"], "phase": validation["id"], "title": "Validar el PMC", "subject": "validate_plan",
    }, expect=201)
    for org in orgs:
        api.call("post", f"agreements/{agreement['id']}/positions/", {"organization": org, "position": "agree"},
                 expect=201)
    assert api.call("post", f"agreements/{agreement['id']}/close/")["status"] == "adopted"
    api.call("post", f"phases/{validation['id']}/complete/", {"agreement": agreement["id"]})
    api.call("post", f"plans/{plan['id']}/transition/", {"to": "validated"})
    approved = api.call("post", f"plans/{plan['id']}/transition/", {"to": "approved"})
    assert approved["status"] == "approved" and approved["approved_on"]

    events = HistoryEvent.objects.filter(plan_id=plan["id"])
    assert events.count() > 20
    assert set(events.values_list("source", flat=True)) == {Source.API}
    assert set(events.values_list("actor_id", flat=True)) == {world.users["coordinator"].pk}


def test_approval_without_validation_is_409(world: World) -> None:
    api = Api(token_for("coordinator"))
    plan = world.own["plan"]
    refused_validation = api.call("post", f"plans/{plan.pk}/transition/", {"to": "validated"}, expect=409)
    assert refused_validation["type"] == "rule_violation"
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.VALIDATED)
    refused = api.call("post", f"plans/{plan.pk}/transition/", {"to": "approved"}, expect=409)
    assert refused["type"] == "rule_violation"


def test_forum_ics_is_a_publishable_event_in_the_cluster_time_zone(world: World) -> None:
    forum = world.own["forum"]
    client = world.client("stakeholder")
    response = client.get(f"/api/v1/forums/{forum.pk}/ics/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar["METHOD"] == "PUBLISH"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == f"forum-{forum.pk}@pmc-tracker"
    assert int(str(event["SEQUENCE"])) == 0
    assert event["DTSTART"].params["TZID"] == "America/Argentina/Tucuman"
    assert event.decoded("DTSTART") == forum.starts_at.replace(microsecond=0)  # iCalendar has whole seconds
    assert calendar.walk("VTIMEZONE")

    moved = (forum.starts_at + dt.timedelta(days=1)).isoformat()
    coordinator = world.client("coordinator")
    assert coordinator.patch(f"/api/v1/forums/{forum.pk}/", {"starts_at": moved,
                                                            "ends_at": None}, format="json").status_code == 200
    again = Calendar.from_ical(client.get(f"/api/v1/forums/{forum.pk}/ics/").content).walk("VEVENT")[0]
    assert str(again["UID"]) == f"forum-{forum.pk}@pmc-tracker"
    assert int(str(again["SEQUENCE"])) == 1

    coordinator.post(f"/api/v1/forums/{forum.pk}/cancel/", {"reason": "Lluvias"}, format="json")
    cancelled = Calendar.from_ical(client.get(f"/api/v1/forums/{forum.pk}/ics/").content).walk("VEVENT")[0]
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(str(cancelled["SEQUENCE"])) == 2
