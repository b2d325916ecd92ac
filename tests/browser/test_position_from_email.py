"""An organization's position from a real email, in real Chromium on a phone: the coordinator
opens an agreement, the request goes out through a real SMTP server (aiosmtpd on loopback),
the stakeholder follows the email's "Agree" link (no password), confirms on the 360x740 page,
and the coordinator's agreement page shows the tally; the history says "from email, by her".
axe-core runs on every page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from notifications.services import dispatch, sending
from plans.models import HistoryEvent, Organization, Plan, Position, Role, Stakeholder
from plans.services.agreements import agreement_create
from plans.services.history import Actor
from tests.browser.conftest import PHONE
from tests.factories import (
    ClusterFactory,
    OrganizationFactory,
    PlanFactory,
    RoleAssignmentFactory,
    StakeholderFactory,
    UserFactory,
)
from tests.notifications.realparts import Handler, smtp_settings

PHONE_WIDTH = PHONE["width"]


@pytest.fixture
def smtp(settings: Any, live_server: Any) -> Iterator[Handler]:
    with smtp_settings(settings) as (handler, _port):
        settings.SITE_URL = live_server.url  # the links in the email lead to this test server
        yield handler


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def assert_no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide on a {PHONE_WIDTH} px screen"


@pytest.mark.django_db(transaction=True)
def test_a_stakeholder_agrees_from_the_email_and_the_coordinator_sees_it(
    smtp: Handler, new_page: Any, browser: Any, contexts: list[Any], live_server: Any, url: Any, check_page: Any,
    settings: Any,
) -> None:
    from django.test import Client
    from playwright.sync_api import expect

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cluster = ClusterFactory.create(name="Clúster lácteo de Tucumán", time_zone="America/Argentina/Tucuman")
    plan = PlanFactory.create(cluster=cluster, title="PMC lácteo", status=Plan.Status.FORMULATION)
    tambo = OrganizationFactory.create(cluster=cluster, name="Tambo La Esperanza")
    OrganizationFactory.create(cluster=cluster, name="INTA Famaillá", membership=Organization.Membership.ADHERENT)
    rosa = StakeholderFactory.create(cluster=cluster, organization=tambo, name="Rosa Quiroga",
                                     email="rosa@tambo.example", language="en")
    coordinator = UserFactory.create(username="coordinadora")
    RoleAssignmentFactory.create(user=coordinator, cluster=cluster, role=Role.COORDINATOR)

    agreement = agreement_create(plan_id=plan.pk, actor=Actor(coordinator, "web"), title="Adopt the strategic lines",
                                 text="Quality, a local brand and basin sanitation.")
    event = HistoryEvent.objects.get(object_type="plans.agreement", object_id=agreement.pk, action="create")
    sent = sending.send_batch(dispatch.dispatch_event(event_id=event.pk))
    assert len(sent.sent) == 1 and [str(m["To"]) for m in smtp.received] == [rosa.email]
    text = text_of(smtp.received[0])
    assert text.splitlines()[0].startswith("You get this because your organization Tambo La Esperanza is asked")
    agree_link = re.search(r"^Agree: (\S+)", text, flags=re.M)
    assert agree_link and agree_link.group(1).startswith(live_server.url + "/l/")

    phone = new_page(locale="en-US", viewport=PHONE)
    phone.goto(agree_link.group(1))
    expect(phone).to_have_url(re.compile(rf"/agreements/{agreement.pk}/position/\?option=agree$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Adopt the strategic lines")
    expect(phone.locator("#position-organization")).to_have_text("Tambo La Esperanza")
    expect(phone.get_by_role("radio", name="Agree", exact=True)).to_be_checked()
    check_page(phone, "position-confirm-phone")
    assert_no_horizontal_scroll(phone)
    assert not Position.objects.filter(agreement=agreement).exists()  # opening the link recorded nothing

    phone.get_by_label("Comment (optional)").fill("We agree with the three lines.")
    phone.get_by_role("button", name="Record my organization's position").click()
    expect(phone.get_by_role("status")).to_contain_text("The position of Tambo La Esperanza is recorded.")
    expect(phone.locator("#current-position")).to_contain_text("Recorded by Rosa Quiroga")
    expect(phone.locator("#current-position")).to_contain_text("It may be changed until the agreement closes.")
    check_page(phone, "position-recorded-phone")
    assert_no_horizontal_scroll(phone)

    position = Position.objects.get(agreement=agreement, organization=tambo)
    assert (position.position, position.comment) == ("agree", "We agree with the three lines.")
    recorded = HistoryEvent.objects.get(object_type="plans.position", object_id=position.pk)
    assert (recorded.action, recorded.source) == ("position", "email")
    assert recorded.actor_id == Stakeholder.objects.get(pk=rosa.pk).user_id

    # The coordinator's agreement page (a normal login): the tally counts it.
    client = Client()
    client.force_login(coordinator)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    contexts.append(context)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    desk = context.new_page()
    desk.goto(url(f"/agreements/{agreement.pk}/"))
    tally = desk.get_by_role("table", name="Tally so far")
    agree_row = tally.get_by_role("row").filter(has=desk.get_by_role("rowheader", name="Agree", exact=True))
    expect(agree_row.get_by_role("cell").first).to_have_text("1")
    expect(agree_row).to_contain_text("Tambo La Esperanza")
    expect(desk.locator("#non-responders")).to_contain_text("Every full member organization has answered.")
    check_page(desk, "agreement-tally-after-email-position")
