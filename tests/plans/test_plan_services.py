"""Plan services: creation with default phases, edits, every transition, approval, reformulation."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.utils.functional import Promise

from plans.errors import Conflict, IllegalTransition, RuleViolation, StaleVersion, ValidationFailed
from plans.models import Agreement, Cluster, HistoryEvent, Phase, Plan
from plans.services.history import Actor, validate
from plans.services.plans import (
    DEFAULT_PHASES,
    plan_create,
    plan_reformulate,
    plan_transition,
    plan_update,
)
from tests.factories import AgreementFactory
from tests.plans.helpers import NewEvents

pytestmark = pytest.mark.django_db

STATUSES = list(Plan.Status.values)


def complete_validation(plan: Plan) -> None:
    """Arrange (directly, no service): every earlier phase skipped, the validation phase completed
    by an adopted agreement that validates the plan."""
    agreement = AgreementFactory.create(plan=plan, status=Agreement.Status.ADOPTED,
                                        subject=Agreement.Subject.VALIDATE_PLAN)
    validation = Phase.objects.get(plan=plan, kind=Phase.Kind.VALIDATION)
    Phase.objects.filter(plan=plan, order__lt=validation.order).update(status=Phase.Status.SKIPPED,
                                                                     skip_reason="not needed in the test")
    Phase.objects.filter(pk=validation.pk).update(status=Phase.Status.COMPLETED, outcome_agreement=agreement)


def test_plan_create_makes_a_draft_with_the_eight_default_phases_in_order(cluster: Cluster, actor: Actor) -> None:
    with NewEvents() as spy:
        plan = plan_create(cluster_id=cluster.pk, actor=actor, title="PMC lácteo", vision="Leche de calidad")
    assert plan.status == Plan.Status.DRAFT and plan.edition == 1
    phases = list(plan.phases.order_by("order"))
    assert [(p.order, p.kind) for p in phases] == [(i, k) for i, (k, _t) in enumerate(DEFAULT_PHASES, start=1)]
    assert [p.kind for p in phases][:2] == [Phase.Kind.LAUNCH, Phase.Kind.DIAGNOSIS]
    assert all(p.status == Phase.Status.PENDING for p in phases)
    # One create event for the plan, then one per phase row.
    events = spy.events
    assert [(e.object_type, e.action) for e in events] == [("plans.plan", "create")] + [("plans.phase", "create")] * 8
    assert events[0].changes["title"] == [None, "PMC lácteo"] and events[0].plan_id == plan.pk
    assert all(e.chain_id == cluster.pk for e in events)


def test_plan_create_without_default_phases(cluster: Cluster, actor: Actor) -> None:
    with NewEvents() as spy:
        plan = plan_create(cluster_id=cluster.pk, actor=actor, title="PMC", with_default_phases=False)
    assert plan.phases.count() == 0 and spy.one().action == "create"


def test_plan_create_refuses_status_and_numbers_editions(cluster: Cluster, actor: Actor, plan: Plan) -> None:
    with pytest.raises(ValidationFailed) as exc:
        plan_create(cluster_id=cluster.pk, actor=actor, title="X", status=Plan.Status.APPROVED)
    assert "status" in exc.value.errors
    second = plan_create(cluster_id=cluster.pk, actor=actor, title="Otro", with_default_phases=False)
    assert second.edition == plan.edition + 1


def test_plan_update_records_old_and_new(plan: Plan, actor: Actor) -> None:
    with NewEvents() as spy:
        plan_update(plan_id=plan.pk, actor=actor, values={"vision": "Nueva visión"}, expected_version=1)
    event = spy.one()
    assert event.action == "update" and event.changes == {"vision": ["", "Nueva visión"]}
    plan.refresh_from_db()
    assert plan.vision == "Nueva visión" and plan.version == 2


@pytest.mark.parametrize("values", [{"status": "approved"}, {"cluster": 1}, {"progress": 50}, {"edition": 3}])
def test_plan_update_refuses_fields_it_does_not_own(plan: Plan, actor: Actor, values: dict) -> None:
    with NewEvents() as spy, pytest.raises(ValidationFailed):
        plan_update(plan_id=plan.pk, actor=actor, values=values)
    assert spy.events == []


def test_plan_update_with_stale_version_writes_nothing(plan: Plan, actor: Actor) -> None:
    with NewEvents() as spy, pytest.raises(StaleVersion):
        plan_update(plan_id=plan.pk, actor=actor, values={"vision": "x"}, expected_version=9)
    assert spy.events == []


@pytest.mark.parametrize(("current", "target"), list(itertools.product(STATUSES, STATUSES)))
def test_every_plan_transition(plan: Plan, actor: Actor, current: str, target: str) -> None:
    Plan.objects.filter(pk=plan.pk).update(status=current)
    complete_validation(plan)  # so approval is possible wherever the map allows it
    legal = target in Plan.TRANSITIONS[current]
    with NewEvents() as spy:
        if legal:
            plan_transition(plan_id=plan.pk, to=target, actor=actor, reason="motivo")
        else:
            with pytest.raises(IllegalTransition):
                plan_transition(plan_id=plan.pk, to=target, actor=actor, reason="motivo")
    plan.refresh_from_db()
    if legal:
        event = spy.one()
        assert event.action == "transition" and event.changes["status"] == [current, target]
        assert event.reason == "motivo" and plan.status == target
    else:
        assert spy.events == [] and plan.status == current


def test_every_plan_status_has_a_transitions_entry() -> None:
    assert set(Plan.TRANSITIONS) == set(Plan.Status.values)


def test_approval_needs_the_validation_phase_completed(plan: Plan, actor: Actor) -> None:
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.VALIDATED)
    with NewEvents() as spy, pytest.raises(RuleViolation) as exc:
        plan_transition(plan_id=plan.pk, to=Plan.Status.APPROVED, actor=actor)
    assert "validation phase" in str(exc.value) and spy.events == []
    complete_validation(plan)
    plan_transition(plan_id=plan.pk, to=Plan.Status.APPROVED, actor=actor)
    plan.refresh_from_db()
    assert plan.status == Plan.Status.APPROVED and plan.approved_on is not None


def test_the_plan_is_not_validated_while_an_earlier_phase_is_open(plan: Plan, actor: Actor) -> None:
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.FORMULATION)
    complete_validation(plan)
    diagnosis = Phase.objects.get(plan=plan, kind=Phase.Kind.DIAGNOSIS)
    Phase.objects.filter(pk=diagnosis.pk).update(status=Phase.Status.ACTIVE)
    with NewEvents() as spy, pytest.raises(RuleViolation) as exc:
        plan_transition(plan_id=plan.pk, to=Plan.Status.VALIDATED, actor=actor)
    assert diagnosis.title in str(exc.value) and spy.events == []
    Phase.objects.filter(pk=diagnosis.pk).update(status=Phase.Status.SKIPPED, skip_reason="done elsewhere")
    plan_transition(plan_id=plan.pk, to=Plan.Status.VALIDATED, actor=actor)
    plan.refresh_from_db()
    assert plan.status == Plan.Status.VALIDATED


def test_cancel_needs_a_reason(plan: Plan, actor: Actor) -> None:
    with NewEvents() as spy, pytest.raises(ValidationFailed) as exc:
        plan_transition(plan_id=plan.pk, to=Plan.Status.CANCELLED, actor=actor, reason="  ")
    assert "reason" in exc.value.errors and spy.events == []


def test_reformulate_creates_a_linked_draft_edition_with_fresh_phases(plan: Plan, actor: Actor) -> None:
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.IN_EXECUTION, vision="v1")
    Phase.objects.filter(plan=plan).update(status=Phase.Status.SKIPPED, skip_reason="x")
    with NewEvents() as spy:
        new = plan_reformulate(plan_id=plan.pk, actor=actor, reason="Fortalecimiento 2014", title="PMC 2014")
    assert new.previous_id == plan.pk and new.edition == 2 and new.status == Plan.Status.DRAFT
    assert new.title == "PMC 2014" and new.vision == "v1"
    assert set(new.phases.values_list("status", flat=True)) == {Phase.Status.PENDING}
    assert new.phases.count() == len(DEFAULT_PHASES)
    first = spy.events[0]
    assert first.object_id == new.pk and first.reason == "Fortalecimiento 2014"
    assert first.context == {"reformulates": plan.pk} and first.changes["previous"] == [None, plan.pk]
    plan.refresh_from_db()
    assert plan.status == Plan.Status.IN_EXECUTION  # the earlier edition is left as it was


def test_reformulate_refusals(plan: Plan, actor: Actor) -> None:
    with pytest.raises(ValidationFailed):
        plan_reformulate(plan_id=plan.pk, actor=actor, reason="")
    with pytest.raises(RuleViolation):  # a draft is edited, not reformulated
        plan_reformulate(plan_id=plan.pk, actor=actor, reason="r")
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.APPROVED)
    plan_reformulate(plan_id=plan.pk, actor=actor, reason="r")
    before = HistoryEvent.objects.count()
    with pytest.raises(Conflict):
        plan_reformulate(plan_id=plan.pk, actor=actor, reason="r")
    assert HistoryEvent.objects.count() == before


def test_closed_plan_cannot_be_edited(plan: Plan, actor: Actor) -> None:
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.CLOSED)
    with pytest.raises(RuleViolation):
        plan_update(plan_id=plan.pk, actor=actor, values={"title": "x"})


def test_messages_and_default_titles_are_lazy_translations(cluster: Cluster, actor: Actor) -> None:
    assert all(isinstance(title, Promise) for _kind, title in DEFAULT_PHASES)
    with pytest.raises(ValidationFailed) as exc:
        plan_transition(plan_id=plan_create(cluster_id=cluster.pk, actor=actor, title="x").pk,
                        to=Plan.Status.CANCELLED, actor=actor)
    assert isinstance(exc.value.message, Promise)


def test_negative_grant_is_a_field_error(cluster: Cluster, plan: Plan, actor: Actor) -> None:
    with NewEvents() as spy:
        with pytest.raises(ValidationFailed) as exc:
            plan_update(plan_id=plan.pk, actor=actor, values={"grant_amount": Decimal("-1")})
        assert list(exc.value.errors) == ["grant_amount"]
        with pytest.raises(ValidationFailed):
            plan_create(cluster_id=cluster.pk, actor=actor, title="x", grant_amount=Decimal("-0.01"))
    assert spy.events == []
    plan_update(plan_id=plan.pk, actor=actor, values={"grant_amount": Decimal("1185000.00")})


def test_constraint_messages_are_readable(plan: Plan) -> None:
    phase = plan.phases.get(order=1)
    phase.status = Phase.Status.SKIPPED
    with pytest.raises(ValidationFailed) as exc:
        validate(phase)
    assert exc.value.errors == {"__all__": ["A skipped phase needs a reason."]}


def test_an_impossible_move_is_an_illegal_transition_before_any_rule(plan: Plan, actor: Actor) -> None:
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.FORMULATION)
    # Approval's own rule (validation phase) must not hide that formulation -> approved is not a move.
    with NewEvents() as spy, pytest.raises(IllegalTransition):
        plan_transition(plan_id=plan.pk, to=Plan.Status.APPROVED, actor=actor)
    assert spy.events == []


def test_a_stale_version_is_reported_before_the_rules_of_the_move(plan: Plan, actor: Actor) -> None:
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.VALIDATED)
    with pytest.raises(StaleVersion):  # not the approval rule's RuleViolation
        plan_transition(plan_id=plan.pk, to=Plan.Status.APPROVED, actor=actor, expected_version=plan.version + 5)
    with pytest.raises(StaleVersion):  # nor the missing-reason ValidationFailed
        plan_transition(plan_id=plan.pk, to=Plan.Status.CANCELLED, actor=actor, expected_version=plan.version + 5)
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.CLOSED)
    with pytest.raises(StaleVersion):  # not "a closed plan cannot be edited"
        plan_update(plan_id=plan.pk, actor=actor, values={"title": "x"}, expected_version=plan.version + 5)


def test_an_illegal_transition_names_the_statuses_by_their_labels(plan: Plan, actor: Actor) -> None:
    from django.utils import translation

    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.APPROVED)
    with pytest.raises(IllegalTransition) as caught:
        plan_transition(plan_id=plan.pk, to=Plan.Status.CLOSED, actor=actor)
    message = str(caught.value)
    assert "“approved”" in message and "“closed”" in message and "in execution, cancelled" in message
    assert "in_execution" not in message
    with translation.override("es"):  # rendered lazily, in the reader's language
        assert "en ejecución" in str(caught.value.message % caught.value.params)
