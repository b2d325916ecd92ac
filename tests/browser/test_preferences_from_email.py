"""From a real email to the preferences, in Chromium at 360x740: the unsubscribe link of a
forum invitation captured by a real SMTP server, then "choose which emails you get" (a POST
that opens the page as that person), the plan's messages switched to a weekly digest,
unsubscribe, resubscribe. axe-core on every page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from notifications.models import NotificationProfile, Subscription
from notifications.services import dispatch, sending
from plans.models import Cluster, HistoryEvent, Phase, Plan, Source, Stakeholder
from plans.services.clusters import stakeholder_update
from plans.services.forums import forum_schedule
from plans.services.history import Actor
from projects.demo import dairy
from tests.browser.conftest import PHONE
from tests.notifications.realparts import smtp_settings


@pytest.fixture
def smtp(settings: Any, live_server: Any) -> Any:
    with smtp_settings(settings) as (handler, _port):
        settings.SITE_URL = live_server.url  # the links in the email lead to this test's server
        yield handler


def invitation_to(person: Stakeholder, cluster: Cluster, plan: Plan) -> Any:
    """The coordinator schedules a forum; its invitation is dispatched and sent over SMTP."""
    from django.contrib.auth import get_user_model

    coordinator = get_user_model()._default_manager.get(username="coordinator")
    phase = Phase.objects.get(plan=plan, status=Phase.Status.ACTIVE)
    forum_schedule(phase_id=phase.pk, actor=Actor(user=coordinator, source=Source.WEB), title="Foro II: priorización",
                   starts_at=timezone.now() + dt.timedelta(days=10), venue="Sociedad Rural de Tucumán")
    event = HistoryEvent.objects.filter(object_type="plans.forum", action="create").order_by("-pk")[0]
    sending.send_batch(dispatch.dispatch_event(event_id=event.pk))


@pytest.mark.django_db(transaction=True)
def test_from_the_emails_unsubscribe_link_to_a_weekly_digest_unsubscribe_and_back(
    demo: None, smtp: Any, new_page: Any, check_page: Any
) -> None:
    from playwright.sync_api import expect

    cluster = Cluster.objects.get(slug=dairy.SLUG)
    plan = Plan.objects.filter(cluster=cluster).order_by("-edition").first()
    assert plan is not None
    person = Stakeholder.objects.get(cluster=cluster, email=dairy.STAKEHOLDER_EMAIL)
    # English, so the test reads the pages' English text (the Spanish catalogue is merged apart).
    stakeholder_update(stakeholder_id=person.pk, actor=Actor.system(Source.COMMAND), values={"language": "en"})
    invitation_to(person, cluster, plan)
    [message] = [m for m in smtp.received if str(m["To"]) == person.email]
    text = message.get_body(preferencelist=("plain",)).get_content()
    unsubscribe = re.search(r"Stop these emails: (\S+)", text)
    assert unsubscribe is not None and str(message["List-Unsubscribe"]).strip() == f"<{unsubscribe.group(1)}>"
    assert re.search(r"Choose which emails you get: \S+/l/\S+", text)  # the footer's personal link

    page = new_page(locale="en-US", viewport=PHONE)
    page.goto(unsubscribe.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your emails")
    check_page(page, "unsubscribe-offer-phone")
    page.get_by_role("button", name="Choose which emails you get").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose which emails you get")
    assert page.url.endswith("/me/preferences/")  # the personal link left the address bar
    check_page(page, "preferences-phone")

    section = page.get_by_role("region", name=f"Plan: {plan.title}")
    section.get_by_label("In a weekly digest").check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_role("status").filter(has_text="Your choices are saved.")).to_be_visible()
    check_page(page, "preferences-saved-phone")
    chosen = Subscription.objects.get(stakeholder=person, scope=Subscription.Scope.PLAN, scope_id=plan.pk)
    assert (chosen.frequency, chosen.is_active) == ("weekly", True)

    page.goto(unsubscribe.group(1))
    page.get_by_role("button", name="Unsubscribe from all emails").click()
    expect(page.get_by_text("will no longer receive emails")).to_be_visible()
    check_page(page, "unsubscribed-phone")
    assert NotificationProfile.objects.get(stakeholder=person).unsubscribed_at is not None
    page.get_by_role("button", name="Resubscribe").click()
    expect(page.get_by_role("status").filter(has_text="Welcome back")).to_be_visible()
    check_page(page, "resubscribed-phone")
    assert NotificationProfile.objects.get(stakeholder=person).unsubscribed_at is None
    # The weekly choice survived the round trip, and the history tells the whole story.
    assert Subscription.objects.get(pk=chosen.pk).frequency == "weekly"
    actions = list(HistoryEvent.objects.filter(object_type="plans.stakeholder", object_id=person.pk)
                   .order_by("pk").values_list("action", "source"))
    assert actions[-3:] == [("preferences", Source.EMAIL), ("unsubscribe", Source.EMAIL),
                            ("resubscribe", Source.EMAIL)]
