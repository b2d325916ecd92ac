"""What each kind of message says. Runs under the recipient's language and time zone.

`compose(delivery)` returns a `Content`; rendering.py turns it into a multipart email.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.kinds import Kind
from notifications.models import Delivery, DigestEntry
from plans.models import Agreement, Cluster, Forum, HistoryEvent, Phase, Plan
from projects.models import Milestone, MilestoneUpdate, Project


@dataclass
class Content:
    subject: str
    heading: str
    lines: list[str] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)
    link: str = ""
    forum: Forum | None = None  # attach an .ics invitation for this forum
    cancel: bool = False
    items: list[Content] = field(default_factory=list)  # digest entries


def link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def day(value: dt.date | str | None) -> str:
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return formats.date_format(value, "DATE_FORMAT") if value else "—"


def moment(value: dt.datetime | str | None) -> str:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else "—"


def label(choices: Any, value: Any) -> str:
    return str(dict(choices).get(value, value or "—"))


def change(event: HistoryEvent, name: str) -> tuple[Any, Any]:
    pair = (event.changes or {}).get(name)
    return (pair[0], pair[1]) if isinstance(pair, list) and len(pair) == 2 else (None, None)


def _milestone(m: Milestone, cluster: Cluster) -> tuple[str, list[tuple[str, str]]]:
    details = [(_("Project"), str(m.project)), (_("Due date"), day(m.due_date))]
    if m.responsible:
        details.append((_("Responsible"), m.responsible.name))
    return f"[{cluster.name}]", details


def compose_event(delivery: Delivery, event: HistoryEvent, plan: Plan | None, cluster: Cluster) -> Content:
    kind, oid = delivery.kind, int(event.object_id or 0)
    tag = f"[{cluster.name}]"
    reason = [_("Reason: %(reason)s") % {"reason": event.reason}] if event.reason else []
    if kind in (Kind.PHASE_STARTED, Kind.PHASE_COMPLETED):
        phase = Phase.objects.get(pk=oid)
        text = _("Phase started: %(phase)s") if kind == Kind.PHASE_STARTED else _("Phase completed: %(phase)s")
        heading = text % {"phase": phase.title}
        return Content(
            f"{tag} {heading}", heading, [_("Plan: %(plan)s") % {"plan": plan}], link=link(f"/api/v1/phases/{oid}/")
        )
    if kind in (Kind.FORUM_SCHEDULED, Kind.FORUM_RESCHEDULED, Kind.FORUM_CANCELLED):
        forum = Forum.objects.select_related("plan__cluster").get(pk=oid)
        headings: dict[str, str] = {
            Kind.FORUM_SCHEDULED: _("Invitation: %(forum)s"),
            Kind.FORUM_RESCHEDULED: _("Forum rescheduled: %(forum)s"),
            Kind.FORUM_CANCELLED: _("Forum cancelled: %(forum)s"),
        }
        heading = headings[kind] % {"forum": forum.title}
        lines = []
        if kind == Kind.FORUM_RESCHEDULED:
            old, new = change(event, "starts_at")
            if old:
                lines.append(
                    _("It was to start on %(old)s; it now starts on %(new)s.")
                    % {"old": moment(old), "new": moment(new)}
                )
        details = [
            (_("When"), moment(forum.starts_at)),
            (_("Where"), ", ".join(p for p in (forum.venue, forum.address) if p) or "—"),
        ]
        if forum.organizer:
            details.append((_("Organizer"), forum.organizer))
        if forum.agenda:
            details.append((_("Agenda"), forum.agenda))
        return Content(
            f"{tag} {heading}",
            heading,
            lines + reason,
            details,
            link(f"/api/v1/forums/{oid}/"),
            forum=forum,
            cancel=kind == Kind.FORUM_CANCELLED,
        )
    if kind in (Kind.AGREEMENT_ADOPTED, Kind.AGREEMENT_REJECTED):
        agreement = Agreement.objects.get(pk=oid)
        text = (
            _("Agreement adopted: %(title)s") if kind == Kind.AGREEMENT_ADOPTED else _("Agreement rejected: %(title)s")
        )
        heading = text % {"title": agreement.title}
        tally = ", ".join(
            f"{k}: {v}" for k, v in sorted((agreement.tally or {}).items()) if not isinstance(v, dict | list)
        )
        details = [(_("Rule"), label(Agreement.Rule.choices, agreement.rule))] + (
            [(_("Tally"), tally)] if tally else []
        )
        return Content(
            f"{tag} {heading}",
            heading,
            [agreement.text] if agreement.text else [],
            details,
            link(f"/api/v1/agreements/{oid}/"),
        )
    if kind in (Kind.PLAN_STATUS_CHANGED, Kind.PROJECT_STATUS_CHANGED):
        old, new = change(event, "status")
        choices = Plan.Status.choices if kind == Kind.PLAN_STATUS_CHANGED else Project.Status.choices
        name = str(plan) if kind == Kind.PLAN_STATUS_CHANGED else event.object_repr
        heading = _("%(name)s is now “%(status)s”") % {"name": name, "status": label(choices, new)}
        lines = [
            _("Status changed from “%(old)s” to “%(new)s”.") % {"old": label(choices, old), "new": label(choices, new)}
        ]
        path = f"/api/v1/plans/{oid}/" if kind == Kind.PLAN_STATUS_CHANGED else f"/api/v1/projects/{oid}/"
        return Content(f"{tag} {heading}", heading, lines + reason, link=link(path))
    if kind in (Kind.MILESTONE_COMPLETED, Kind.MILESTONE_RESCHEDULED):
        m = Milestone.objects.select_related("project", "responsible").get(pk=oid)
        tag, details = _milestone(m, cluster)
        if kind == Kind.MILESTONE_COMPLETED:
            heading = _("Milestone completed: %(title)s") % {"title": m.title}
            lines = [_("Completed on %(date)s.") % {"date": day(m.completed_on)}]
            lines += [m.completion_note] if m.completion_note else []
            details += [(_("Evidence"), m.evidence_url)] if m.evidence_url else []
        else:
            old, new = change(event, "due_date")
            heading = _("Milestone rescheduled: %(title)s") % {"title": m.title}
            lines = [_("The due date moved from %(old)s to %(new)s.") % {"old": day(old), "new": day(new)}, *reason]
        return Content(f"{tag} {heading}", heading, lines, details, link(f"/api/v1/milestones/{m.pk}/"))
    if kind == Kind.MILESTONE_UPDATE_POSTED:
        update = MilestoneUpdate.objects.select_related("milestone__project").get(pk=oid)
        heading = _("Progress on %(title)s") % {"title": update.milestone.title}
        return Content(
            f"{tag} {heading}",
            heading,
            [update.note],
            [(_("Date"), day(update.posted_on))],
            link(f"/api/v1/milestones/{update.milestone_id}/updates/"),
        )
    raise ValueError(f"no content for kind {kind}")


def compose_reminder(delivery: Delivery, cluster: Cluster) -> Content:
    kind = delivery.kind
    if kind == Kind.FORUM_REMINDER:
        forum = Forum.objects.select_related("plan__cluster").get(pk=int(delivery.object_id or 0))
        heading = _("Reminder: %(forum)s starts on %(when)s") % {"forum": forum.title, "when": moment(forum.starts_at)}
        details = [(_("Where"), ", ".join(p for p in (forum.venue, forum.address) if p) or "—")]
        return Content(
            f"[{cluster.name}] {heading}", heading, [], details, link(f"/api/v1/forums/{forum.pk}/"), forum=forum
        )
    m = Milestone.objects.select_related("project", "responsible").get(pk=int(delivery.object_id or 0))
    tag, details = _milestone(m, cluster)
    days = int(delivery.payload.get("days", 0))
    if kind == Kind.MILESTONE_DUE_SOON:
        heading = ngettext("%(title)s is due in %(days)d day", "%(title)s is due in %(days)d days", days) % {
            "title": m.title,
            "days": days,
        }
    elif kind == Kind.MILESTONE_OVERDUE:
        heading = ngettext("%(title)s is %(days)d day overdue", "%(title)s is %(days)d days overdue", days) % {
            "title": m.title,
            "days": days,
        }
    else:
        heading = ngettext(
            "Escalation: %(title)s is %(days)d day overdue", "Escalation: %(title)s is %(days)d days overdue", days
        ) % {"title": m.title, "days": days}
    lines = [_("Please complete it, or reschedule it with a reason.")]
    return Content(f"{tag} {heading}", heading, lines, details, link(f"/api/v1/milestones/{m.pk}/"))


def with_plan(content: Content, kind: str, plan: Plan | None) -> Content:
    """Every message about a plan names it (the phase line and the plan-status heading already do)."""
    if plan is not None and kind not in (Kind.PHASE_STARTED, Kind.PHASE_COMPLETED, Kind.PLAN_STATUS_CHANGED):
        content.details.insert(0, (_("Plan"), str(plan)))
    return content


def compose(delivery: Delivery) -> Content:
    cluster = delivery.cluster
    plan = Plan.objects.filter(pk=delivery.plan_id).first() if delivery.plan_id else None
    if delivery.kind == Kind.DIGEST:
        items = []
        entries = DigestEntry.objects.filter(delivery=delivery).order_by("event_id")
        events = HistoryEvent.objects.in_bulk([e.event_id for e in entries])
        for entry in entries:
            event = events.get(entry.event_id)
            if event is None:
                continue
            proxy = Delivery(kind=entry.kind, cluster=cluster, plan_id=event.plan_id, language=delivery.language)
            try:
                item_plan = Plan.objects.filter(pk=event.plan_id or 0).first()
                items.append(with_plan(compose_event(proxy, event, item_plan, cluster), entry.kind, item_plan))
            except (LookupError, ValueError, ObjectDoesNotExist):
                continue  # the object is gone; the digest lists what still exists
        heading = ngettext("%(count)d update", "%(count)d updates", len(items)) % {"count": len(items)}
        return Content(f"[{cluster.name}] {_('Your digest')}: {heading}", _("Your digest"), items=items)
    if delivery.event_id:
        event = HistoryEvent.objects.get(pk=delivery.event_id)
        return with_plan(compose_event(delivery, event, plan, cluster), delivery.kind, plan)
    return with_plan(compose_reminder(delivery, cluster), delivery.kind, plan)
