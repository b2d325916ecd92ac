"""Projects of a plan: creation, edits, status transitions and beneficiaries.

The collective-benefit rule guards approval: a project must benefit at least two member
organizations of the plan's cluster (so no single organization is its only beneficiary).
A coordinator may approve anyway only as a separate, explicit act: the
`collective_benefit_override` argument (its own field in the API, the project page and the
admin, with a confirmation there), kept on the project (`collective_benefit_override_reason`)
and in the transition event (changes and `context.collective_benefit_override`). The
ordinary transition reason never overrides the rule.

Nothing here changes a project of a closed or cancelled plan (`lock_open_plan`), and a project
is completed only once none of its milestones is still pending or in progress.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from plans.errors import Conflict, RuleViolation, ValidationFailed
from plans.models import Organization, Plan, StrategicLine
from plans.services.history import (
    Actor,
    check_version,
    create_with_history,
    delete_with_history,
    ensure_transition_allowed,
    lock,
    transition,
    update_with_history,
)
from projects.models import Milestone, Project, ProjectBeneficiary

from .common import cluster_today, lock_open_plan, normalize_values, require_reason
from .progress import recompute_plan_progress

EDITABLE = frozenset({
    "code", "title", "objective", "category", "good_type", "strategic_line", "executing_organization",
    "executing_body", "planned_start", "planned_end", "actual_start", "actual_end", "priority",
})
FOREIGN_KEYS = frozenset({"strategic_line", "executing_organization"})
HINTS = {
    "status": _("Use the project's transition to change its status."),
    "plan": _("A project cannot move to another plan."),
    "progress": _("Progress is computed from the milestones."),
    "collective_benefit_override_reason": _("Give the reason when approving the project."),
}
# Leaving the normal flow needs a recorded reason, as cancelling a plan does.
REASON_REQUIRED = frozenset({Project.Status.CANCELLED, Project.Status.SUSPENDED})
# Statuses in which the collective-benefit rule must keep holding.
APPROVED_STATUSES = frozenset({
    Project.Status.APPROVED, Project.Status.IN_EXECUTION, Project.Status.SUSPENDED, Project.Status.COMPLETED,
})
MIN_BENEFICIARIES = 2


def _check_references(project: Project, cluster_id: int) -> None:
    """A project's strategic line is of its plan; its executing organization of its cluster."""
    errors: dict[str, list[Any]] = {}
    if project.strategic_line_id is not None and not StrategicLine.objects.filter(
        pk=project.strategic_line_id, plan_id=project.plan_id
    ).exists():
        errors["strategic_line"] = [_("The strategic line must belong to the project's plan.")]
    if project.executing_organization_id is not None and not Organization.objects.filter(
        pk=project.executing_organization_id, cluster_id=cluster_id
    ).exists():
        errors["executing_organization"] = [_("The executing organization must be a member of the plan's cluster.")]
    if errors:
        raise ValidationFailed(_("The project refers to rows outside its plan or cluster."), errors=errors)


def _check_code_free(project: Project) -> None:
    taken = Project.objects.filter(plan_id=project.plan_id, code=project.code).exclude(pk=project.pk).exists()
    if taken:
        raise ValidationFailed(
            _("A project with code “%(code)s” already exists in this plan."),
            errors={"code": [_("This code is already used in the plan.")]}, code=project.code,
        )


@transaction.atomic
def project_create(*, plan_id: int, actor: Actor, code: str, title: str, category: str, **fields: Any) -> Project:
    """Create a project (status idea) in an open plan."""
    # Locked so the plan cannot be closed or cancelled while the project is added to it.
    plan = lock(Plan, plan_id)
    if plan.status not in Plan.OPEN_STATUSES:
        raise RuleViolation(_("Projects cannot be added to a plan that is %(status)s."),
                            status=plan.get_status_display())
    values = normalize_values(fields, editable=EDITABLE, foreign_keys=FOREIGN_KEYS, hints=HINTS)
    project = Project(plan=plan, code=code, title=title, category=category, **values)
    _check_references(project, plan.cluster_id)
    _check_code_free(project)
    return create_with_history(project, actor=actor)


@transaction.atomic
def project_update(
    *, project_id: int, actor: Actor, values: dict[str, Any], expected_version: int | None = None
) -> Project:
    """Edit a project's descriptive fields; status, plan and progress change elsewhere."""
    project = lock(Project, project_id)
    check_version(project, expected_version)
    lock_open_plan(project.plan_id)
    clean = normalize_values(values, editable=EDITABLE, foreign_keys=FOREIGN_KEYS, hints=HINTS)
    # Check the references on the edited row, then restore it so the diff sees old -> new.
    old = {name: getattr(project, name) for name in clean}
    for name, value in clean.items():
        setattr(project, name, value)
    _check_references(project, project.plan.cluster_id)
    if "code" in clean:
        _check_code_free(project)
    for name, value in old.items():
        setattr(project, name, value)
    update_with_history(project, actor=actor, values=clean, expected_version=expected_version)
    return project


def beneficiary_count(project: Project) -> int:
    """Distinct active member organizations of the plan's cluster that benefit from the project.

    An organization that left the cluster (inactive) or belongs to another one does not count.
    """
    return (
        ProjectBeneficiary.objects.filter(
            project=project, organization__cluster_id=project.plan.cluster_id, organization__is_active=True
        )
        .values("organization_id").distinct().count()
    )


@transaction.atomic
def project_transition(
    *, project_id: int, to: str, actor: Actor, reason: str = "", expected_version: int | None = None,
    collective_benefit_override: str = "",
) -> Project:
    """Move a project along its lifecycle.

    Approval checks the collective-benefit rule; a failing project is approved only with an
    explicit `collective_benefit_override` (the override's own reason), stored on the project.
    Cancelling and suspending need a reason. Starting and
    completing fill the actual dates when they are empty. Cancelling takes the project's
    milestones out of the plan's progress, which is recomputed here.
    """
    project = lock(Project, project_id)
    check_version(project, expected_version)
    plan = lock_open_plan(project.plan_id)
    reason = (reason or "").strip()
    extra: dict[str, Any] = {}
    context: dict[str, Any] = {}
    # A move the map lacks is refused (409) before the rules of the move are checked.
    ensure_transition_allowed(project, to)
    if to in REASON_REQUIRED:
        require_reason(reason, _("A reason is required to cancel or suspend a project."))
    if to == Project.Status.APPROVED:
        count = beneficiary_count(project)
        context["beneficiaries"] = count
        override = (collective_benefit_override or "").strip()
        if count < MIN_BENEFICIARIES:
            if not override:
                raise RuleViolation(
                    _("A project must benefit at least two member organizations of the cluster "
                      "(it has %(count)s). To approve it anyway, override the collective-benefit rule "
                      "explicitly, with its reason."),
                    errors={"collective_benefit_override": [
                        _("Required to approve a project with fewer than two beneficiary organizations.")]},
                    count=count,
                )
            extra["collective_benefit_override_reason"] = override
            context["collective_benefit_override"] = True
    if to == Project.Status.COMPLETED:
        still_open = Milestone.objects.filter(project_id=project.pk, status__in=Milestone.OPEN_STATUSES).count()
        if still_open:
            raise RuleViolation(
                _("The project still has %(count)s open milestones; complete or cancel them first."),
                count=still_open,
            )
    today = cluster_today(project.plan.cluster_id)
    if to == Project.Status.IN_EXECUTION and project.actual_start is None:
        extra["actual_start"] = today
    if to == Project.Status.COMPLETED and project.actual_end is None:
        extra["actual_end"] = max(today, project.actual_start or today)
    transition(project, to=to, actor=actor, reason=reason, extra=extra, expected_version=expected_version,
               context=context)
    if to == Project.Status.CANCELLED:
        recompute_plan_progress(plan)  # the plan was locked before the event: see lock_open_plan
    return project


@transaction.atomic
def beneficiary_add(
    *, project_id: int, organization_id: int, actor: Actor, expected_version: int | None = None
) -> ProjectBeneficiary:
    """Add a member organization of the plan's cluster as a beneficiary.

    `expected_version` is the project's (If-Match on the nested route), checked under its lock.
    """
    project = lock(Project, project_id)
    check_version(project, expected_version)
    lock_open_plan(project.plan_id)
    if not Organization.objects.filter(
        pk=organization_id, cluster_id=project.plan.cluster_id, is_active=True
    ).exists():
        raise ValidationFailed(
            _("Beneficiaries must be active member organizations of the plan's cluster."),
            errors={"organization": [_("Not an active member of this cluster.")]},
        )
    if ProjectBeneficiary.objects.filter(project=project, organization_id=organization_id).exists():
        raise Conflict(_("The organization is already a beneficiary of this project."),
                       errors={"organization": [_("Already a beneficiary.")]})
    return create_with_history(ProjectBeneficiary(project=project, organization_id=organization_id), actor=actor)


@transaction.atomic
def beneficiary_remove(
    *, project_id: int, organization_id: int, actor: Actor, expected_version: int | None = None
) -> None:
    """Remove a beneficiary; an approved project keeps at least two unless it was overridden.

    `expected_version` is the project's, checked under its lock as in beneficiary_add.
    """
    project = lock(Project, project_id)
    check_version(project, expected_version)
    lock_open_plan(project.plan_id)
    link = ProjectBeneficiary.objects.filter(project=project, organization_id=organization_id).first()
    if link is None:
        raise ValidationFailed(_("The organization is not a beneficiary of this project."),
                               errors={"organization": [_("Not a beneficiary.")]})
    if (
        project.status in APPROVED_STATUSES
        and not project.collective_benefit_override_reason
        and beneficiary_count(project) - 1 < MIN_BENEFICIARIES
    ):
        raise RuleViolation(_("An approved project must keep at least two beneficiary organizations."))
    delete_with_history(link, actor=actor)
