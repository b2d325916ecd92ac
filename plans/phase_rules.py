"""Which agreements may close each kind of phase, and which phases each plan move needs.

The one place these rules live, as data: the services (phase_complete, plan_transition)
check them, the pages and the API docs read them.

- A phase is completed with an adopted agreement whose subject fits it: the validation phase
  only by one that validates the plan, the strategy phase also by adopting strategic lines,
  project formulation also by prioritising projects; "other" closes only a phase of kind
  "other".
- The plan is validated (and approved) only when its validation phase is completed with an
  adopted agreement and every phase before it is closed (completed or skipped): no plan is
  validated while its diagnosis is still under way.
"""

from __future__ import annotations

from dataclasses import dataclass

from plans.models import Agreement, Phase, Plan

S = Agreement.Subject
K = Phase.Kind

CLOSING_SUBJECTS: dict[str, frozenset[str]] = {
    K.LAUNCH: frozenset({S.CLOSE_PHASE}),
    K.DIAGNOSIS: frozenset({S.CLOSE_PHASE}),
    K.STRATEGY: frozenset({S.CLOSE_PHASE, S.ADOPT_STRATEGIC_LINES}),
    K.PROJECT_FORMULATION: frozenset({S.CLOSE_PHASE, S.PRIORITISE_PROJECTS}),
    K.VALIDATION: frozenset({S.VALIDATE_PLAN}),
    K.INSTITUTIONALISATION: frozenset({S.CLOSE_PHASE}),
    K.EXECUTION: frozenset({S.CLOSE_PHASE}),
    K.MONITORING: frozenset({S.CLOSE_PHASE}),
    K.OTHER: frozenset({S.CLOSE_PHASE, S.OTHER}),
}


@dataclass(frozen=True)
class PlanMoveNeeds:
    """A plan move needs this phase kind completed (with an adopted agreement), and every
    phase ordered before it closed."""

    completed: str


PLAN_MOVES: dict[str, PlanMoveNeeds] = {
    Plan.Status.VALIDATED: PlanMoveNeeds(completed=K.VALIDATION),
    Plan.Status.APPROVED: PlanMoveNeeds(completed=K.VALIDATION),
}

CLOSED_PHASE_STATUSES = frozenset({Phase.Status.COMPLETED, Phase.Status.SKIPPED})


def subjects_closing(kind: str) -> frozenset[str]:
    return CLOSING_SUBJECTS.get(kind, frozenset({S.CLOSE_PHASE}))


def may_close(phase_kind: str, subject: str) -> bool:
    return subject in subjects_closing(phase_kind)


def phases_missing_for(plan: Plan, to: str) -> list[Phase]:
    """The phases that stop the plan's move to `to` (empty when the move may happen)."""
    needs = PLAN_MOVES.get(to)
    if needs is None:
        return []
    phases = list(Phase.objects.filter(plan=plan).select_related("outcome_agreement").order_by("order"))
    gate = next((p for p in phases if p.kind == needs.completed), None)
    if gate is None:
        return []  # the caller reports the missing phase kind
    missing = [p for p in phases if p.order < gate.order and p.status not in CLOSED_PHASE_STATUSES]
    gate_done = gate.status == Phase.Status.COMPLETED and gate.outcome_agreement is not None \
        and gate.outcome_agreement.status == Agreement.Status.ADOPTED
    return missing + ([] if gate_done else [gate])
