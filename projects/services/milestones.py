"""Milestones of a project: creation, edits, status moves, re-baselining and progress notes.

`baseline_due_date` is fixed at creation; only `milestone_reschedule` moves `due_date`,
with a reason, as an event with action "reschedule". Every change that can move progress
(create, complete, cancel, weight change, back to pending) recomputes the project's and the
plan's progress in the same transaction (see progress.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from plans.errors import RuleViolation, ValidationFailed
from plans.models import Stakeholder
from plans.services.history import (
    Actor,
    check_version,
    create_with_history,
    lock,
    transition,
    update_with_history,
)
from projects.models import Milestone, MilestoneUpdate, Project

from .common import cluster_today, normalize_values, refuse_future, require_reason, to_date
from .progress import lock_for_progress, recompute_progress

EDITABLE = frozenset({"title", "description", "weight", "responsible"})
FOREIGN_KEYS = frozenset({"responsible"})
HINTS = {
    "due_date": _("Reschedule the milestone to move its due date; a reason is required."),
    "baseline_due_date": _("The baseline due date never changes."),
    "status": _("Use start, complete or cancel to change the status."),
    "completed_on": _("Complete the milestone to record its completion date."),
    "project": _("A milestone cannot move to another project."),
    "plan": _("A milestone belongs to its project's plan."),
}
# No new milestones on a project whose story is over.
CLOSED_PROJECT_STATUSES = frozenset({Project.Status.COMPLETED, Project.Status.CANCELLED})


def _check_weight(weight: Any) -> int:
    if isinstance(weight, bool) or not isinstance(weight, int) or weight < 1:
        raise ValidationFailed(_("The weight must be a whole number of at least 1."),
                               errors={"weight": [_("Enter a whole number of at least 1.")]})
    return weight


def _check_responsible(responsible_id: int | None, cluster_id: int) -> None:
    if responsible_id is not None and not Stakeholder.objects.filter(pk=responsible_id, cluster_id=cluster_id).exists():
        raise ValidationFailed(_("The responsible person must be a stakeholder of the plan's cluster."),
                               errors={"responsible": [_("Not a stakeholder of this cluster.")]})


def _lock_milestone(milestone_id: int, expected_version: int | None) -> Milestone:
    milestone = lock(Milestone, milestone_id)
    check_version(milestone, expected_version)
    return milestone


def _legal(milestone: Milestone, to: str) -> bool:
    """Input rules are checked for moves the map allows; the gate refuses the others first."""
    return to in Milestone.allowed_targets(milestone.status)


@transaction.atomic
def milestone_create(
    *, project_id: int, actor: Actor, title: str, due_date: dt.date | str, weight: int = 1,
    responsible_id: int | None = None, description: str = "",
) -> Milestone:
    project, _plan = lock_for_progress(project_id=project_id)
    project = Project.objects.select_related("plan").get(pk=project.pk)  # full row, already locked
    if project.status in CLOSED_PROJECT_STATUSES:
        raise RuleViolation(_("Milestones cannot be added to a project that is %(status)s."),
                            status=project.get_status_display())
    cluster_id = project.plan.cluster_id
    _check_responsible(responsible_id, cluster_id)
    day = to_date(due_date, field="due_date")
    milestone = Milestone(
        project=project, plan_id=project.plan_id, title=title, description=description, due_date=day,
        baseline_due_date=day, weight=_check_weight(weight), responsible_id=responsible_id,
    )
    create_with_history(milestone, actor=actor)
    recompute_progress(project_id=project.pk)
    return milestone


@transaction.atomic
def milestone_update(
    *, milestone_id: int, actor: Actor, values: dict[str, Any], expected_version: int | None = None
) -> Milestone:
    """Edit title, description, weight or responsible; the due date moves only by rescheduling."""
    milestone = _lock_milestone(milestone_id, expected_version)
    clean = normalize_values(values, editable=EDITABLE, foreign_keys=FOREIGN_KEYS, hints=HINTS)
    if "responsible_id" in clean:
        _check_responsible(clean["responsible_id"], milestone.plan.cluster_id)
    if "weight" in clean:
        _check_weight(clean["weight"])
        lock_for_progress(project_id=milestone.project_id)  # before the event: see the lock order
    event = update_with_history(milestone, actor=actor, values=clean)
    if event is not None and "weight" in event.changes:
        recompute_progress(project_id=milestone.project_id)
    return milestone


@transaction.atomic
def milestone_start(*, milestone_id: int, actor: Actor, expected_version: int | None = None) -> Milestone:
    milestone = _lock_milestone(milestone_id, expected_version)
    transition(milestone, to=Milestone.Status.IN_PROGRESS, actor=actor)
    return milestone


@transaction.atomic
def milestone_pause(
    *, milestone_id: int, actor: Actor, reason: str = "", expected_version: int | None = None
) -> Milestone:
    """Back from in progress to pending (work stopped before completion)."""
    milestone = _lock_milestone(milestone_id, expected_version)
    transition(milestone, to=Milestone.Status.PENDING, actor=actor, reason=(reason or "").strip())
    return milestone


@transaction.atomic
def milestone_complete(
    *, milestone_id: int, actor: Actor, completed_on: dt.date | str, note: str = "", evidence_url: str = "",
    expected_version: int | None = None,
) -> Milestone:
    """Complete with the date (not in the future where the cluster is), a note and evidence."""
    milestone = _lock_milestone(milestone_id, expected_version)
    day = to_date(completed_on, field="completed_on")
    if _legal(milestone, Milestone.Status.COMPLETED):
        refuse_future(day, cluster_id=milestone.plan.cluster_id, field="completed_on")
        lock_for_progress(project_id=milestone.project_id)
    transition(
        milestone, to=Milestone.Status.COMPLETED, actor=actor, action="complete",
        extra={"completed_on": day, "completion_note": note, "evidence_url": evidence_url},
    )
    recompute_progress(project_id=milestone.project_id)
    return milestone


@transaction.atomic
def milestone_cancel(
    *, milestone_id: int, actor: Actor, reason: str, expected_version: int | None = None
) -> Milestone:
    """Cancel with a reason; a cancelled milestone stops counting in the progress."""
    milestone = _lock_milestone(milestone_id, expected_version)
    if _legal(milestone, Milestone.Status.CANCELLED):
        reason = require_reason(reason, _("A reason is required to cancel a milestone."))
        lock_for_progress(project_id=milestone.project_id)
    transition(milestone, to=Milestone.Status.CANCELLED, actor=actor, reason=reason)
    recompute_progress(project_id=milestone.project_id)
    return milestone


@transaction.atomic
def milestone_reschedule(
    *, milestone_id: int, actor: Actor, due_date: dt.date | str, reason: str, expected_version: int | None = None
) -> Milestone:
    """Move the due date (re-baselining): old and new date and the reason are recorded;
    `baseline_due_date` keeps the date first agreed."""
    milestone = _lock_milestone(milestone_id, expected_version)
    reason = require_reason(reason, _("A reason is required to reschedule a milestone."))
    if milestone.status not in Milestone.OPEN_STATUSES:
        raise RuleViolation(_("A %(status)s milestone cannot be rescheduled."), status=milestone.get_status_display())
    day = to_date(due_date, field="due_date")
    if day == milestone.due_date:
        raise ValidationFailed(_("The milestone is already due on %(day)s."),
                               errors={"due_date": [_("Choose a different date.")]}, day=day.isoformat())
    update_with_history(
        milestone, actor=actor, values={"due_date": day}, action="reschedule", reason=reason,
        context={"baseline_due_date": milestone.baseline_due_date},
    )
    return milestone


@transaction.atomic
def milestone_update_post(
    *, milestone_id: int, actor: Actor, note: str, posted_on: dt.date | str | None = None
) -> MilestoneUpdate:
    """Post a dated progress note (avance); the author is the acting user."""
    milestone = Milestone.objects.select_related("plan").get(pk=milestone_id)
    if milestone.status == Milestone.Status.CANCELLED:
        raise RuleViolation(_("Progress cannot be reported on a cancelled milestone."))
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("The progress note is empty."), errors={"note": [_("Required.")]})
    cluster_id = milestone.plan.cluster_id
    day = cluster_today(cluster_id) if posted_on is None else to_date(posted_on, field="posted_on")
    refuse_future(day, cluster_id=cluster_id, field="posted_on")
    update = MilestoneUpdate(milestone=milestone, author_id=actor.user_id, posted_on=day, note=note)
    return create_with_history(update, actor=actor)
