"""Phase pages: the plan's phases with start / complete (adopted agreement) / skip (reason)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from plans.models import Agreement, Phase
from tests.factories import AgreementFactory, PhaseFactory
from tests.plans.helpers import NewEvents
from tests.plans.web.forum_world import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    return build_world()


def test_phase_list_marks_the_active_phase_and_offers_its_actions(world: World) -> None:
    html = world.client("coordinator").get(reverse("plans:phase-list", args=[world.plan.pk])).content.decode()
    assert 'aria-current="step"' in html and "1. Diagnóstico" in html
    assert reverse("plans:phase-complete", args=[world.phase.pk]) in html
    assert reverse("plans:phase-start", args=[world.next_phase.pk]) in html
    assert reverse("plans:phase-skip", args=[world.next_phase.pk]) in html


@pytest.mark.parametrize("role", ["stakeholder", "auditor"])
def test_readers_see_phases_without_actions_and_cannot_post(world: World, role: str) -> None:
    client = world.client(role)
    html = client.get(reverse("plans:phase-list", args=[world.plan.pk])).content.decode()
    assert "1. Diagnóstico" in html
    assert reverse("plans:phase-skip", args=[world.phase.pk]) not in html
    response = client.post(reverse("plans:phase-skip", args=[world.phase.pk]),
                           {"version": world.phase.version, "reason": "x"})
    assert response.status_code == 403
    world.phase.refresh_from_db()
    assert world.phase.status == Phase.Status.ACTIVE


def test_complete_with_the_adopted_agreement_then_start_the_next(world: World) -> None:
    adopted = AgreementFactory.create(plan=world.plan, phase=world.phase, status=Agreement.Status.ADOPTED,
                                      title="Cierre del diagnóstico")
    AgreementFactory.create(plan=world.plan, phase=world.phase, title="Aún abierto")
    AgreementFactory.create(plan=world.plan, phase=world.phase, status=Agreement.Status.ADOPTED,
                            subject=Agreement.Subject.OTHER, title="Otro asunto")
    client = world.client("coordinator")
    page = client.get(reverse("plans:phase-complete", args=[world.phase.pk])).content.decode()
    assert "Cierre del diagnóstico" in page and "Aún abierto" not in page
    assert "Otro asunto" not in page  # its subject cannot close this phase (plans/phase_rules.py)
    with NewEvents() as new:
        response = client.post(reverse("plans:phase-complete", args=[world.phase.pk]),
                               {"version": world.phase.version, "agreement": adopted.pk})
    assert response.status_code == 302
    world.phase.refresh_from_db()
    assert (world.phase.status, world.phase.outcome_agreement) == (Phase.Status.COMPLETED, adopted)
    assert new.one().action == "transition"
    with NewEvents() as new:
        client.post(reverse("plans:phase-start", args=[world.next_phase.pk]), {"version": world.next_phase.version})
    world.next_phase.refresh_from_db()
    assert world.next_phase.status == Phase.Status.ACTIVE
    assert len(new.events) == 1


def test_start_while_another_phase_is_active_is_refused_plainly(world: World) -> None:
    with NewEvents() as new:
        response = world.client("coordinator").post(
            reverse("plans:phase-start", args=[world.next_phase.pk]), {"version": world.next_phase.version}
        )
    assert response.status_code == 409
    assert "Phase “Diagnóstico” is still active; complete or skip it first." in response.content.decode()
    assert new.events == []


def test_skip_needs_a_reason_and_keeps_it(world: World) -> None:
    url = reverse("plans:phase-skip", args=[world.next_phase.pk])
    client = world.client("coordinator")
    blank = client.post(url, {"version": world.next_phase.version, "reason": ""})
    assert blank.status_code == 200 and "This field is required." in blank.content.decode()
    with NewEvents() as new:
        response = client.post(url, {"version": world.next_phase.version, "reason": "Ya cubierta por el diagnóstico"})
    assert response.status_code == 302
    world.next_phase.refresh_from_db()
    assert (world.next_phase.status, world.next_phase.skip_reason) == (
        Phase.Status.SKIPPED, "Ya cubierta por el diagnóstico")
    assert new.one().reason == "Ya cubierta por el diagnóstico"


def test_stale_phase_action_is_refused_and_keeps_the_reason(world: World) -> None:
    Phase.objects.filter(pk=world.next_phase.pk).update(version=world.next_phase.version + 1)
    response = world.client("coordinator").post(
        reverse("plans:phase-skip", args=[world.next_phase.pk]),
        {"version": world.next_phase.version, "reason": "Mi motivo"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this" in html and "Mi motivo" in html


def test_other_clusters_phase_is_404(world: World) -> None:
    foreign = PhaseFactory.create(plan=world.other_plan, order=5)
    client = world.client("coordinator")
    assert client.post(reverse("plans:phase-skip", args=[foreign.pk]), {"version": 1, "reason": "x"}).status_code == 404
    assert client.get(reverse("plans:phase-list", args=[world.other_plan.pk])).status_code == 404
