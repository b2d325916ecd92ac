"""What forum emails say: why first, "Confirm attendance" and one link per answer to the
recipient's own forum page (preselect only), times labelled when the recipient's zone differs."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone, translation

from notifications.content import compose
from notifications.kinds import Kind
from notifications.models import Delivery
from notifications.services import dispatch, sending
from plans import links
from plans.models import Forum, HistoryEvent
from plans.services.forums import forum_cancel, forum_schedule, forum_update
from tests.factories import PhaseFactory

from .conftest import World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world_clock")]

START = dt.datetime(2026, 12, 3, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=-3)))  # 8:30 in Tucumán


def schedule(world: World) -> Forum:
    phase = PhaseFactory.create(plan=world.plan, status="active")
    return forum_schedule(phase_id=phase.pk, actor=world.coordinator_actor, title="Foro participativo II",
                          starts_at=START, venue="Sociedad Rural de Tucumán", address="Camino del Perú 1050")


def send_last_event() -> dict[str, str]:
    """The plain-text body each recipient of the last forum event got."""
    mail.outbox.clear()
    event = HistoryEvent.objects.filter(object_type="plans.forum").order_by("-id")[0]
    sending.send_batch(dispatch.dispatch_event(event_id=event.pk))
    return {m.to[0]: str(m.body) for m in mail.outbox}


def html_of(address: str) -> str:
    message = next(m for m in mail.outbox if m.to == [address])
    return str(message.alternatives[0][0])  # type: ignore[attr-defined]


def opened_path(url: str) -> str:
    """The page a personal link opens (read from its signed token)."""
    token = re.fullmatch(r"http://[^/]+/l/([^/]+)/", url)
    assert token, url
    return links.read_token(token[1]).path


def labelled_links(body: str) -> dict[str, str]:
    return dict(re.findall(r"^([^:\n]+): (http://\S+)$", body, re.M))


def test_the_invitation_says_why_and_links_confirm_and_each_answer_to_the_recipients_own_page(
    world: World,
) -> None:
    forum = schedule(world)
    bob = send_last_event()[world.bob.email]  # English, New York
    assert bob.startswith(
        "You are invited because you are a stakeholder of Clúster Lácteo de Tucumán: please tell us if you will "
        "attend.\n")
    found = labelled_links(bob)
    page = f"/forums/{forum.pk}/"
    assert opened_path(found["Confirm attendance"]) == page
    assert opened_path(found["Yes, I will attend"]) == f"{page}?answer=yes#rsvp"
    assert opened_path(found["No, I cannot attend"]) == f"{page}?answer=no#rsvp"
    assert opened_path(found["Maybe"]) == f"{page}?answer=maybe#rsvp"
    assert links.read_token(found["Confirm attendance"].rsplit("/", 2)[1]).stakeholder.pk == world.bob.pk
    html = html_of(world.bob.email)
    assert f'<a href="{found["Confirm attendance"]}">Confirm attendance</a>' in html
    assert "Yes, I will attend</a>" in html and "/api/v1/" not in bob + html


def test_times_carry_zone_labels_only_when_the_recipients_zone_differs(world: World) -> None:
    schedule(world)
    messages = send_last_event()
    bob, ana = messages[world.bob.email], messages[world.ana.email]
    # 8:30 in Tucumán is 6:30 in New York (EST, UTC-5) on 3 December.
    assert re.search(r"When: Dec\. 3, 2026, 8:30 a\.m\. \(America/Argentina/Tucuman\); "
                     r"your time: Dec\. 3, 2026, 6:30 a\.m\. \(America/New_York\)", bob)
    assert "3 de diciembre de 2026 a las 08:30" in ana and "America/" not in ana


def test_a_new_time_asks_again_and_a_cancellation_asks_nothing(world: World) -> None:
    forum = schedule(world)
    forum_update(forum_id=forum.pk, actor=world.coordinator_actor, values={"starts_at": START + dt.timedelta(days=1)})
    moved = send_last_event()[world.bob.email]
    assert moved.startswith("You were invited to this forum as a stakeholder of Clúster Lácteo de Tucumán and its "
                            "time has changed: please tell us if you will attend at the new time.")
    assert "It was to start on Dec. 3, 2026, 8:30 a.m. (America/Argentina/Tucuman)" in moved
    assert {"Confirm attendance", "Yes, I will attend", "Maybe"} <= set(labelled_links(moved))

    forum_cancel(forum_id=forum.pk, actor=world.coordinator_actor, reason="Paro de transporte")
    cancelled = send_last_event()[world.bob.email]
    assert cancelled.startswith("You were invited to this forum as a stakeholder of Clúster Lácteo de Tucumán: it "
                                "has been cancelled")
    assert set(labelled_links(cancelled)) == {"See the forum", "Choose which emails you get", "Stop these emails"}


def test_the_reminder_says_why_and_asks_for_the_reply(world: World) -> None:
    forum = schedule(world)
    delivery = Delivery(kind=Kind.FORUM_REMINDER, object_id=forum.pk, cluster=world.cluster, plan_id=world.plan.pk,
                        language="en", time_zone="America/Argentina/Tucuman")
    with translation.override("en"), timezone.override("America/Argentina/Tucuman"):
        content = compose(delivery)
    assert content.why.startswith("You get this reminder because you are a stakeholder of Clúster Lácteo de "
                                  "Tucumán invited to this forum")
    assert content.heading == "Reminder: Foro participativo II starts on Dec. 3, 2026, 8:30 a.m."
    assert content.link_text == "Confirm attendance" and content.page == f"/forums/{forum.pk}/"
    assert [a.page for a in content.actions] == [f"/forums/{forum.pk}/?answer={a}#rsvp" for a in ("yes", "no",
                                                                                                  "maybe")]
