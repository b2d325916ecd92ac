"""The headers of real messages, as the SMTP server on loopback receives them (issues 10 and 12).

A title typed with a carriage return once made every email of its event fail for good; the
calendar part named its charset twice; `Date:` was the worker's zone (or UTC as "-0000").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from icalendar import Calendar

from notifications.models import Delivery
from notifications.services import dispatch, sending
from notifications.services.recipients import ensure_profiles
from plans.models import HistoryEvent
from plans.services.forums import forum_schedule
from projects.models import Milestone
from projects.services.milestones import milestone_complete
from tests.factories import PhaseFactory

from .conftest import World, spanish_subject
from .realparts import Handler, smtp_settings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world_clock")]


@pytest.fixture
def smtp(settings: Any) -> Iterator[Handler]:
    """A real aiosmtpd server; messages go through the project's SMTP backend, in this process."""
    with smtp_settings(settings) as (handler, _port):
        yield handler


def send_latest(object_type: str) -> list[int]:
    event = HistoryEvent.objects.filter(object_type=object_type).order_by("-id")[0]
    ids = dispatch.dispatch_event(event_id=event.pk)
    sending.send_batch(ids)
    return ids


def received_by(handler: Handler, email: str) -> EmailMessage:
    return next(m for m in handler.received if str(m["To"]) == email)


def test_a_carriage_return_in_a_stored_title_is_delivered_with_a_clean_subject(world: World, smtp: Handler) -> None:
    # Stored before the API and the pages refused it (or written by a path that does not check);
    # no NUL, which PostgreSQL cannot store.
    Milestone.objects.filter(pk=world.milestone.pk).update(title="Muestreo\rde\r\n tambos\x1b")
    milestone_complete(milestone_id=world.milestone.pk, actor=world.coordinator_actor,
                       completed_on=dt.date(2026, 11, 20), note="Informe entregado")
    ids = send_latest("projects.milestone")

    assert set(Delivery.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Delivery.Status.SENT}
    assert sorted(str(m["To"]) for m in smtp.received) == sorted([world.ana.email, world.bob.email])
    subject = str(received_by(smtp, world.ana.email)["Subject"]).strip()  # the parser keeps the fold's space
    assert subject == spanish_subject()
    assert "\r" not in subject and "\n" not in subject


def test_a_forum_title_with_line_breaks_arrives_as_an_invitation_with_one_charset(
    world: World, smtp: Handler
) -> None:
    ensure_profiles(cluster_id=world.cluster.pk)
    phase = PhaseFactory.create(plan=world.plan, status="active")
    forum = forum_schedule(phase_id=phase.pk, actor=world.coordinator_actor, title="Foro II",
                           starts_at=timezone.now() + dt.timedelta(days=10), venue="Sociedad Rural")
    type(forum).objects.filter(pk=forum.pk).update(title="Foro\r\nII")
    send_latest("plans.forum")

    message = received_by(smtp, world.ana.email)
    assert str(message["Subject"]).endswith("Invitación: Foro II"), message["Subject"]
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    content_type = part["Content-Type"]
    assert content_type.lower().count("charset") == 1, content_type
    assert part.get_content_charset() == "utf-8" and part.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(part.get_payload(decode=True))  # type: ignore[arg-type]
    assert str(calendar["METHOD"]) == "REQUEST" and calendar.walk("VEVENT")


def test_the_date_header_is_the_sending_time_in_the_recipients_zone(world: World, smtp: Handler) -> None:
    milestone_complete(milestone_id=world.milestone.pk, actor=world.coordinator_actor,
                       completed_on=dt.date(2026, 11, 20), note="Informe entregado")
    send_latest("projects.milestone")

    now = timezone.now()
    for person, zone in ((world.ana, "America/Argentina/Tucuman"), (world.bob, "America/New_York")):
        header = str(received_by(smtp, person.email)["Date"])
        assert not header.endswith("-0000"), header
        date = parsedate_to_datetime(header)
        assert date.utcoffset() == now.astimezone(ZoneInfo(zone)).utcoffset(), (person.name, header)
        assert abs(date - now) < dt.timedelta(minutes=1)


def test_without_local_time_the_date_is_left_to_django(world: World, smtp: Handler, settings: Any) -> None:
    settings.EMAIL_USE_LOCALTIME = False
    milestone_complete(milestone_id=world.milestone.pk, actor=world.coordinator_actor,
                       completed_on=dt.date(2026, 11, 20), note="Informe entregado")
    send_latest("projects.milestone")
    header = str(received_by(smtp, world.bob.email)["Date"])
    assert parsedate_to_datetime(header).utcoffset() in (None, dt.timedelta(0)), header
