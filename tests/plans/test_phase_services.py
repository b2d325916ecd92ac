"""Phase services: one active at a time, in order; completed only by an adopted agreement."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.utils import timezone

from plans.errors import IllegalTransition, RuleViolation, ValidationFailed
from plans.models import Agreement, Phase, Plan
from plans.services.history import Actor
from plans.services.phases import phase_complete, phase_create, phase_skip, phase_start, phase_update
from tests.factories import AgreementFactory, PlanFactory
from tests.plans.helpers import NewEvents

pytestmark = pytest.mark.django_db


def phase_of(plan: Plan, order: int) -> Phase:
    return plan.phases.get(order=order)


def adopted(plan: Plan, **fields) -> Agreement:  # type: ignore[no-untyped-def]
    return AgreementFactory.create(plan=plan, status=Agreement.Status.ADOPTED, **fields)


# Each target status is reached by exactly one service; a status added to the map without a
# service makes test_every_phase_transition fail for that target.
def move(phase: Phase, target: str, actor: Actor) -> None:
    if target == Phase.Status.ACTIVE:
        phase_start(phase_id=phase.pk, actor=actor)
    elif target == Phase.Status.COMPLETED:
        phase_complete(phase_id=phase.pk, agreement_id=adopted(phase.plan).pk, actor=actor)
    elif target == Phase.Status.SKIPPED:
        phase_skip(phase_id=phase.pk, reason="No aplica", actor=actor)
    else:
        pytest.fail(f"no service moves a phase to {target}")


TARGETS = [s for s in Phase.Status.values if any(s in t for t in Phase.TRANSITIONS.values())]


@pytest.mark.parametrize(("current", "target"), list(itertools.product(Phase.Status.values, TARGETS)))
def test_every_phase_transition(plan: Plan, actor: Actor, current: str, target: str) -> None:
    phase = phase_of(plan, 1)
    arrange: dict[str, dict[str, Any]] = {
        "completed": {"outcome_agreement": adopted(plan), "actual_start": dt.date(2012, 9, 1)},
        "skipped": {"skip_reason": "x"},
        "active": {"actual_start": dt.date(2012, 9, 1)},
    }
    extra = arrange.get(current, {})
    Phase.objects.filter(pk=phase.pk).update(status=current, **extra)
    legal = target in Phase.TRANSITIONS[current]
    with NewEvents() as spy:
        if legal:
            move(phase, target, actor)
        else:
            with pytest.raises(IllegalTransition):
                move(phase, target, actor)
    phase.refresh_from_db()
    if legal:
        event = [e for e in spy.events if e.object_type == "plans.phase"]
        assert len(event) == 1 and event[0].changes["status"] == [current, target]
        assert phase.status == target
    else:
        assert [e for e in spy.events if e.object_type == "plans.phase"] == [] and phase.status == current


def test_start_sets_actual_start_and_writes_one_event(plan: Plan, actor: Actor) -> None:
    with NewEvents() as spy:
        phase = phase_start(phase_id=phase_of(plan, 1).pk, actor=actor, expected_version=1)
    event = spy.one()
    assert event.action == "transition" and event.plan_id == plan.pk
    assert event.changes == {
        "status": ["pending", "active"], "actual_start": [None, timezone.localdate().isoformat()],
    }
    assert phase.actual_start == timezone.localdate()
    plan.refresh_from_db()
    assert plan.status == Plan.Status.DRAFT  # no implicit plan transition


def test_phases_start_in_order(plan: Plan, actor: Actor) -> None:
    with NewEvents() as spy, pytest.raises(RuleViolation) as exc:
        phase_start(phase_id=phase_of(plan, 2).pk, actor=actor)
    assert "Launch forum" in str(exc.value) and spy.events == []
    phase_skip(phase_id=phase_of(plan, 1).pk, reason="Ya realizado", actor=actor)
    assert phase_start(phase_id=phase_of(plan, 2).pk, actor=actor).status == Phase.Status.ACTIVE


def test_only_one_phase_active(plan: Plan, actor: Actor) -> None:
    phase_start(phase_id=phase_of(plan, 1).pk, actor=actor)
    # Phase 3 was skipped ahead of time; phase 2 still waits for phase 1.
    phase_skip(phase_id=phase_of(plan, 3).pk, reason="Se fusiona con la fase 4", actor=actor)
    with pytest.raises(RuleViolation) as exc:
        phase_start(phase_id=phase_of(plan, 2).pk, actor=actor)
    assert "still active" in str(exc.value)


def test_complete_needs_an_adopted_agreement_of_the_same_plan(plan: Plan, actor: Actor) -> None:
    phase = phase_start(phase_id=phase_of(plan, 1).pk, actor=actor)
    open_one = AgreementFactory.create(plan=plan)
    other_plan = adopted(PlanFactory.create(cluster=plan.cluster, edition=2))
    other_phase = adopted(plan, phase=phase_of(plan, 2))
    with NewEvents() as spy:
        with pytest.raises(RuleViolation):
            phase_complete(phase_id=phase.pk, agreement_id=open_one.pk, actor=actor)
        with pytest.raises(ValidationFailed) as exc:
            phase_complete(phase_id=phase.pk, agreement_id=other_plan.pk, actor=actor)
        assert "agreement" in exc.value.errors
        with pytest.raises(ValidationFailed):
            phase_complete(phase_id=phase.pk, agreement_id=other_phase.pk, actor=actor)
        with pytest.raises(ValidationFailed):
            phase_complete(phase_id=phase.pk, agreement_id=999_999, actor=actor)
    assert spy.events == []
    good = adopted(plan, phase=phase)
    with NewEvents() as spy:
        phase_complete(phase_id=phase.pk, agreement_id=good.pk, actor=actor)
    event = spy.one()
    assert event.changes["outcome_agreement"] == [None, good.pk]
    assert event.changes["actual_end"] == [None, timezone.localdate().isoformat()]
    phase.refresh_from_db()
    assert phase.status == Phase.Status.COMPLETED and phase.outcome_agreement_id == good.pk


def test_skip_needs_a_reason(plan: Plan, actor: Actor) -> None:
    with NewEvents() as spy, pytest.raises(ValidationFailed) as exc:
        phase_skip(phase_id=phase_of(plan, 1).pk, reason=" ", actor=actor)
    assert "reason" in exc.value.errors and spy.events == []
    phase = phase_skip(phase_id=phase_of(plan, 1).pk, reason="No aplica", actor=actor)
    assert phase.skip_reason == "No aplica"


def test_skip_records_the_reason_in_the_event(plan: Plan, actor: Actor) -> None:
    with NewEvents() as spy:
        phase_skip(phase_id=phase_of(plan, 2).pk, reason="No aplica", actor=actor)
    event = spy.one()
    assert event.reason == "No aplica" and event.changes["skip_reason"] == ["", "No aplica"]


def test_phase_create_goes_last_and_checks_order_and_dates(plan: Plan, actor: Actor) -> None:
    with NewEvents() as spy:
        phase = phase_create(plan_id=plan.pk, actor=actor, kind=Phase.Kind.OTHER, title="Asamblea anual")
    assert phase.order == 9 and spy.one().action == "create"
    with pytest.raises(ValidationFailed) as exc:
        phase_create(plan_id=plan.pk, actor=actor, kind=Phase.Kind.OTHER, title="x", order=3)
    assert "order" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        phase_create(
            plan_id=plan.pk, actor=actor, kind=Phase.Kind.OTHER, title="x",
            planned_start=dt.date(2013, 5, 1), planned_end=dt.date(2013, 4, 1),
        )
    assert "planned_end" in exc.value.errors
    phase_skip(phase_id=phase_of(plan, 1).pk, reason="r", actor=actor)
    Phase.objects.filter(plan=plan, order=2).delete()
    with pytest.raises(ValidationFailed):  # a pending phase cannot sit before a finished one
        phase_create(plan_id=plan.pk, actor=actor, kind=Phase.Kind.OTHER, title="x", order=0)


def test_phase_update_records_old_and_new_and_refuses_status(plan: Plan, actor: Actor) -> None:
    phase = phase_of(plan, 2)
    with NewEvents() as spy:
        phase_update(phase_id=phase.pk, actor=actor, values={"planned_start": dt.date(2012, 10, 1)})
    assert spy.one().changes == {"planned_start": [None, "2012-10-01"]}
    for values in ({"status": "completed"}, {"actual_start": dt.date(2012, 1, 1)}, {"outcome_agreement": None}):
        with pytest.raises(ValidationFailed):
            phase_update(phase_id=phase.pk, actor=actor, values=values)
    with pytest.raises(ValidationFailed) as exc:
        phase_update(phase_id=phase.pk, actor=actor, values={"planned_end": dt.date(2012, 9, 1)})
    assert "planned_end" in exc.value.errors


def test_phases_of_a_cancelled_plan_do_not_move(plan: Plan, actor: Actor) -> None:
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.CANCELLED)
    with NewEvents() as spy, pytest.raises(RuleViolation):
        phase_start(phase_id=phase_of(plan, 1).pk, actor=actor)
    assert spy.events == []


def test_phase_start_reports_a_stale_version_or_an_impossible_move_before_its_order_rules(
    plan: Plan, actor: Actor,
) -> None:
    from plans.errors import StaleVersion

    first, second = phase_of(plan, 1), phase_of(plan, 2)
    with pytest.raises(StaleVersion):  # not "phases go in order"
        phase_start(phase_id=second.pk, actor=actor, expected_version=second.version + 2)
    Phase.objects.filter(pk=second.pk).update(status=Phase.Status.SKIPPED, skip_reason="no aplica")
    with pytest.raises(IllegalTransition):
        phase_start(phase_id=second.pk, actor=actor)
    assert Phase.objects.get(pk=first.pk).status == Phase.Status.PENDING


def test_phase_skip_reports_a_stale_version_or_an_impossible_move_before_the_missing_reason(
    plan: Plan, actor: Actor,
) -> None:
    from plans.errors import StaleVersion

    phase = phase_of(plan, 1)
    with pytest.raises(StaleVersion):
        phase_skip(phase_id=phase.pk, reason="", actor=actor, expected_version=phase.version + 2)
    Phase.objects.filter(pk=phase.pk).update(status=Phase.Status.SKIPPED, skip_reason="no aplica")
    with pytest.raises(IllegalTransition):
        phase_skip(phase_id=phase.pk, reason="", actor=actor)


@pytest.mark.parametrize(("kind", "subject", "fits"), [
    (Phase.Kind.VALIDATION, Agreement.Subject.OTHER, False),
    (Phase.Kind.VALIDATION, Agreement.Subject.CLOSE_PHASE, False),
    (Phase.Kind.VALIDATION, Agreement.Subject.VALIDATE_PLAN, True),
    (Phase.Kind.STRATEGY, Agreement.Subject.ADOPT_STRATEGIC_LINES, True),
    (Phase.Kind.DIAGNOSIS, Agreement.Subject.ADOPT_STRATEGIC_LINES, False),
    (Phase.Kind.DIAGNOSIS, Agreement.Subject.OTHER, False),
])
def test_a_phase_closes_only_with_an_agreement_whose_subject_fits(
    plan: Plan, actor: Actor, kind: str, subject: str, fits: bool,
) -> None:
    phase = plan.phases.get(kind=kind)
    Phase.objects.filter(pk=phase.pk).update(status=Phase.Status.ACTIVE)
    agreement = adopted(plan, subject=subject)
    with NewEvents() as spy:
        if fits:
            phase_complete(phase_id=phase.pk, agreement_id=agreement.pk, actor=actor)
        else:
            with pytest.raises(RuleViolation) as exc:
                phase_complete(phase_id=phase.pk, agreement_id=agreement.pk, actor=actor)
            assert "agreement" in exc.value.errors
    phase.refresh_from_db()
    assert (phase.status == Phase.Status.COMPLETED) is fits
    assert len(spy.events) == (1 if fits else 0)
