"""Milestones of a project: creation, edits, status moves, re-baselining and progress notes.

`baseline_due_date` is fixed at creation; only `milestone_reschedule` moves `due_date`,
with a reason, as an event with action "reschedule". Every change that can move progress
(create, complete, cancel, weight change, back to pending) recomputes the project's and the
plan's progress in the same transaction (see progress.py).

Nothing changes in a closed or cancelled plan; a completed or cancelled project takes no new
milestones and its milestones are not started, paused, completed or rescheduled (cancelling
one, editing its text or posting a note is still allowed while the plan is open).

Date bounds, to catch typos such as 0001-01-01 or 9999-12-31 and dates from before the work
could have existed (the milestone's record date is its creation, or today for a new one):
- `due_date` (create and reschedule): from 5 years before the record date (never before
  1990-01-01) to 50 years after today where the cluster is;
- `completed_on`: not in the future, not before 5 years before the record date, never before
  1990-01-01. Old plans loaded later keep their dates within those 5 years.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans.access import acts_only_for_self
from plans.errors import PermissionDeniedError, RuleViolation, ValidationFailed
from plans.models import Plan, Stakeholder
from plans.services.common import ensure_plan_open
from plans.services.history import (
    Actor,
    check_version,
    create_with_history,
    ensure_transition_allowed,
    lock,
    transition,
    update_with_history,
)
from projects.models import Milestone, MilestoneUpdate, Project

from .common import cluster_today, lock_open_plan, normalize_values, refuse_future, require_reason, to_date
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
# No new milestones, and no moves of the existing ones, on a project whose story is over.
CLOSED_PROJECT_STATUSES = frozenset({Project.Status.COMPLETED, Project.Status.CANCELLED})
EARLIEST = dt.date(1990, 1, 1)  # before the first competitiveness plans: certainly a typo
YEARS_BACK = 5
YEARS_AHEAD = 50


def _years_from(day: dt.date, years: int) -> dt.date:
    return day + relativedelta(years=years)  # 29 February -> 28 February in a year that has none


def _check_date_range(day: dt.date, *, field: str, recorded_on: dt.date, latest: dt.date) -> None:
    """Refuse `day` outside [recorded_on - 5 years (>= 1990-01-01), latest]; see the module doc."""
    earliest = max(EARLIEST, _years_from(recorded_on, -YEARS_BACK))
    if not earliest <= day <= latest:
        raise ValidationFailed(
            _("The date %(day)s is out of range: give a date between %(earliest)s and %(latest)s."),
            errors={field: [_("Out of the accepted range of dates.")]},
            day=day.isoformat(), earliest=earliest.isoformat(), latest=latest.isoformat(),
        )


def _check_due_date(day: dt.date, *, cluster_id: int, recorded_on: dt.date | None = None) -> None:
    today = cluster_today(cluster_id)
    _check_date_range(day, field="due_date", recorded_on=recorded_on or today, latest=_years_from(today, YEARS_AHEAD))


def _lock_open_project(project_id: int, *, moving: bool = True) -> tuple[Project, Plan]:
    """Lock project then plan, once each (lock_for_progress), refuse a closed plan and, for
    `moving` writes, a completed or cancelled project. The locked pair goes on to
    recompute_progress, so no row is locked again after the history event."""
    project, plan = lock_for_progress(project_id=project_id)
    project.plan = plan
    ensure_plan_open(plan)
    if moving and project.status in CLOSED_PROJECT_STATUSES:
        raise RuleViolation(_("The project is %(status)s; its milestones can no longer be moved or rescheduled."),
                            status=project.get_status_display())
    return project, plan


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


@transaction.atomic
def milestone_create(
    *, project_id: int, actor: Actor, title: str, due_date: dt.date | str, weight: int = 1,
    responsible_id: int | None = None, description: str = "",
) -> Milestone:
    project, plan = _lock_open_project(project_id, moving=False)
    if project.status in CLOSED_PROJECT_STATUSES:
        raise RuleViolation(_("Milestones cannot be added to a project that is %(status)s."),
                            status=project.get_status_display())
    cluster_id = plan.cluster_id
    _check_responsible(responsible_id, cluster_id)
    day = to_date(due_date, field="due_date")
    _check_due_date(day, cluster_id=cluster_id)
    milestone = Milestone(
        project=project, plan_id=project.plan_id, title=title, description=description, due_date=day,
        baseline_due_date=day, weight=_check_weight(weight), responsible_id=responsible_id,
    )
    create_with_history(milestone, actor=actor)
    recompute_progress(project_id=project.pk, locked=(project, plan))
    return milestone


@transaction.atomic
def milestone_update(
    *, milestone_id: int, actor: Actor, values: dict[str, Any], expected_version: int | None = None
) -> Milestone:
    """Edit title, description, weight or responsible; the due date moves only by rescheduling."""
    milestone = _lock_milestone(milestone_id, expected_version)
    locked = _lock_open_project(milestone.project_id, moving=False)  # before the event: see the lock order
    clean = normalize_values(values, editable=EDITABLE, foreign_keys=FOREIGN_KEYS, hints=HINTS)
    if "responsible_id" in clean:
        _check_responsible(clean["responsible_id"], locked[1].cluster_id)
    if "weight" in clean:
        _check_weight(clean["weight"])
    event = update_with_history(milestone, actor=actor, values=clean)
    if event is not None and "weight" in event.changes:
        recompute_progress(project_id=milestone.project_id, locked=locked)
    return milestone


@transaction.atomic
def milestone_start(*, milestone_id: int, actor: Actor, expected_version: int | None = None) -> Milestone:
    milestone = _lock_milestone(milestone_id, expected_version)
    _lock_open_project(milestone.project_id)
    transition(milestone, to=Milestone.Status.IN_PROGRESS, actor=actor)
    return milestone


@transaction.atomic
def milestone_pause(
    *, milestone_id: int, actor: Actor, reason: str = "", expected_version: int | None = None
) -> Milestone:
    """Back from in progress to pending (work stopped before completion)."""
    milestone = _lock_milestone(milestone_id, expected_version)
    _lock_open_project(milestone.project_id)
    transition(milestone, to=Milestone.Status.PENDING, actor=actor, reason=(reason or "").strip())
    return milestone


@transaction.atomic
def milestone_complete(
    *, milestone_id: int, actor: Actor, completed_on: dt.date | str, note: str = "", evidence_url: str = "",
    expected_version: int | None = None,
) -> Milestone:
    """Complete with the date (in the range of the module doc), a note and evidence."""
    milestone = _lock_milestone(milestone_id, expected_version)
    locked = _lock_open_project(milestone.project_id)
    day = to_date(completed_on, field="completed_on")
    ensure_transition_allowed(milestone, Milestone.Status.COMPLETED)
    cluster_id = locked[1].cluster_id
    refuse_future(day, cluster_id=cluster_id, field="completed_on")
    _check_date_range(day, field="completed_on", recorded_on=timezone.localdate(milestone.created_at),
                      latest=cluster_today(cluster_id))
    transition(
        milestone, to=Milestone.Status.COMPLETED, actor=actor, action="complete",
        extra={"completed_on": day, "completion_note": note, "evidence_url": evidence_url},
    )
    recompute_progress(project_id=milestone.project_id, locked=locked)
    return milestone


@transaction.atomic
def milestone_cancel(
    *, milestone_id: int, actor: Actor, reason: str, expected_version: int | None = None
) -> Milestone:
    """Cancel with a reason; a cancelled milestone stops counting in the progress."""
    milestone = _lock_milestone(milestone_id, expected_version)
    locked = _lock_open_project(milestone.project_id, moving=False)
    ensure_transition_allowed(milestone, Milestone.Status.CANCELLED)
    reason = require_reason(reason, _("A reason is required to cancel a milestone."))
    transition(milestone, to=Milestone.Status.CANCELLED, actor=actor, reason=reason)
    recompute_progress(project_id=milestone.project_id, locked=locked)
    return milestone


@transaction.atomic
def milestone_reschedule(
    *, milestone_id: int, actor: Actor, due_date: dt.date | str, reason: str, expected_version: int | None = None
) -> Milestone:
    """Move the due date (re-baselining): old and new date and the reason are recorded;
    `baseline_due_date` keeps the date first agreed."""
    milestone = _lock_milestone(milestone_id, expected_version)
    _project, plan = _lock_open_project(milestone.project_id)
    reason = require_reason(reason, _("A reason is required to reschedule a milestone."))
    if milestone.status not in Milestone.OPEN_STATUSES:
        raise RuleViolation(_("A %(status)s milestone cannot be rescheduled."), status=milestone.get_status_display())
    day = to_date(due_date, field="due_date")
    _check_due_date(day, cluster_id=plan.cluster_id, recorded_on=timezone.localdate(milestone.created_at))
    if day == milestone.due_date:
        raise ValidationFailed(_("The milestone is already due on %(day)s."),
                               errors={"due_date": [_("Choose a different date.")]}, day=day.isoformat())
    update_with_history(
        milestone, actor=actor, values={"due_date": day}, action="reschedule", reason=reason,
        context={"baseline_due_date": milestone.baseline_due_date},
    )
    return milestone


def may_report_progress(user: Any, milestone: Milestone) -> bool:
    """The ownership half of posting a progress note (the roles are MILESTONE "updates"):
    a stakeholder acting for themselves reports only on a milestone they answer for."""
    if not acts_only_for_self(user, milestone.plan.cluster_id):
        return True
    responsible_user = milestone.responsible.user_id if milestone.responsible is not None else None
    return responsible_user is not None and responsible_user == getattr(user, "pk", None)


@transaction.atomic
def milestone_update_post(
    *, milestone_id: int, actor: Actor, note: str, posted_on: dt.date | str | None = None, evidence_url: str = "",
    proposes_completion: bool = False,
) -> MilestoneUpdate:
    """Post a dated progress note (avance), with an optional evidence link; the author is the
    acting user. `proposes_completion`: the note asks a coordinator to complete the milestone
    (the milestone page offers them "Confirm completion"; nothing is completed here).

    Coordinators report on any milestone; a stakeholder only on one they are responsible for
    (403 otherwise, before any other check).
    """
    milestone = Milestone.objects.select_related("plan", "responsible").get(pk=milestone_id)
    if not may_report_progress(actor.user, milestone):
        raise PermissionDeniedError()
    lock_open_plan(milestone.plan_id)
    if milestone.status == Milestone.Status.CANCELLED:
        raise RuleViolation(_("Progress cannot be reported on a cancelled milestone."))
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("The progress note is empty."), errors={"note": [_("Required.")]})
    cluster_id = milestone.plan.cluster_id
    day = cluster_today(cluster_id) if posted_on is None else to_date(posted_on, field="posted_on")
    refuse_future(day, cluster_id=cluster_id, field="posted_on")
    if proposes_completion and milestone.status not in Milestone.OPEN_STATUSES:
        raise RuleViolation(_("Only an open milestone can be proposed for completion; this one is %(status)s."),
                            status=milestone.get_status_display())
    update = MilestoneUpdate(milestone=milestone, author_id=actor.user_id, posted_on=day, note=note,
                             evidence_url=(evidence_url or "").strip(), proposes_completion=bool(proposes_completion))
    return create_with_history(update, actor=actor)


def pending_completion_proposal(milestone: Milestone) -> MilestoneUpdate | None:
    """The latest progress note proposing completion, while the milestone is still open."""
    if milestone.status not in Milestone.OPEN_STATUSES:
        return None
    return milestone.updates.filter(proposes_completion=True).select_related("author").order_by("-id").first()
