"""Strategic lines: unique code per plan (field error), edits and protected deletes."""

from __future__ import annotations

import pytest

from plans.errors import RuleViolation, ValidationFailed
from plans.models import Plan, StrategicLine
from plans.services.history import Actor
from plans.services.plans import strategic_line_create, strategic_line_delete, strategic_line_update
from tests.factories import ProjectFactory
from tests.plans.helpers import NewEvents

pytestmark = pytest.mark.django_db


def test_create_writes_one_event(plan: Plan, actor: Actor) -> None:
    with NewEvents() as spy:
        line = strategic_line_create(plan_id=plan.pk, actor=actor, code="E1", title="Calidad de leche", order=1)
    event = spy.one()
    assert event.action == "create" and event.object_type == "plans.strategicline" and event.plan_id == plan.pk
    assert event.changes["code"] == [None, "E1"] and line.plan_id == plan.pk


def test_duplicate_code_is_a_field_error(plan: Plan, actor: Actor) -> None:
    strategic_line_create(plan_id=plan.pk, actor=actor, code="E1", title="Calidad")
    other = strategic_line_create(plan_id=plan.pk, actor=actor, code="E2", title="Marca")
    with NewEvents() as spy:
        with pytest.raises(ValidationFailed) as exc:
            strategic_line_create(plan_id=plan.pk, actor=actor, code="E1", title="Otra")
        assert list(exc.value.errors) == ["code"] and "E1 already exists" in str(exc.value)
        with pytest.raises(ValidationFailed) as exc:
            strategic_line_update(strategic_line_id=other.pk, actor=actor, values={"code": "E1"})
        assert list(exc.value.errors) == ["code"]
    assert spy.events == [] and StrategicLine.objects.filter(plan=plan).count() == 2


def test_same_code_in_another_plan_is_fine(plan: Plan, actor: Actor) -> None:
    other = Plan.objects.create(cluster=plan.cluster, title="Otro", edition=2)
    strategic_line_create(plan_id=plan.pk, actor=actor, code="E1", title="Calidad")
    assert strategic_line_create(plan_id=other.pk, actor=actor, code="E1", title="Calidad").pk


def test_update_records_old_and_new(plan: Plan, actor: Actor) -> None:
    line = strategic_line_create(plan_id=plan.pk, actor=actor, code="E1", title="Calidad")
    with NewEvents() as spy:
        strategic_line_update(strategic_line_id=line.pk, actor=actor, values={"title": "Calidad e inocuidad"},
                              expected_version=1)
    assert spy.one().changes == {"title": ["Calidad", "Calidad e inocuidad"]}
    with pytest.raises(ValidationFailed):
        strategic_line_update(strategic_line_id=line.pk, actor=actor, values={"plan": plan.pk})


def test_delete_records_last_values_and_refuses_lines_with_projects(plan: Plan, actor: Actor) -> None:
    used = strategic_line_create(plan_id=plan.pk, actor=actor, code="E1", title="Calidad")
    ProjectFactory.create(plan=plan, strategic_line=used)
    with NewEvents() as spy, pytest.raises(RuleViolation):
        strategic_line_delete(strategic_line_id=used.pk, actor=actor)
    assert spy.events == [] and StrategicLine.objects.filter(pk=used.pk).exists()
    free = strategic_line_create(plan_id=plan.pk, actor=actor, code="E2", title="Marca")
    with NewEvents() as spy:
        strategic_line_delete(strategic_line_id=free.pk, actor=actor, reason="Se fusiona con E1")
    event = spy.one()
    assert event.action == "delete" and event.changes["code"] == ["E2", None] and event.reason == "Se fusiona con E1"
    assert not StrategicLine.objects.filter(pk=free.pk).exists()


def test_lines_of_a_closed_plan_do_not_change(plan: Plan, actor: Actor) -> None:
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.CLOSED)
    with pytest.raises(RuleViolation):
        strategic_line_create(plan_id=plan.pk, actor=actor, code="E9", title="x")
