"""From a real invitation email to a recorded reply, in Chromium on a 360x740 phone.

The coordinator schedules a forum (the service); the dispatch and the sending run as the
worker runs them, to a real SMTP server on loopback (aiosmtpd). A new stakeholder of a member
organization, who has no password, follows the "Confirm attendance" link of the message she
received, sees the invitation page, answers "Yes"; the coordinator's forum page then shows
her name under "Yes" and the count. axe-core runs on every page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from django.utils import timezone

from notifications.services import dispatch, sending
from plans import forum_selectors
from plans.models import Cluster, ForumResponse, HistoryEvent, Organization, Plan, Source
from plans.services.forums import forum_schedule
from plans.services.history import Actor
from projects.demo import dairy
from tests.browser.conftest import PHONE
from tests.factories import StakeholderFactory
from tests.notifications.realparts import Handler, smtp_settings

PHONE_WIDTH = PHONE["width"]


@pytest.fixture
def smtp(settings: Any) -> Iterator[Handler]:
    with smtp_settings(settings) as (handler, _port):
        yield handler


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def assert_no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide on a {PHONE_WIDTH} px screen"


@pytest.mark.django_db(transaction=True)
def test_a_new_stakeholder_confirms_attendance_from_the_invitation_email_on_a_phone(
    demo: None, smtp: Handler, settings: Any, live_server: Any, new_page: Any, page_as: Any, check_page: Any,
) -> None:
    from django.contrib.auth import get_user_model
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url  # the links in the email lead to this server
    cluster = Cluster.objects.get(slug=dairy.SLUG)
    plan = Plan.objects.filter(cluster=cluster).order_by("-edition").first()
    assert plan is not None
    member = Organization.objects.filter(cluster=cluster, is_active=True).order_by("pk").first()
    lucia = StakeholderFactory.create(cluster=cluster, organization=member, name="Lucía Ferreyra",
                                      email="lucia.ferreyra@tambo.example", language="en",
                                      time_zone=cluster.time_zone)
    coordinator = get_user_model()._default_manager.get(username="coordinator")
    phase = forum_selectors.open_phases_of_plan(plan_id=plan.pk).first()
    assert phase is not None
    forum = forum_schedule(
        phase_id=phase.pk, actor=Actor(user=coordinator, source=Source.WEB), title="III Foro participativo",
        starts_at=timezone.now() + dt.timedelta(days=10), ends_at=timezone.now() + dt.timedelta(days=10, hours=3),
        venue="Sociedad Rural de Tucumán", address="Camino del Perú 1050, Cevil Redondo", agenda="Priorización",
    )

    # What the worker does after commit: dispatch the event, send the deliveries over SMTP.
    event = HistoryEvent.objects.filter(object_type="plans.forum", object_id=forum.pk, action="create").get()
    sending.send_batch(dispatch.dispatch_event(event_id=event.pk))
    [message] = [m for m in smtp.received if str(m["To"]) == lucia.email]
    body = text_of(message)
    assert body.startswith("You are invited because you are a stakeholder of")
    found = re.search(r"^Confirm attendance: (\S+)", body, re.M)
    assert found, body
    link = found[1]
    assert link.startswith(f"{live_server.url}/l/")

    page = new_page(locale="en-US", viewport=PHONE)  # no password, no session: only the link
    page.goto(link)
    page.wait_for_url(f"**/forums/{forum.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("III Foro participativo")
    main = page.locator("main")
    expect(main).to_contain_text("America/Argentina/Tucuman")
    expect(main).to_contain_text("Camino del Perú 1050, Cevil Redondo")
    expect(page.get_by_role("link", name="Add to calendar")).to_be_visible()
    check_page(page, "forum-invitation-phone")
    assert_no_horizontal_scroll(page)

    yes = page.get_by_role("button", name="Yes, I will attend")
    box = yes.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= PHONE_WIDTH / 2  # a thumb's target
    yes.click()
    expect(page.get_by_role("status")).to_contain_text("Reply of Lucía Ferreyra recorded: yes.")
    expect(page.locator("#rsvp-current")).to_contain_text("Your reply: yes")
    check_page(page, "forum-invitation-phone-answered")
    assert_no_horizontal_scroll(page)

    reply = ForumResponse.objects.get(forum=forum)
    assert (reply.stakeholder_id, reply.answer) == (lucia.pk, "yes")
    [recorded] = HistoryEvent.objects.filter(object_type="plans.forumresponse", object_id=reply.pk)
    assert (recorded.action, recorded.source) == ("rsvp", Source.EMAIL)

    coordinator_page = page_as("coordinator", locale="en-US")
    coordinator_page.goto(f"{live_server.url}/forums/{forum.pk}/")
    yes_row = coordinator_page.locator("#replies-yes")
    expect(yes_row).to_contain_text("Lucía Ferreyra")
    expect(yes_row.locator(".reply-count")).to_have_text("1")
    expect(coordinator_page.locator("#replies-no .reply-count")).to_have_text("0")
    check_page(coordinator_page, "forum-replies-coordinator")
