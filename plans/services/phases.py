"""Consensus phases: one active at a time, in order; completed only by an adopted agreement.

Phase moves never move the plan (and vice versa): a coordinator starting the launch phase of
a draft plan still moves the plan to formulation explicitly, with its own event. Keeping the
two lifecycles apart keeps each event about one row and each rule in one place.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from plans.errors import RuleViolation, ValidationFailed
from plans.models import Agreement, Phase, Plan
from plans.phase_rules import may_close, subjects_closing

from .common import ensure_plan_open, only_fields, related, require_reason
from .history import (
    Actor,
    check_version,
    clock,
    create_with_history,
    ensure_transition_allowed,
    lock,
    transition,
    update_with_history,
)

PHASE_FIELDS = frozenset({"kind", "title", "description", "planned_start", "planned_end", "order"})
DONE = (Phase.Status.COMPLETED, Phase.Status.SKIPPED)


def _lock_phase_and_plan(phase_id: int) -> tuple[Phase, Plan]:
    # Lock the plan first (as every plan-wide rule does), then the phase: one order everywhere.
    plan_id = Phase.objects.values_list("plan_id", flat=True).get(pk=phase_id)
    plan = lock(Plan, plan_id)
    ensure_plan_open(plan)
    return lock(Phase, phase_id), plan


def _check_dates(planned_start: Any, planned_end: Any) -> None:
    if planned_start and planned_end and planned_end < planned_start:
        raise ValidationFailed(
            _("The planned end cannot be before the planned start."),
            errors={"planned_end": [_("Before the planned start.")]},
        )


def _check_order_is_ahead(plan: Plan, order: int, *, exclude_pk: int | None = None) -> None:
    """A pending phase cannot sit before one that already started, or order would be broken."""
    others = Phase.objects.filter(plan=plan).exclude(status=Phase.Status.PENDING)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    started = others.aggregate(m=Max("order"))["m"]
    if started is not None and order <= started:
        raise ValidationFailed(
            _("A pending phase must come after the phases already started (order above %(order)s)."),
            errors={"order": [_("Before a phase that already started.")]},
            order=started,
        )


@transaction.atomic
def phase_create(
    *, plan_id: int, actor: Actor, kind: str, title: str, order: int | None = None, **fields: Any
) -> Phase:
    """Add a phase; without `order` it goes last."""
    plan = lock(Plan, plan_id)
    ensure_plan_open(plan)
    fields = only_fields(fields, PHASE_FIELDS - {"kind", "title", "order"})
    if order is None:
        order = (Phase.objects.filter(plan=plan).aggregate(m=Max("order"))["m"] or 0) + 1
    elif Phase.objects.filter(plan=plan, order=order).exists():
        raise ValidationFailed(
            _("Another phase of this plan already has order %(order)s."),
            errors={"order": [_("Already used in this plan.")]}, order=order,
        )
    _check_order_is_ahead(plan, order)
    _check_dates(fields.get("planned_start"), fields.get("planned_end"))
    return create_with_history(Phase(plan=plan, kind=kind, title=title, order=order, **fields), actor=actor)


@transaction.atomic
def phase_update(
    *, phase_id: int, actor: Actor, values: dict[str, Any], expected_version: int | None = None
) -> Phase:
    """Edit a phase's description and plan; status and actual dates move only by start/complete/skip."""
    phase, plan = _lock_phase_and_plan(phase_id)
    values = only_fields(values, PHASE_FIELDS)
    if "order" in values and values["order"] != phase.order:
        if phase.status != Phase.Status.PENDING:
            raise RuleViolation(_("Only a pending phase can be moved to another place."))
        if Phase.objects.filter(plan=plan, order=values["order"]).exists():
            raise ValidationFailed(
                _("Another phase of this plan already has order %(order)s."),
                errors={"order": [_("Already used in this plan.")]}, order=values["order"],
            )
        _check_order_is_ahead(plan, values["order"], exclude_pk=phase.pk)
    _check_dates(values.get("planned_start", phase.planned_start), values.get("planned_end", phase.planned_end))
    update_with_history(phase, actor=actor, values=values, expected_version=expected_version)
    return phase


@transaction.atomic
def phase_start(*, phase_id: int, actor: Actor, expected_version: int | None = None) -> Phase:
    """Make the phase the active one: every earlier phase must be completed or skipped."""
    phase, plan = _lock_phase_and_plan(phase_id)
    check_version(phase, expected_version)
    ensure_transition_allowed(phase, Phase.Status.ACTIVE)
    if phase.status == Phase.Status.PENDING:
        active = Phase.objects.filter(plan=plan, status=Phase.Status.ACTIVE).first()
        if active is not None:
            raise RuleViolation(
                _("Phase “%(phase)s” is still active; complete or skip it first."), phase=active.title
            )
        unfinished = Phase.objects.filter(plan=plan, order__lt=phase.order).exclude(status__in=DONE).first()
        if unfinished is not None:
            raise RuleViolation(
                _("Phases go in order: complete or skip “%(phase)s” first."), phase=unfinished.title
            )
    transition(
        phase, to=Phase.Status.ACTIVE, actor=actor, expected_version=expected_version,
        extra={"actual_start": clock.localdate()},
    )
    return phase


@transaction.atomic
def phase_complete(*, phase_id: int, agreement_id: int, actor: Actor, expected_version: int | None = None) -> Phase:
    """Close the active phase with an adopted agreement of the same plan as its outcome."""
    phase, plan = _lock_phase_and_plan(phase_id)
    check_version(phase, expected_version)
    ensure_transition_allowed(phase, Phase.Status.COMPLETED)
    agreement = related(Agreement, agreement_id, "agreement")
    if agreement.plan_id != plan.pk:
        raise ValidationFailed(
            _("The outcome must be an agreement of the same plan."),
            errors={"agreement": [_("Not an agreement of this plan.")]},
        )
    if agreement.phase_id is not None and agreement.phase_id != phase.pk:
        raise ValidationFailed(
            _("That agreement belongs to another phase."), errors={"agreement": [_("Belongs to another phase.")]}
        )
    if agreement.status != Agreement.Status.ADOPTED:
        raise RuleViolation(
            _("A phase is completed only with an adopted agreement; “%(agreement)s” is %(status)s."),
            agreement=agreement.title, status=agreement.get_status_display(),
        )
    if not may_close(phase.kind, agreement.subject):
        raise RuleViolation(
            _("An agreement to “%(subject)s” cannot close the phase “%(phase)s”; it needs one to: %(fits)s."),
            errors={"agreement": [_("Its subject does not fit this phase.")]},
            subject=agreement.get_subject_display(), phase=phase.title,
            fits=", ".join(str(Agreement.Subject(s).label) for s in sorted(subjects_closing(phase.kind))),
        )
    transition(
        phase, to=Phase.Status.COMPLETED, actor=actor, expected_version=expected_version,
        extra={"outcome_agreement": agreement, "actual_end": clock.localdate()},
        context={"agreement": agreement.pk},
    )
    return phase


@transaction.atomic
def phase_skip(*, phase_id: int, reason: str, actor: Actor, expected_version: int | None = None) -> Phase:
    """Skip a pending or active phase; the reason is kept on the phase and in the event."""
    phase, _plan = _lock_phase_and_plan(phase_id)
    check_version(phase, expected_version)
    ensure_transition_allowed(phase, Phase.Status.SKIPPED)
    reason = require_reason(reason, _("A reason is required to skip a phase."))
    extra: dict[str, Any] = {"skip_reason": reason}
    if phase.status == Phase.Status.ACTIVE:
        extra["actual_end"] = clock.localdate()
    transition(phase, to=Phase.Status.SKIPPED, actor=actor, reason=reason, extra=extra,
               expected_version=expected_version)
    return phase
