"""The kinds of message the app sends, and which history events they come from."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    # From history events (dispatched after commit).
    PHASE_STARTED = "phase_started", _("phase started")
    PHASE_COMPLETED = "phase_completed", _("phase completed")
    FORUM_SCHEDULED = "forum_scheduled", _("forum scheduled")
    FORUM_RESCHEDULED = "forum_rescheduled", _("forum rescheduled")
    FORUM_CANCELLED = "forum_cancelled", _("forum cancelled")
    AGREEMENT_OPENED = "agreement_opened", _("agreement opened: position asked")
    AGREEMENT_ADOPTED = "agreement_adopted", _("agreement adopted")
    AGREEMENT_REJECTED = "agreement_rejected", _("agreement rejected")
    PLAN_STATUS_CHANGED = "plan_status_changed", _("plan status changed")
    PROJECT_STATUS_CHANGED = "project_status_changed", _("project status changed")
    MILESTONE_COMPLETED = "milestone_completed", _("milestone completed")
    MILESTONE_RESCHEDULED = "milestone_rescheduled", _("milestone rescheduled")
    MILESTONE_UPDATE_POSTED = "milestone_update_posted", _("milestone update posted")
    # Time-driven (found by the beat sweeps).
    MILESTONE_DUE_SOON = "milestone_due_soon", _("milestone due soon")
    MILESTONE_OVERDUE = "milestone_overdue", _("milestone overdue")
    MILESTONE_ESCALATION = "milestone_escalation", _("overdue milestone escalated")
    FORUM_REMINDER = "forum_reminder", _("forum reminder")
    AGREEMENT_REMINDER = "agreement_reminder", _("reminder: position not taken yet")
    DIGEST = "digest", _("digest")
    # Asked for by the person (an expired link's page).
    PERSONAL_LINK = "personal_link", _("new personal link")


EVENT_KINDS = frozenset({
    Kind.PHASE_STARTED, Kind.PHASE_COMPLETED, Kind.FORUM_SCHEDULED, Kind.FORUM_RESCHEDULED,
    Kind.FORUM_CANCELLED, Kind.AGREEMENT_ADOPTED, Kind.AGREEMENT_REJECTED, Kind.PLAN_STATUS_CHANGED,
    Kind.PROJECT_STATUS_CHANGED, Kind.MILESTONE_COMPLETED, Kind.MILESTONE_RESCHEDULED,
    Kind.MILESTONE_UPDATE_POSTED,
})
# Asked of every member organization's people, whatever their subscriptions (an organization's
# position is not news to opt into); only an unsubscribe stops them.
POSITION_REQUEST_KINDS = frozenset({Kind.AGREEMENT_OPENED, Kind.AGREEMENT_REMINDER})
# Kinds a subscription may list (reminders to the responsible person and escalations are not optional).
SUBSCRIBABLE_KINDS = EVENT_KINDS | {Kind.FORUM_REMINDER}
# The default for a new stakeholder: everything but the chattiest kind.
IMPORTANT_KINDS = sorted(SUBSCRIBABLE_KINDS - {Kind.MILESTONE_UPDATE_POSTED})

# History object types whose events can produce a message (others are skipped cheaply).
NOTIFYING_OBJECT_TYPES = frozenset({
    "plans.phase", "plans.forum", "plans.agreement", "plans.plan", "projects.project",
    "projects.milestone", "projects.milestoneupdate",
})


def kind_of_event(object_type: str, action: str, changes: dict) -> str | None:  # type: ignore[type-arg]
    """Which message a history event stands for, or None when it is not worth one."""
    status = changes.get("status")
    new_status = status[1] if isinstance(status, list) and len(status) == 2 else None
    if object_type == "plans.phase" and action == "transition":
        return {"active": Kind.PHASE_STARTED, "completed": Kind.PHASE_COMPLETED}.get(new_status or "")
    if object_type == "plans.forum":
        if action == "create":
            return Kind.FORUM_SCHEDULED
        if action == "reschedule":
            return Kind.FORUM_RESCHEDULED
        if action == "transition" and new_status == "cancelled":
            return Kind.FORUM_CANCELLED
        return None
    if object_type == "plans.agreement" and action == "create":
        return Kind.AGREEMENT_OPENED
    if object_type == "plans.agreement" and action == "transition":
        return {"adopted": Kind.AGREEMENT_ADOPTED, "rejected": Kind.AGREEMENT_REJECTED}.get(new_status or "")
    if object_type == "plans.plan" and action == "transition":
        return Kind.PLAN_STATUS_CHANGED
    if object_type == "projects.project" and action == "transition":
        return Kind.PROJECT_STATUS_CHANGED
    if object_type == "projects.milestone":
        if action == "complete" or (action == "transition" and new_status == "completed"):
            return Kind.MILESTONE_COMPLETED
        if action == "reschedule":
            return Kind.MILESTONE_RESCHEDULED
        return None
    if object_type == "projects.milestoneupdate" and action == "create":
        return Kind.MILESTONE_UPDATE_POSTED
    return None
