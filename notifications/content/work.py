"""Messages about the plan's work: phases, plan and project status, milestones and their reminders."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.kinds import Kind
from notifications.models import Delivery
from plans.models import Cluster, HistoryEvent, Phase, Plan
from projects.models import Milestone, MilestoneUpdate, Project

from . import Content, change, composes, day, label, reason_lines, tag


def _oid(event: HistoryEvent | None) -> int:
    return int(event.object_id or 0) if event is not None else 0


def milestone_details(m: Milestone) -> list[tuple[str, str]]:
    details = [(_("Project"), str(m.project)), (_("Due date"), day(m.due_date))]
    if m.responsible:
        details.append((_("Responsible"), m.responsible.name))
    return details


@composes(Kind.PHASE_STARTED, Kind.PHASE_COMPLETED)
def phase_moved(delivery: Delivery, event: HistoryEvent | None, plan: Plan | None, cluster: Cluster) -> Content:
    phase = Phase.objects.get(pk=_oid(event))
    text = _("Phase started: %(phase)s") if delivery.kind == Kind.PHASE_STARTED else _("Phase completed: %(phase)s")
    heading = text % {"phase": phase.title}
    return Content(
        f"{tag(cluster)} {heading}", heading, [_("Plan: %(plan)s") % {"plan": plan}],
        page=reverse("plans:phase-list", args=[phase.plan_id]),
    )


@composes(Kind.PLAN_STATUS_CHANGED, Kind.PROJECT_STATUS_CHANGED)
def status_changed(delivery: Delivery, event: HistoryEvent | None, plan: Plan | None, cluster: Cluster) -> Content:
    is_plan = delivery.kind == Kind.PLAN_STATUS_CHANGED
    old, new = change(event, "status")
    choices = Plan.Status.choices if is_plan else Project.Status.choices
    name = str(plan) if is_plan else (event.object_repr if event else "")
    heading = _("%(name)s is now “%(status)s”") % {"name": name, "status": label(choices, new)}
    lines = [_("Status changed from “%(old)s” to “%(new)s”.")
             % {"old": label(choices, old), "new": label(choices, new)}]
    page = reverse("projects:plan" if is_plan else "projects:project", args=[_oid(event)])
    return Content(f"{tag(cluster)} {heading}", heading, lines + reason_lines(event), page=page)


@composes(Kind.MILESTONE_COMPLETED, Kind.MILESTONE_RESCHEDULED)
def milestone_moved(delivery: Delivery, event: HistoryEvent | None, plan: Plan | None, cluster: Cluster) -> Content:
    m = Milestone.objects.select_related("project", "responsible").get(pk=_oid(event))
    details = milestone_details(m)
    if delivery.kind == Kind.MILESTONE_COMPLETED:
        heading = _("Milestone completed: %(title)s") % {"title": m.title}
        lines = [_("Completed on %(date)s.") % {"date": day(m.completed_on)}]
        lines += [m.completion_note] if m.completion_note else []
        details += [(_("Evidence"), m.evidence_url)] if m.evidence_url else []
    else:
        old, new = change(event, "due_date")
        heading = _("Milestone rescheduled: %(title)s") % {"title": m.title}
        lines = [_("The due date moved from %(old)s to %(new)s.") % {"old": day(old), "new": day(new)},
                 *reason_lines(event)]
    return Content(f"{tag(cluster)} {heading}", heading, lines, details, reverse("projects:milestone", args=[m.pk]))


@composes(Kind.MILESTONE_UPDATE_POSTED)
def update_posted(delivery: Delivery, event: HistoryEvent | None, plan: Plan | None, cluster: Cluster) -> Content:
    update = MilestoneUpdate.objects.select_related("milestone__project").get(pk=_oid(event))
    heading = _("Progress on %(title)s") % {"title": update.milestone.title}
    return Content(
        f"{tag(cluster)} {heading}", heading, [update.note], [(_("Date"), day(update.posted_on))],
        reverse("projects:milestone", args=[update.milestone_id]),
    )


@composes(Kind.MILESTONE_DUE_SOON, Kind.MILESTONE_OVERDUE, Kind.MILESTONE_ESCALATION)
def milestone_reminder(delivery: Delivery, event: HistoryEvent | None, plan: Plan | None, cluster: Cluster) -> Content:
    kind = delivery.kind
    m = Milestone.objects.select_related("project", "responsible").get(pk=int(delivery.object_id or 0))
    days = int(delivery.payload.get("days", 0))
    if kind == Kind.MILESTONE_DUE_SOON:
        heading = ngettext("%(title)s is due in %(days)d day", "%(title)s is due in %(days)d days", days) % {
            "title": m.title, "days": days,
        }
    elif kind == Kind.MILESTONE_OVERDUE:
        heading = ngettext("%(title)s is %(days)d day overdue", "%(title)s is %(days)d days overdue", days) % {
            "title": m.title, "days": days,
        }
    else:
        heading = ngettext(
            "Escalation: %(title)s is %(days)d day overdue", "Escalation: %(title)s is %(days)d days overdue", days
        ) % {"title": m.title, "days": days}
    lines = [_("Please complete it, or reschedule it with a reason.")]
    return Content(f"{tag(cluster)} {heading}", heading, lines, milestone_details(m),
                   reverse("projects:milestone", args=[m.pk]))
