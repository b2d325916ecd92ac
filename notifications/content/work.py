"""Messages about the plan's work: phases, plan and project status, milestones and their reminders.

Each says first why the person gets it and what to do (`why`), and names its link by the
action it leads to (`link_text`). Event messages go to everyone subscribed to the plan, so
their `why` speaks to a follower; reminders go to the person responsible for the milestone,
escalations to the cluster's coordinators.
"""

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


def _follower(plan: Plan | None) -> str:
    """The first line of an event message: you follow this plan (and can choose less)."""
    if plan is None:
        return _("You get this because you follow this cluster's plan.")
    return _("You get this because you follow the plan “%(plan)s”.") % {"plan": plan}


def milestone_details(m: Milestone) -> list[tuple[str, str]]:
    details = [(_("Project"), str(m.project)), (_("Due date"), day(m.due_date))]
    if m.responsible:
        details.append((_("Responsible"), m.responsible.name))
    return details


@composes(Kind.PHASE_STARTED, Kind.PHASE_COMPLETED)
def phase_moved(delivery: Delivery, event: HistoryEvent | None, plan: Plan | None, cluster: Cluster) -> Content:
    phase = Phase.objects.get(pk=_oid(event))
    if delivery.kind == Kind.PHASE_STARTED:
        heading = _("Phase started: %(phase)s") % {"phase": phase.title}
        why = _follower(plan) + " " + _("A new phase of the plan has begun: see what it is about and its forums.")
    else:
        heading = _("Phase completed: %(phase)s") % {"phase": phase.title}
        why = _follower(plan) + " " + _("A phase of the plan is done: see what was agreed and what comes next.")
    return Content(
        f"{tag(cluster)} {heading}", heading, [_("Plan: %(plan)s") % {"plan": plan}],
        page=reverse("plans:phase-list", args=[phase.plan_id]), link_text=_("See the phases of the plan"), why=why,
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
    if is_plan:
        why = _follower(plan) + " " + _("Nothing to do: this tells you where the plan stands.")
        link_text = _("Open the plan")
    else:
        why = _follower(plan) + " " + _("Nothing to do: this tells you where one of its projects stands.")
        link_text = _("See the project")
    return Content(f"{tag(cluster)} {heading}", heading, lines + reason_lines(event), page=page,
                   link_text=link_text, why=why)


@composes(Kind.MILESTONE_COMPLETED, Kind.MILESTONE_RESCHEDULED)
def milestone_moved(delivery: Delivery, event: HistoryEvent | None, plan: Plan | None, cluster: Cluster) -> Content:
    m = Milestone.objects.select_related("project", "responsible").get(pk=_oid(event))
    details = milestone_details(m)
    if delivery.kind == Kind.MILESTONE_COMPLETED:
        heading = _("Milestone completed: %(title)s") % {"title": m.title}
        lines = [_("Completed on %(date)s.") % {"date": day(m.completed_on)}]
        lines += [m.completion_note] if m.completion_note else []
        details += [(_("Evidence"), m.evidence_url)] if m.evidence_url else []
        why = _follower(plan) + " " + _("A milestone was reached: nothing to do unless you want to see its evidence.")
    else:
        old, new = change(event, "due_date")
        heading = _("Milestone rescheduled: %(title)s") % {"title": m.title}
        lines = [_("The due date moved from %(old)s to %(new)s.") % {"old": day(old), "new": day(new)},
                 *reason_lines(event)]
        why = _follower(plan) + " " + _("A milestone has a new due date: check whether it changes your plans.")
    return Content(f"{tag(cluster)} {heading}", heading, lines, details, reverse("projects:milestone", args=[m.pk]),
                   link_text=_("See the milestone"), why=why)


@composes(Kind.MILESTONE_UPDATE_POSTED)
def update_posted(delivery: Delivery, event: HistoryEvent | None, plan: Plan | None, cluster: Cluster) -> Content:
    update = MilestoneUpdate.objects.select_related("milestone__project").get(pk=_oid(event))
    details = [(_("Date"), day(update.posted_on))]
    details += [(_("Evidence"), update.evidence_url)] if update.evidence_url else []
    if update.proposes_completion:
        heading = _("Completion proposed: %(title)s") % {"title": update.milestone.title}
        why = _follower(plan) + " " + _(
            "The person responsible says this milestone is done: a coordinator confirms it on the milestone's page.")
        link_text = _("Review and confirm completion")
    else:
        heading = _("Progress on %(title)s") % {"title": update.milestone.title}
        why = _follower(plan) + " " + _("Someone posted progress on a milestone: read it on the milestone's page.")
        link_text = _("Read the update")
    return Content(
        f"{tag(cluster)} {heading}", heading, [update.note], details,
        reverse("projects:milestone", args=[update.milestone_id]), link_text=link_text, why=why,
    )


@composes(Kind.MILESTONE_DUE_SOON, Kind.MILESTONE_OVERDUE, Kind.MILESTONE_ESCALATION)
def milestone_reminder(delivery: Delivery, event: HistoryEvent | None, plan: Plan | None, cluster: Cluster) -> Content:
    kind = delivery.kind
    m = Milestone.objects.select_related("project", "responsible").get(pk=int(delivery.object_id or 0))
    days = int(delivery.payload.get("days", 0))
    page = reverse("projects:milestone", args=[m.pk])
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
        why = _("You get this because you coordinate this cluster and the milestone is still open: "
                "please follow it up with the person responsible.")
        lines = [_("Complete it, or reschedule it with a reason, from the milestone's page.")]
        return Content(f"{tag(cluster)} {heading}", heading, lines, milestone_details(m), page,
                       link_text=_("See the milestone"), why=why)
    why = _("You get this because you are responsible for this milestone: please post an update on how it is going.")
    lines = [_("If it is done, say so in your update; if the date must move, tell the coordinator why.")]
    return Content(f"{tag(cluster)} {heading}", heading, lines, milestone_details(m), page,
                   link_text=_("Post an update"), why=why)
