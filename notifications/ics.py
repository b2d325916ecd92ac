"""iCalendar: forum invitations (REQUEST / CANCEL) and a stakeholder's calendar feed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from plans.models import Forum
from projects.models import Milestone

PRODID = "-//PMC Tracker//pmc-tracker//EN"
DEFAULT_FORUM_LENGTH = dt.timedelta(hours=2)


def forum_uid(forum_id: int) -> str:
    return f"forum-{forum_id}@pmc-tracker"


def milestone_uid(milestone_id: int) -> str:
    return f"milestone-{milestone_id}@pmc-tracker"


def _calendar(method: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    return cal


def forum_event(forum: Forum, *, cancelled: bool = False, organizer_email: str = "") -> Event:
    tz = ZoneInfo(forum.plan.cluster.time_zone)
    event = Event()
    event.add("uid", forum_uid(forum.pk))
    event.add("sequence", forum.sequence)
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", forum.starts_at.astimezone(tz))
    event.add("dtend", (forum.ends_at or forum.starts_at + DEFAULT_FORUM_LENGTH).astimezone(tz))
    event.add("summary", forum.title)
    location = ", ".join(part for part in (forum.venue, forum.address) if part)
    if location:
        event.add("location", location)
    if forum.agenda:
        event.add("description", forum.agenda)
    event.add("url", f"{settings.SITE_URL}/api/v1/forums/{forum.pk}/")
    event.add("status", "CANCELLED" if cancelled or forum.status == Forum.Status.CANCELLED else "CONFIRMED")
    if organizer_email:
        event.add("organizer", f"mailto:{organizer_email}", parameters={"cn": forum.organizer or "PMC"})
    return event


def forum_invitation(forum: Forum, *, cancel: bool = False, attendee_email: str = "") -> bytes:
    """A METHOD:REQUEST (or CANCEL) calendar for one forum, with a stable UID and SEQUENCE."""
    cal = _calendar("CANCEL" if cancel else "REQUEST")
    from_email = settings.DEFAULT_FROM_EMAIL
    organizer = from_email.split("<")[-1].rstrip(">") if "<" in from_email else from_email
    event = forum_event(forum, cancelled=cancel, organizer_email=organizer)
    if attendee_email:
        event.add("attendee", f"mailto:{attendee_email}", parameters={"rsvp": "FALSE"})
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def feed(forums: Iterable[Forum], milestones: Iterable[Milestone], *, name: str) -> bytes:
    """A subscribable calendar: forums as timed events, milestones as all-day events."""
    cal = _calendar()
    cal.add("x-wr-calname", name)
    for forum in forums:
        cal.add_component(forum_event(forum))
    for milestone in milestones:
        event = Event()
        event.add("uid", milestone_uid(milestone.pk))
        event.add("dtstamp", timezone.now().astimezone(dt.UTC))
        event.add("dtstart", milestone.due_date)
        event.add("dtend", milestone.due_date + dt.timedelta(days=1))
        event.add("summary", f"{milestone.title} ({milestone.project.code})")
        event.add("url", f"{settings.SITE_URL}/api/v1/milestones/{milestone.pk}/")
        event.add("status", "CANCELLED" if milestone.status == Milestone.Status.CANCELLED else "CONFIRMED")
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
