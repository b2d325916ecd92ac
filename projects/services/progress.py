"""Progress roll-up: completed milestone weight over the weight of milestones still counting.

project.progress = 100 * sum(weight of completed) / sum(weight of non-cancelled milestones);
plan.progress is the same over the milestones of every non-cancelled project of the plan.
Both are 0 when nothing counts. They are derived data, recomputed after the change in the
same transaction, and get no history event of their own: one event per change, and the
event of the milestone (or project) change that moved them is the record. Any past value is
a pure function of milestone status/weight and project status, which the history holds,
so an as-of view can recompute it. The `version` of the project and plan is not raised
either: a milestone completed by someone else does not make a coordinator's edit stale.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from plans.models import Plan
from plans.services.history import history_value
from projects.models import Milestone, Project

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def weighted_progress(milestones: QuerySet[Milestone]) -> Decimal:
    """One aggregate query; cancelled milestones count neither as done nor as pending."""
    totals = milestones.aggregate(
        total=Sum("weight", filter=~Q(status=Milestone.Status.CANCELLED)),
        done=Sum("weight", filter=Q(status=Milestone.Status.COMPLETED)),
    )
    total, done = totals["total"] or 0, totals["done"] or 0
    if not total:
        return Decimal("0.00")
    return (HUNDRED * Decimal(done) / Decimal(total)).quantize(CENT, rounding=ROUND_HALF_UP)


def lock_for_progress(*, project_id: int) -> tuple[Project, Plan]:
    """Lock the project, then its plan, BEFORE the change's history event is appended.

    Lock order in this app: milestone -> project -> plan -> history chain head, each row
    once. Appending an event locks the cluster's chain head, and project_create holds
    plan -> chain head; a service that locked the plan only after its event (chain head ->
    plan) could deadlock with it on PostgreSQL. So services that will recompute progress
    take these locks first and hand the rows to recompute_progress. The rows are whole
    (the services read the project's status and the plan's status and cluster).
    """
    project = Project.objects.select_for_update().get(pk=project_id)
    plan = Plan.objects.select_for_update().get(pk=project.plan_id)
    return project, plan


def recompute_progress(*, project_id: int, locked: tuple[Project, Plan] | None = None) -> dict[str, Any]:
    """Recompute the project's and its plan's progress; return what changed as old -> new.

    Must run inside the caller's transaction. The plan row is locked so that two
    transactions changing milestones of different projects of one plan do not each write a
    plan total computed without the other's change (the second waits, then re-aggregates).
    `locked` is the (project, plan) the caller already holds from lock_for_progress, so
    neither row is locked a second time (and never after the chain head).
    """
    project, plan = locked if locked is not None else lock_for_progress(project_id=project_id)
    changes: dict[str, Any] = {}

    project_progress = weighted_progress(Milestone.objects.filter(project_id=project.pk))
    if project_progress != project.progress:
        Project.objects.filter(pk=project.pk).update(progress=project_progress)
        changes["project"] = [history_value(project.progress), history_value(project_progress)]
        project.progress = project_progress

    plan_progress = recompute_plan_progress(plan)
    if plan_progress is not None:
        changes["plan"] = plan_progress
    return changes


def recompute_plan_progress(plan: Plan) -> list[Any] | None:
    """Recompute a (locked) plan's progress; return [old, new] when it changed."""
    new = weighted_progress(
        Milestone.objects.filter(plan_id=plan.pk).exclude(project__status=Project.Status.CANCELLED)
    )
    if new == plan.progress:
        return None
    Plan.objects.filter(pk=plan.pk).update(progress=new)
    old, plan.progress = plan.progress, new
    return [history_value(old), history_value(new)]
