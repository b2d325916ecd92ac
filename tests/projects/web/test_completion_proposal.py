"""The person responsible for a milestone proposes its completion from their email; a coordinator
confirms (issue 10: "post an update, propose completion; the coordinator confirms")."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from plans import links
from plans.models import HistoryEvent, Stakeholder
from projects.models import Milestone, MilestoneUpdate
from tests.world import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


def via_link(stakeholder_id: int, path: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    url = links.personal_url(stakeholder_id, path)
    assert client.get("/" + url.split("://", 1)[1].split("/", 1)[1]).status_code == 302
    return client


def test_the_responsible_person_proposes_and_the_coordinator_confirms(world: World) -> None:
    milestone = world.own["milestone"]
    person = milestone.responsible
    Stakeholder.objects.filter(pk=person.pk).update(language="en")  # her link session speaks her language
    page = reverse("projects:milestone", args=[milestone.pk])
    stakeholder = via_link(person.pk, page)
    mark = HistoryEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    posted = stakeholder.post(reverse("projects:milestone-update", args=[milestone.pk]), {
        "note": "Las 12 salas de ordeñe quedaron equipadas.", "evidence_url": "https://example.org/acta.pdf",
        "proposes_completion": "on",
    })
    assert posted.status_code == 302
    update = MilestoneUpdate.objects.get(milestone=milestone)
    assert update.proposes_completion and update.evidence_url == "https://example.org/acta.pdf"
    [event] = HistoryEvent.objects.filter(id__gt=mark, object_type="projects.milestoneupdate")
    assert event.source == "email" and event.changes["proposes_completion"] == [None, True]
    milestone.refresh_from_db()
    assert milestone.status != Milestone.Status.COMPLETED  # a proposal completes nothing

    seen_by_person = stakeholder.get(page).content.decode()
    assert "Completion proposed" in seen_by_person and "A coordinator confirms it." in seen_by_person
    assert reverse("projects:milestone-complete", args=[milestone.pk]) not in seen_by_person

    coordinator = Client(HTTP_ACCEPT_LANGUAGE="en")
    coordinator.force_login(world.users["coordinator"])
    seen = coordinator.get(page).content.decode()
    assert "Confirm completion" in seen and "https://example.org/acta.pdf" in seen
    form = coordinator.get(reverse("projects:milestone-complete", args=[milestone.pk])).context["form"]
    assert form.initial["note"] == update.note and form.initial["evidence_url"] == update.evidence_url
    done = coordinator.post(reverse("projects:milestone-complete", args=[milestone.pk]), {
        "version": milestone.version, "completed_on": update.posted_on.isoformat(), "note": update.note,
        "evidence_url": update.evidence_url,
    })
    assert done.status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.COMPLETED and milestone.evidence_url == update.evidence_url
    assert "Completion proposed" not in coordinator.get(page).content.decode()


def test_a_completed_milestone_cannot_be_proposed_again(world: World) -> None:
    milestone = world.own["milestone"]
    Milestone.objects.filter(pk=milestone.pk).update(status=Milestone.Status.COMPLETED,
                                                     completed_on=milestone.due_date)
    client = world.client("coordinator")
    answer = client.post(f"/api/v1/milestones/{milestone.pk}/updates/",
                         {"note": "Listo", "proposes_completion": True}, format="json")
    assert answer.status_code == 409 and answer.json()["type"] == "rule_violation", answer.json()
    assert not MilestoneUpdate.objects.filter(milestone=milestone).exists()


def test_the_api_takes_and_returns_the_proposal(world: World) -> None:
    milestone = world.own["milestone"]
    answer = world.client("stakeholder").post(f"/api/v1/milestones/{milestone.pk}/updates/", {
        "note": "Terminado", "evidence_url": "https://example.org/foto.jpg", "proposes_completion": True,
    }, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["proposes_completion"] is True
    assert answer.json()["evidence_url"] == "https://example.org/foto.jpg"
