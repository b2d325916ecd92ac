"""Forum messages: invitation, rescheduling, cancellation, reminder.

Each one says first why the person gets it and what to do; the invitation, the new time and
the reminder ask for a reply ("Confirm attendance", and one link per answer that opens the
forum page with that answer preselected: the page's button records it, never the link).
Times are in the forum's zone (the cluster's); when the recipient's zone differs, their own
time follows, each labelled with its zone.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from notifications.kinds import Kind
from notifications.models import Delivery
from plans.calendar import zone
from plans.models import Cluster, Forum, ForumResponse, HistoryEvent, Plan

from . import Action, Content, change, composes, reason_lines, tag


def forum_time(value: dt.datetime | str | None, forum: Forum) -> str:
    """The moment in the forum's zone; with the zone's name, and the recipient's own time after
    it, when the recipient's zone (the one rendering is running under) is another one."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    forum_zone = zone(forum.plan.cluster.time_zone)
    here = timezone.get_current_timezone()
    in_forum_zone = formats.date_format(value.astimezone(forum_zone), "DATETIME_FORMAT")
    if _same_zone(here, forum_zone):
        return in_forum_zone
    return _("%(forum_time)s (%(forum_zone)s); your time: %(own_time)s (%(own_zone)s)") % {
        "forum_time": in_forum_zone, "forum_zone": forum_zone.key,
        "own_time": formats.date_format(value.astimezone(here), "DATETIME_FORMAT"), "own_zone": str(here),
    }


def _same_zone(here: dt.tzinfo, forum_zone: zoneinfo.ZoneInfo) -> bool:
    return str(getattr(here, "key", here)) == forum_zone.key


def forum_details(forum: Forum) -> list[tuple[str, str]]:
    details = [
        (_("When"), forum_time(forum.starts_at, forum)),
        (_("Where"), ", ".join(p for p in (forum.venue, forum.address) if p) or "—"),
    ]
    if forum.organizer:
        details.append((_("Organizer"), forum.organizer))
    if forum.agenda:
        details.append((_("Agenda"), forum.agenda))
    return details


def reply_actions(forum: Forum) -> list[Action]:
    """One link per answer: the forum page with it preselected (a GET records nothing)."""
    page = reverse("plans:forum-detail", args=[forum.pk])
    labels = {
        ForumResponse.Answer.YES: _("Yes, I will attend"),
        ForumResponse.Answer.NO: _("No, I cannot attend"),
        ForumResponse.Answer.MAYBE: _("Maybe"),
    }
    return [Action(label, f"{page}?answer={answer}#rsvp") for answer, label in labels.items()]


def load_forum(pk: int) -> Forum:
    return Forum.objects.select_related("plan__cluster").get(pk=pk)


@composes(Kind.FORUM_SCHEDULED, Kind.FORUM_RESCHEDULED, Kind.FORUM_CANCELLED)
def forum_event(delivery: Delivery, event: HistoryEvent | None, plan: Plan | None, cluster: Cluster) -> Content:
    kind = delivery.kind
    forum = load_forum(int(event.object_id or 0) if event else 0)
    headings: dict[str, str] = {
        Kind.FORUM_SCHEDULED: _("Invitation: %(forum)s"),
        Kind.FORUM_RESCHEDULED: _("Forum rescheduled: %(forum)s"),
        Kind.FORUM_CANCELLED: _("Forum cancelled: %(forum)s"),
    }
    whys: dict[str, str] = {
        Kind.FORUM_SCHEDULED: _("You are invited because you are a stakeholder of %(cluster)s: please tell us if "
                                "you will attend."),
        Kind.FORUM_RESCHEDULED: _("You were invited to this forum as a stakeholder of %(cluster)s and its time has "
                                  "changed: please tell us if you will attend at the new time."),
        Kind.FORUM_CANCELLED: _("You were invited to this forum as a stakeholder of %(cluster)s: it has been "
                                "cancelled, so there is nothing to do and your calendar can drop it."),
    }
    heading = headings[kind] % {"forum": forum.title}
    lines = []
    if kind == Kind.FORUM_RESCHEDULED:
        old, new = change(event, "starts_at")
        if old:
            lines.append(
                _("It was to start on %(old)s; it now starts on %(new)s.")
                % {"old": forum_time(old, forum), "new": forum_time(new, forum)}
            )
    cancelled = kind == Kind.FORUM_CANCELLED
    return Content(
        f"{tag(cluster)} {heading}", heading, lines + reason_lines(event), forum_details(forum),
        reverse("plans:forum-detail", args=[forum.pk]), forum=forum, cancel=cancelled,
        why=whys[kind] % {"cluster": cluster.name},
        link_text=_("See the forum") if cancelled else _("Confirm attendance"),
        actions=[] if cancelled else reply_actions(forum),
    )


@composes(Kind.FORUM_REMINDER)
def forum_reminder(delivery: Delivery, event: HistoryEvent | None, plan: Plan | None, cluster: Cluster) -> Content:
    forum = load_forum(int(delivery.object_id or 0))
    starts = formats.date_format(forum.starts_at.astimezone(zone(forum.plan.cluster.time_zone)), "DATETIME_FORMAT")
    heading = _("Reminder: %(forum)s starts on %(when)s") % {"forum": forum.title, "when": starts}
    details = [(_("When"), forum_time(forum.starts_at, forum)),
               (_("Where"), ", ".join(p for p in (forum.venue, forum.address) if p) or "—")]
    return Content(
        f"{tag(cluster)} {heading}", heading, [], details, reverse("plans:forum-detail", args=[forum.pk]),
        forum=forum,
        why=_("You get this reminder because you are a stakeholder of %(cluster)s invited to this forum: please "
              "confirm whether you will attend, or change your reply.") % {"cluster": cluster.name},
        link_text=_("Confirm attendance"), actions=reply_actions(forum),
    )
