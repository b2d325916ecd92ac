"""Plan lifecycle: creation (with the default phases), edits, transitions and reformulation.

Creating a plan also creates its phases: that is one event for the plan plus one per phase,
so every row has its own "create" event with its initial values.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils.translation import gettext_lazy as _

from plans.errors import Conflict, RuleViolation, ValidationFailed
from plans.models import Cluster, Phase, Plan, StrategicLine
from plans.phase_rules import PLAN_MOVES, phases_missing_for

from .common import ensure_plan_open, only_fields, require_reason
from .history import (
    Actor,
    check_version,
    clock,
    create_with_history,
    delete_with_history,
    ensure_transition_allowed,
    lock,
    transition,
    update_with_history,
)

# The consensus steps of domain.md, in order; a coordinator edits them per plan.
DEFAULT_PHASES: tuple[tuple[str, Any], ...] = (
    (Phase.Kind.LAUNCH, _("Launch forum")),
    (Phase.Kind.DIAGNOSIS, _("Diagnosis")),
    (Phase.Kind.STRATEGY, _("Vision and strategic lines")),
    (Phase.Kind.PROJECT_FORMULATION, _("Project formulation and prioritisation")),
    (Phase.Kind.VALIDATION, _("Validation and approval")),
    (Phase.Kind.INSTITUTIONALISATION, _("Institutionalisation")),
    (Phase.Kind.EXECUTION, _("Execution")),
    (Phase.Kind.MONITORING, _("Monitoring and evaluation")),
)
PLAN_FIELDS = frozenset({"title", "vision", "grant_amount", "grant_currency", "forum_quorum_percent"})
# Only a plan that was agreed (or has run) is reformulated; earlier ones are simply edited.
REFORMULABLE = frozenset({Plan.Status.APPROVED, Plan.Status.IN_EXECUTION, Plan.Status.CLOSED})


def _create_default_phases(plan: Plan, actor: Actor) -> None:
    for order, (kind, title) in enumerate(DEFAULT_PHASES, start=1):
        create_with_history(Phase(plan=plan, order=order, kind=kind, title=str(title)), actor=actor)


def _check_grant(values: dict[str, Any]) -> None:
    amount = values.get("grant_amount")
    if amount is not None and Decimal(amount) < 0:
        raise ValidationFailed(
            _("The grant amount cannot be negative."), errors={"grant_amount": [_("Cannot be negative.")]}
        )


def _next_edition(cluster: Cluster) -> int:
    last = Plan.objects.filter(cluster=cluster).aggregate(m=Max("edition"))["m"]
    return (last or 0) + 1


@transaction.atomic
def plan_create(
    *, cluster_id: int, actor: Actor, title: str, vision: str = "", with_default_phases: bool = True,
    **fields: Any,
) -> Plan:
    """A new draft plan (next edition number in the cluster) with the 8 default phases."""
    cluster = lock(Cluster, cluster_id)  # serialises edition numbers per cluster
    fields = only_fields(fields, PLAN_FIELDS - {"title", "vision"})
    _check_grant(fields)
    plan = Plan(cluster=cluster, title=title, vision=vision, edition=_next_edition(cluster), **fields)
    create_with_history(plan, actor=actor)
    if with_default_phases:
        _create_default_phases(plan, actor)
    return plan


@transaction.atomic
def plan_update(
    *, plan_id: int, actor: Actor, values: dict[str, Any], expected_version: int | None = None
) -> Plan:
    """Edit the plan's content; status moves go through plan_transition."""
    plan = lock(Plan, plan_id)
    check_version(plan, expected_version)
    if plan.status not in Plan.OPEN_STATUSES:
        raise RuleViolation(_("A closed or cancelled plan cannot be edited."))
    values = only_fields(values, PLAN_FIELDS)
    _check_grant(values)
    update_with_history(plan, actor=actor, values=values, expected_version=expected_version)
    return plan


@transaction.atomic
def plan_transition(
    *, plan_id: int, to: str, actor: Actor, reason: str = "", expected_version: int | None = None
) -> Plan:
    """Move a plan along its lifecycle; validation and approval need the phases that
    plans/phase_rules.py names (the validation phase completed, every earlier phase closed).

    Phases never move the plan implicitly (and the plan never moves its phases): the
    coordinator makes each move explicitly, so each has its own event and reason.
    """
    plan = lock(Plan, plan_id)
    # A stale copy (412) and an impossible move (409) are reported before any rule of the move.
    check_version(plan, expected_version)
    ensure_transition_allowed(plan, to)
    extra: dict[str, Any] = {}
    if to in PLAN_MOVES:
        gate = PLAN_MOVES[to].completed
        if not Phase.objects.filter(plan=plan, kind=gate).exists():
            raise RuleViolation(_("The plan has no %(phase)s phase, which this move needs."),
                                phase=Phase.Kind(gate).label)
        missing = phases_missing_for(plan, to)
        if missing:
            raise RuleViolation(
                _("The plan can be %(status)s only after its validation phase is completed with an adopted "
                  "agreement and every phase before it is completed or skipped; still open: %(phases)s."),
                status=Plan.Status(to).label, phases=", ".join(p.title for p in missing),
            )
    if to == Plan.Status.APPROVED:
        extra["approved_on"] = clock.localdate()
    if to == Plan.Status.CANCELLED and not reason.strip():
        raise ValidationFailed(_("A reason is required to cancel a plan."), errors={"reason": [_("Required.")]})
    transition(plan, to=to, actor=actor, reason=reason, extra=extra, expected_version=expected_version)
    return plan


@transaction.atomic
def plan_reformulate(*, plan_id: int, actor: Actor, reason: str, title: str | None = None) -> Plan:
    """Start a new edition of an agreed plan, linked by `previous`, with its own fresh phases.

    The earlier edition is left as it is (its status records what happened to it); the new
    one starts as a draft. A plan is reformulated at most once: reformulate the newest.
    """
    reason = require_reason(reason, _("A reason is required to reformulate a plan."))
    old = lock(Plan, plan_id)
    if old.status not in REFORMULABLE:
        raise RuleViolation(
            _("Only an approved, executing or closed plan can be reformulated; edit this one instead.")
        )
    if Plan.objects.filter(previous=old).exists():
        raise Conflict(_("This plan was already reformulated; reformulate its newest version."))
    cluster = lock(Cluster, old.cluster_id)
    plan = Plan(
        cluster=cluster, title=title or old.title, vision=old.vision, grant_currency=old.grant_currency,
        edition=_next_edition(cluster), previous=old,
    )
    create_with_history(plan, actor=actor, reason=reason, context={"reformulates": old.pk})
    _create_default_phases(plan, actor)
    return plan


# --- Strategic lines -----------------------------------------------------------------------

STRATEGIC_LINE_FIELDS = frozenset({"code", "title", "description", "order"})


def _check_code_free(plan_id: int, code: str, *, exclude_pk: int | None = None) -> None:
    """A clear field error before the unique constraint would speak."""
    same = StrategicLine.objects.filter(plan_id=plan_id, code=code)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    if same.exists():
        raise ValidationFailed(
            _("A strategic line with code %(code)s already exists in this plan."),
            errors={"code": [_("Already used in this plan.")]},
            code=code,
        )


@transaction.atomic
def strategic_line_create(*, plan_id: int, actor: Actor, code: str, title: str, **fields: Any) -> StrategicLine:
    plan = lock(Plan, plan_id)  # serialises codes per plan
    ensure_plan_open(plan)
    _check_code_free(plan.pk, code)
    line = StrategicLine(plan=plan, code=code, title=title, **only_fields(fields, STRATEGIC_LINE_FIELDS - {"code"}))
    return create_with_history(line, actor=actor)


@transaction.atomic
def strategic_line_update(
    *, strategic_line_id: int, actor: Actor, values: dict[str, Any], expected_version: int | None = None
) -> StrategicLine:
    line = lock(StrategicLine, strategic_line_id)
    plan = lock(Plan, line.plan_id)
    ensure_plan_open(plan)
    values = only_fields(values, STRATEGIC_LINE_FIELDS)
    if "code" in values:
        _check_code_free(plan.pk, values["code"], exclude_pk=line.pk)
    update_with_history(line, actor=actor, values=values, expected_version=expected_version)
    return line


@transaction.atomic
def strategic_line_delete(*, strategic_line_id: int, actor: Actor, reason: str = "") -> None:
    """Delete a line no project hangs from (projects protect their line)."""
    line = lock(StrategicLine, strategic_line_id)
    ensure_plan_open(lock(Plan, line.plan_id))
    try:
        delete_with_history(line, actor=actor, reason=reason)
    except ProtectedError as exc:
        raise RuleViolation(
            _("Projects hang from this strategic line; move them to another line first.")
        ) from exc
