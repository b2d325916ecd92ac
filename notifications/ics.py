"""A stakeholder's calendar feed: the cluster's forums (plans.calendar) and their milestones.

Forum events come from the one forum builder in plans.calendar, so a calendar that also got
the email invitation sees the same event; milestones are all-day events built here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from icalendar import Event

from plans import calendar
from plans.models import Forum
from projects.models import Milestone


def milestone_uid(milestone_id: int) -> str:
    return calendar.uid("milestone", milestone_id)


def milestone_event(milestone: Milestone) -> Event:
    event = Event()
    event.add("uid", milestone_uid(milestone.pk))
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", milestone.due_date)
    event.add("dtend", milestone.due_date + dt.timedelta(days=1))
    event.add("summary", f"{milestone.title} ({milestone.project.code})")
    calendar.add_organizer(event)  # RFC 5546 wants one in a PUBLISH
    event.add("url", f"{settings.SITE_URL}/api/v1/milestones/{milestone.pk}/")
    event.add("status", "CANCELLED" if milestone.status == Milestone.Status.CANCELLED else "CONFIRMED")
    return event


def feed(forums: Iterable[Forum], milestones: Iterable[Milestone], *, name: str) -> bytes:
    """A subscribable calendar (METHOD:PUBLISH): forums as timed events, milestones as all-day events."""
    events = [calendar.forum_event(forum) for forum in forums]
    events += [milestone_event(milestone) for milestone in milestones]
    return calendar.calendar(calendar.Method.PUBLISH, events, name=name).to_ical()
