"""One forum, one calendar event: the email invitation, the stakeholder feed and the .ics download agree."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from icalendar import Calendar, Component
from rest_framework.test import APIClient

from notifications.models import NotificationProfile
from notifications.services import dispatch, sending
from notifications.services.recipients import ensure_profiles
from plans.models import Forum, HistoryEvent
from plans.services.forums import forum_cancel, forum_schedule, forum_update
from tests.factories import PhaseFactory
from tests.world import World

pytestmark = pytest.mark.django_db
SAME = ("UID", "SEQUENCE", "DTSTART", "DTEND", "ORGANIZER", "LOCATION", "STATUS")


def send_last_forum_event(world: World) -> Message:
    """Dispatch and send the latest forum event; the MIME message Ana received."""
    mail.outbox.clear()
    event = HistoryEvent.objects.filter(object_type="plans.forum").order_by("-id")[0]
    sending.send_batch(dispatch.dispatch_event(event_id=event.pk))
    sent = next(m for m in mail.outbox if m.to == [world.ana.email])
    return message_from_bytes(sent.message().as_bytes())


def calendar_part(message: Message) -> Message:
    return next(p for p in message.walk() if p.get_content_type() == "text/calendar")


def invitation(world: World) -> Calendar:
    return Calendar.from_ical(calendar_part(send_last_forum_event(world)).get_payload(decode=True))  # type: ignore[arg-type]


def feed_event(client: Any, token: str, forum: Forum) -> Component:
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    feed = Calendar.from_ical(response.content)
    assert str(feed["METHOD"]) == "PUBLISH"
    return next(e for e in feed.walk("VEVENT") if str(e["UID"]) == f"forum-{forum.pk}@pmc-tracker")


def download_event(world: World, forum: Forum) -> Component:
    client = APIClient()
    client.force_authenticate(world.stakeholder_user)
    response = client.get(f"/api/v1/forums/{forum.pk}/ics/")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    return calendar.walk("VEVENT")[0]


def fields(event: Component) -> dict[str, object]:
    """What a calendar client matches and shows; times compared as instants with their zone."""
    return {
        "UID": str(event["UID"]), "SEQUENCE": int(str(event["SEQUENCE"])),
        "DTSTART": (event.decoded("DTSTART"), str(event["DTSTART"].params["TZID"])),
        "DTEND": (event.decoded("DTEND"), str(event["DTEND"].params["TZID"])),
        "ORGANIZER": (str(event["ORGANIZER"]), str(event["ORGANIZER"].params["CN"])),
        "LOCATION": str(event.get("LOCATION", "")), "STATUS": str(event["STATUS"]),
    }


@pytest.fixture
def forum(world: World) -> Forum:
    ensure_profiles(cluster_id=world.cluster.pk)
    phase = PhaseFactory.create(plan=world.plan, status="active")
    start = (timezone.now() + dt.timedelta(days=10)).replace(second=0, microsecond=0)
    return forum_schedule(phase_id=phase.pk, actor=world.coordinator_actor, title="Foro participativo II",
                          starts_at=start, venue="Sociedad Rural de Tucumán", address="Camino del Perú 1050",
                          organizer="Mesa de gestión")


def test_invitation_feed_and_download_show_the_same_event_through_reschedule_and_cancel(
    world: World, forum: Forum, client: Any
) -> None:
    token = NotificationProfile.objects.get(stakeholder=world.ana).calendar_token

    invite = invitation(world)
    assert str(invite["METHOD"]) == "REQUEST" and invite.walk("VTIMEZONE")
    sent = fields(invite.walk("VEVENT")[0])
    assert sent == fields(feed_event(client, token, forum)) == fields(download_event(world, forum))
    assert sent["UID"] == f"forum-{forum.pk}@pmc-tracker" and sent["SEQUENCE"] == 0
    assert sent["DTSTART"] == (forum.starts_at, "America/Argentina/Tucuman")
    assert sent["DTEND"] == (forum.starts_at + dt.timedelta(hours=2), "America/Argentina/Tucuman")  # no end given
    assert sent["ORGANIZER"] == ("mailto:no-reply@pmc-tracker.local", "Mesa de gestión")
    assert sent["STATUS"] == "CONFIRMED"

    later = forum.starts_at + dt.timedelta(days=1)
    forum_update(forum_id=forum.pk, actor=world.coordinator_actor, values={"starts_at": later})
    moved = fields(invitation(world).walk("VEVENT")[0])
    assert moved == fields(feed_event(client, token, forum))
    assert moved["SEQUENCE"] == 1 and moved["UID"] == sent["UID"] and moved["DTSTART"][0] == later  # type: ignore[index]

    forum_cancel(forum_id=forum.pk, actor=world.coordinator_actor, reason="Paro de transporte")
    cancel = invitation(world)
    assert str(cancel["METHOD"]) == "CANCEL"
    withdrawn = fields(cancel.walk("VEVENT")[0])
    assert withdrawn["STATUS"] == "CANCELLED" and withdrawn["SEQUENCE"] == 2
    assert withdrawn == fields(feed_event(client, token, forum))


def test_the_calendar_part_names_its_charset_once_and_its_method(world: World, forum: Forum) -> None:
    part = calendar_part(send_last_forum_event(world))
    content_type = part["Content-Type"]
    assert content_type.lower().count("charset") == 1, content_type
    assert part.get_content_charset() == "utf-8" and part.get_param("method") == "REQUEST"
    assert part.get_filename() == "invite.ics"


def test_the_date_header_is_local_time_with_its_offset(world: World, forum: Forum) -> None:
    header = send_last_forum_event(world)["Date"]
    assert not header.endswith("-0000"), header
    date = parsedate_to_datetime(header)
    expected = timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE)).utcoffset()
    assert date.utcoffset() == expected and abs(date - timezone.now()) < dt.timedelta(minutes=5)
