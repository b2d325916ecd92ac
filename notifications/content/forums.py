"""Forum messages: invitation, rescheduling, cancellation, reminder."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from notifications.kinds import Kind
from notifications.models import Delivery
from plans.models import Cluster, Forum, HistoryEvent, Plan

from . import Content, change, composes, moment, reason_lines, tag


def forum_details(forum: Forum) -> list[tuple[str, str]]:
    details = [
        (_("When"), moment(forum.starts_at)),
        (_("Where"), ", ".join(p for p in (forum.venue, forum.address) if p) or "—"),
    ]
    if forum.organizer:
        details.append((_("Organizer"), forum.organizer))
    if forum.agenda:
        details.append((_("Agenda"), forum.agenda))
    return details


@composes(Kind.FORUM_SCHEDULED, Kind.FORUM_RESCHEDULED, Kind.FORUM_CANCELLED)
def forum_event(delivery: Delivery, event: HistoryEvent | None, plan: Plan | None, cluster: Cluster) -> Content:
    kind = delivery.kind
    forum = Forum.objects.select_related("plan__cluster").get(pk=int(event.object_id or 0) if event else 0)
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
                _("It was to start on %(old)s; it now starts on %(new)s.") % {"old": moment(old), "new": moment(new)}
            )
    return Content(
        f"{tag(cluster)} {heading}", heading, lines + reason_lines(event), forum_details(forum),
        reverse("plans:forum-detail", args=[forum.pk]), forum=forum, cancel=kind == Kind.FORUM_CANCELLED,
    )


@composes(Kind.FORUM_REMINDER)
def forum_reminder(delivery: Delivery, event: HistoryEvent | None, plan: Plan | None, cluster: Cluster) -> Content:
    forum = Forum.objects.select_related("plan__cluster").get(pk=int(delivery.object_id or 0))
    heading = _("Reminder: %(forum)s starts on %(when)s") % {"forum": forum.title, "when": moment(forum.starts_at)}
    details = [(_("Where"), ", ".join(p for p in (forum.venue, forum.address) if p) or "—")]
    return Content(
        f"{tag(cluster)} {heading}", heading, [], details, reverse("plans:forum-detail", args=[forum.pk]), forum=forum
    )
