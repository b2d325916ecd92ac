"""A forum as an iCalendar (RFC 5545) event, and the calendar objects that carry it.

One builder for every channel (the email invitation, the per-forum .ics, a stakeholder's
feed), so a calendar that gets the invitation and also subscribes to the feed sees one
event, not two:

* UID `forum-<id>@pmc-tracker`, stable for the forum's life;
* SEQUENCE is the forum's `sequence`, raised by the services on each change invitees must
  see (time, place, title, cancellation), so clients replace the event they have;
* DTSTART and DTEND carry the cluster's zone (with its VTIMEZONE); a forum without an end
  lasts DEFAULT_FORUM_LENGTH;
* ORGANIZER is the address the invitations come from (DEFAULT_FROM_EMAIL), named after the
  forum's organizer when there is one;
* DTSTAMP is the moment the calendar object is built (RFC 5545 §3.8.7.2, objects with a METHOD).

Methods (RFC 5546): REQUEST for an invitation, CANCEL when the forum is cancelled (the event
then says STATUS:CANCELLED), PUBLISH for the feeds and the .ics download.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from email.utils import parseaddr
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from plans.models import Forum
from plans.models.cluster import DEFAULT_TIME_ZONE

PRODID = "-//PMC Tracker//pmc-tracker//EN"
UID_DOMAIN = "pmc-tracker"
DEFAULT_FORUM_LENGTH = dt.timedelta(hours=2)


class Method(enum.StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"
    PUBLISH = "PUBLISH"


def uid(kind: str, pk: int) -> str:
    """`<kind>-<id>@pmc-tracker`: the same object always has the same UID, whichever channel sends it."""
    return f"{kind}-{pk}@{UID_DOMAIN}"


def forum_uid(forum_id: int) -> str:
    return uid("forum", forum_id)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def add_organizer(event: Event, name: str = "") -> None:
    """ORGANIZER: the address invitations come from; `name` (or the sender's display name) as CN."""
    display, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    event.add("organizer", f"mailto:{address}", parameters={"cn": name or display or "PMC Tracker"})


def forum_event(forum: Forum, *, cancelled: bool = False, stamp: dt.datetime | None = None) -> Event:
    """The VEVENT of one forum (`cancelled` forces STATUS:CANCELLED, as a CANCEL message needs)."""
    tz = zone(forum.plan.cluster.time_zone)
    event = Event()
    event.add("uid", forum_uid(forum.pk))
    event.add("sequence", forum.sequence)
    event.add("dtstamp", (stamp or timezone.now()).astimezone(dt.UTC))
    event.add("dtstart", forum.starts_at.astimezone(tz))
    event.add("dtend", (forum.ends_at or forum.starts_at + DEFAULT_FORUM_LENGTH).astimezone(tz))
    event.add("summary", forum.title)
    add_organizer(event, forum.organizer)
    location = ", ".join(part for part in (forum.venue, forum.address) if part)
    if location:
        event.add("location", location)
    if forum.agenda:
        event.add("description", forum.agenda)
    event.add("url", f"{settings.SITE_URL}{reverse('plans:forum-detail', args=[forum.pk])}")  # the page, not the API
    event.add("status", "CANCELLED" if cancelled or forum.status == Forum.Status.CANCELLED else "CONFIRMED")
    return event


def calendar(method: Method, events: Iterable[Event], *, name: str = "") -> Calendar:
    """The VCALENDAR around `events`, with the VTIMEZONE of every zone they use."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", str(method))
    if name:
        cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal


def forum_invitation(forum: Forum, *, cancel: bool = False, attendee_email: str = "") -> bytes:
    """What the email attaches: METHOD:REQUEST, or METHOD:CANCEL with STATUS:CANCELLED."""
    event = forum_event(forum, cancelled=cancel)
    if attendee_email:
        event.add("attendee", f"mailto:{attendee_email}", parameters={"rsvp": "FALSE"})
    return calendar(Method.CANCEL if cancel else Method.REQUEST, [event]).to_ical()


def forum_calendar(forum: Forum) -> bytes:
    """One forum, METHOD:PUBLISH (the .ics download)."""
    return calendar(Method.PUBLISH, [forum_event(forum)]).to_ical()
