"""A forum as an iCalendar (RFC 5545) event.

The UID is stable (`forum-<id>@pmc-tracker`) and SEQUENCE is the forum's calendar sequence,
raised by the services on each reschedule or cancellation, so calendar clients update the
event they already have instead of adding a second one. Times carry the cluster's zone.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event

from plans.models import Forum
from plans.models.cluster import DEFAULT_TIME_ZONE

PRODID = "-//PMC Tracker//pmc-tracker//ES"
UID_DOMAIN = "pmc-tracker"


def forum_uid(forum: Forum) -> str:
    return f"forum-{forum.pk}@{UID_DOMAIN}"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def forum_event(forum: Forum) -> Event:
    zone = _zone(forum.plan.cluster.time_zone)
    event = Event()
    event.add("uid", forum_uid(forum))
    event.add("sequence", forum.sequence)
    event.add("dtstamp", forum.updated_at)
    event.add("dtstart", forum.starts_at.astimezone(zone))
    if forum.ends_at is not None:
        event.add("dtend", forum.ends_at.astimezone(zone))
    event.add("summary", forum.title)
    location = ", ".join(part for part in (forum.venue, forum.address) if part)
    if location:
        event.add("location", location)
    if forum.agenda:
        event.add("description", forum.agenda)
    if forum.organizer:
        event.add("comment", forum.organizer)
    event.add("status", "CANCELLED" if forum.status == Forum.Status.CANCELLED else "CONFIRMED")
    return event


def forum_calendar(forum: Forum) -> bytes:
    """The whole VCALENDAR (METHOD:PUBLISH) with the forum's VTIMEZONE."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(forum_event(forum))
    calendar.add_missing_timezones()
    return calendar.to_ical()
