"""An opened agreement asks every full member organization for its position by email, and the
organizations that have not answered are reminded: by the plan's policy (beat) and by the
coordinator's button, each reminder once."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from notifications.kinds import Kind
from notifications.models import Delivery, NotificationProfile, ReminderPolicy, Subscription
from notifications.services import dispatch, reminders, sending
from notifications.services.recipients import ensure_profiles
from notifications.tasks import run_reminder_sweep
from plans.models import Agreement, HistoryEvent, Organization, Plan, Position
from plans.services.agreements import agreement_create, position_record
from plans.services.history import Actor
from tests.factories import OrganizationFactory, PositionFactory, StakeholderFactory
from tests.plans.helpers import NewEvents
from tests.plans.web.forum_world import World, build_world

pytestmark = pytest.mark.django_db
UTC = dt.UTC
OPENED = dt.datetime(2031, 6, 2, 15, 0, tzinfo=UTC)  # 12:00 in Tucumán (UTC-3)


@pytest.fixture
def world(settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PMC_AGREEMENT_OPEN_DAYS = 14
    return build_world()


def coordinator(world: World) -> Actor:
    return Actor(world.users["coordinator"], "web")


def open_by_service(world: World, **fields: Any) -> Agreement:
    with time_machine.travel(OPENED, tick=False):
        return agreement_create(plan_id=world.plan.pk, actor=coordinator(world), title="Ejes estratégicos",
                                text="Calidad, marca local y sanidad de cuenca.", **fields)


def opened_event(agreement: Agreement) -> HistoryEvent:
    return HistoryEvent.objects.get(object_type="plans.agreement", object_id=agreement.pk, action="create")


def recipients(kind: str) -> set[str]:
    return set(Delivery.objects.filter(kind=kind).values_list("stakeholder__name", flat=True))


def test_every_person_of_each_full_member_is_asked_whatever_their_subscriptions(world: World) -> None:
    tambo, usina, inta = world.organizations
    colleague = StakeholderFactory.create(cluster=world.cluster, organization=tambo, name="Hugo Tambero")
    StakeholderFactory.create(cluster=world.cluster, organization=tambo, name="Ida Inactiva", is_active=False)
    StakeholderFactory.create(cluster=world.cluster, organization=inta, name="Ana Adherente")
    closed = OrganizationFactory.create(cluster=world.cluster, is_active=False)
    StakeholderFactory.create(cluster=world.cluster, organization=closed, name="Olga Cerrada")
    gone = StakeholderFactory.create(cluster=world.cluster, organization=usina, name="Uriel Desuscripto")
    ensure_profiles(cluster_id=world.cluster.pk)
    NotificationProfile.objects.filter(stakeholder=gone).update(unsubscribed_at=OPENED)
    Subscription.objects.filter(stakeholder=colleague).delete()  # no subscription at all: still asked
    agreement = open_by_service(world)
    ids = dispatch.dispatch_event(event_id=opened_event(agreement).pk)
    assert recipients(Kind.AGREEMENT_OPENED) == {"Rosa Quiroga", "Julio Paz", "Hugo Tambero"}
    assert len(ids) == 3
    assert {d.payload["organization"] for d in Delivery.objects.filter(kind=Kind.AGREEMENT_OPENED)} == {
        tambo.pk, usina.pk}
    assert dispatch.dispatch_event(event_id=opened_event(agreement).pk) == []  # a second dispatch: nothing
    assert Delivery.objects.filter(kind=Kind.AGREEMENT_OPENED).count() == 3


def test_the_request_says_why_names_each_organization_and_links_each_option(world: World) -> None:
    agreement = open_by_service(world)
    sending.send_batch(dispatch.dispatch_event(event_id=opened_event(agreement).pk))
    by_to = {m.to[0]: m for m in mail.outbox}
    rosa, julio = world.people[0], world.people[1]
    spanish = str(by_to[rosa.email].body)
    # One batch composes once per organization: each reader sees their own organization.
    assert "Tambo La Esperanza" in spanish and "Usina" not in spanish
    assert "Usina Láctea del Norte" in by_to[julio.email].body
    with_english = Client(HTTP_ACCEPT_LANGUAGE="en")
    en_page = None
    for line, option in (("De acuerdo", "agree"), ("Abstención", "abstain"), ("En desacuerdo", "disagree"),
                         ("Bloqueo", "block")):
        match = re.search(rf"^{line}: (http\S+)$", spanish, flags=re.M)
        assert match, (line, spanish)
        opened = with_english.get("/" + match.group(1).split("://", 1)[1].split("/", 1)[1])
        assert opened.status_code == 302
        assert opened["Location"] == f"/agreements/{agreement.pk}/position/?option={option}"
        en_page = opened["Location"]
    first_line = spanish.splitlines()[0]  # why, for whom, by when (the date in the reader's language)
    assert "Tambo La Esperanza" in first_line and "16 de junio de 2031" in first_line
    html = str(by_to[rosa.email].alternatives[0][0])  # type: ignore[attr-defined]
    assert html.count("/l/") >= 5  # four options and "record your organization's position"
    assert with_english.get(str(en_page)).status_code == 200
    assert not Position.objects.filter(agreement=agreement).exists()  # following links recorded nothing


def test_the_first_line_in_english_gives_the_organization_and_the_date(world: World) -> None:
    from notifications.content import compose

    agreement = open_by_service(world)
    dispatch.dispatch_event(event_id=opened_event(agreement).pk)
    delivery = Delivery.objects.get(kind=Kind.AGREEMENT_OPENED, stakeholder=world.people[1])
    content = compose(delivery)
    assert content.why == ("You get this because your organization Usina Láctea del Norte is asked for its "
                           "position on “Ejes estratégicos” by June 16, 2031: please choose one option below and "
                           "confirm it.")
    assert [a.label for a in content.actions] == ["Agree", "Abstain", "Disagree", "Block"]
    assert content.link_text == "Record your organization's position"


# --- reminders by the plan's policy (beat) -----------------------------------------------


def at_local_seven_thirty(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 10, 30, tzinfo=UTC)  # 07:30 in Tucumán


def test_non_responders_are_reminded_three_days_after_opening_once(world: World) -> None:
    agreement = open_by_service(world)
    tambo = world.organizations[0]
    position_record(agreement_id=agreement.pk, organization_id=tambo.pk, position="agree", actor=coordinator(world))
    assert reminders.agreement_reminders(now=at_local_seven_thirty(dt.date(2031, 6, 4))) == []
    first = reminders.agreement_reminders(now=at_local_seven_thirty(dt.date(2031, 6, 5)))
    again = reminders.agreement_reminders(now=at_local_seven_thirty(dt.date(2031, 6, 5)) + dt.timedelta(hours=2))
    assert len(first) == 1 and again == []
    delivery = Delivery.objects.get(pk=first[0])
    assert (delivery.stakeholder, delivery.kind, delivery.payload["which"]) == (
        world.people[1], Kind.AGREEMENT_REMINDER, "after")
    assert delivery.scheduled_for == dt.datetime(2031, 6, 5, 10, 0, tzinfo=UTC)  # 07:00 local
    assert delivery.dedup_key == f"agreement_reminder:a{agreement.pk}:after:s{world.people[1].pk}:email"
    assert reminders.agreement_reminders(now=at_local_seven_thirty(dt.date(2031, 6, 6))) == []


def test_non_responders_are_reminded_the_day_before_closing(world: World) -> None:
    agreement = open_by_service(world)  # closes 2031-06-16
    assert agreement.closes_on == dt.date(2031, 6, 16)
    ids = reminders.agreement_reminders(now=at_local_seven_thirty(dt.date(2031, 6, 15)))
    assert {Delivery.objects.get(pk=i).payload["which"] for i in ids} == {"before"}
    assert recipients(Kind.AGREEMENT_REMINDER) == {"Rosa Quiroga", "Julio Paz"}


def test_an_organization_answering_in_between_gets_no_reminder(world: World) -> None:
    agreement = open_by_service(world)
    reminders.agreement_reminders(now=at_local_seven_thirty(dt.date(2031, 6, 5)))
    PositionFactory.create(agreement=agreement, organization=world.organizations[1])
    ids = reminders.agreement_reminders(now=at_local_seven_thirty(dt.date(2031, 6, 15)))
    assert [Delivery.objects.get(pk=i).stakeholder for i in ids] == [world.people[0]]


def test_the_plans_policy_sets_the_days_and_zero_turns_a_reminder_off(world: World) -> None:
    ReminderPolicy.objects.create(plan=world.plan, agreement_after_days=0, agreement_before_days=2)
    open_by_service(world)
    assert reminders.agreement_reminders(now=at_local_seven_thirty(dt.date(2031, 6, 5))) == []
    assert reminders.agreement_reminders(now=at_local_seven_thirty(dt.date(2031, 6, 15))) == []
    assert len(reminders.agreement_reminders(now=at_local_seven_thirty(dt.date(2031, 6, 14)))) == 2


def test_both_reminders_on_one_day_send_one_message(world: World) -> None:
    agreement = open_by_service(world, closes_on=dt.date(2031, 6, 6))  # after: 06-05, before: 06-05
    ids = reminders.agreement_reminders(now=at_local_seven_thirty(dt.date(2031, 6, 5)))
    assert len(ids) == 2  # Rosa and Julio, one each
    assert {d.payload["which"] for d in Delivery.objects.filter(object_id=agreement.pk)} == {"before"}


def test_closed_agreements_and_closed_plans_remind_nobody(world: World) -> None:
    agreement = open_by_service(world)
    Agreement.objects.filter(pk=agreement.pk).update(status=Agreement.Status.REJECTED, decided_at=OPENED)
    assert reminders.agreement_reminders(now=at_local_seven_thirty(dt.date(2031, 6, 5))) == []
    Agreement.objects.filter(pk=agreement.pk).update(status=Agreement.Status.OPEN, decided_at=None)
    Plan.objects.filter(pk=world.plan.pk).update(status=Plan.Status.CANCELLED)
    assert reminders.agreement_reminders(now=at_local_seven_thirty(dt.date(2031, 6, 5))) == []


def test_the_beat_sweep_run_twice_sends_each_agreement_reminder_once(world: World) -> None:
    open_by_service(world)
    now = at_local_seven_thirty(dt.date(2031, 6, 5))
    first = run_reminder_sweep(now)
    second = run_reminder_sweep(now + dt.timedelta(minutes=1))
    assert first["agreements"] == 2 and second["agreements"] == 0
    assert Delivery.objects.filter(kind=Kind.AGREEMENT_REMINDER).count() == 2


def test_the_reminder_email_says_the_organization_has_not_answered(world: World) -> None:
    open_by_service(world)
    sending.send_batch(reminders.agreement_reminders(now=at_local_seven_thirty(dt.date(2031, 6, 5))))
    body = next(m.body for m in mail.outbox if m.to[0] == world.people[1].email)
    first_line = body.splitlines()[0]
    assert "Usina Láctea del Norte" in first_line and "16 de junio de 2031" in first_line
    assert "/l/" in body


# --- the coordinator's "remind those who have not answered" ---------------------------------


def remind_url(agreement: Agreement) -> str:
    return reverse("notifications:agreement-remind", args=[agreement.pk])


def test_the_coordinator_reminds_non_responders_once_a_day_with_one_event(world: World) -> None:
    agreement = open_by_service(world)
    PositionFactory.create(agreement=agreement, organization=world.organizations[0])
    client = world.client("coordinator")
    detail = client.get(reverse("plans:agreement-detail", args=[agreement.pk])).content.decode()
    assert "1 full member organization has not answered yet: Usina Láctea del Norte" in detail
    assert remind_url(agreement) in detail and "Remind those who have not answered" in detail
    with NewEvents() as new:
        response = client.post(remind_url(agreement), follow=True)
    assert "1 organization that had not answered was reminded." in response.content.decode()
    event = new.one()
    assert (event.object_type, event.object_id, event.action, event.source) == (
        "plans.agreement", agreement.pk, "remind_non_responders", "web")
    assert event.context["organizations"] == 1
    assert recipients(Kind.AGREEMENT_REMINDER) == {"Julio Paz"}
    with NewEvents() as new:
        again = client.post(remind_url(agreement), follow=True)  # a double click
    assert new.events == [] and Delivery.objects.filter(kind=Kind.AGREEMENT_REMINDER).count() == 1
    assert "already reminded today" in again.content.decode()


def test_reminding_when_everyone_answered_sends_nothing(world: World) -> None:
    agreement = open_by_service(world)
    for organization in Organization.objects.filter(cluster=world.cluster, membership="full"):
        PositionFactory.create(agreement=agreement, organization=organization)
    client = world.client("coordinator")
    detail = client.get(reverse("plans:agreement-detail", args=[agreement.pk])).content.decode()
    assert "Every full member organization has answered." in detail and remind_url(agreement) not in detail
    with NewEvents() as new:
        response = client.post(remind_url(agreement), follow=True)
    assert "Nobody to remind" in response.content.decode() and new.events == []


@pytest.mark.parametrize("role", ["stakeholder", "auditor"])
def test_only_coordinators_remind(world: World, role: str) -> None:
    agreement = open_by_service(world)
    client = world.client(role)
    detail = client.get(reverse("plans:agreement-detail", args=[agreement.pk])).content.decode()
    assert remind_url(agreement) not in detail
    assert client.post(remind_url(agreement)).status_code == 403
    assert world.client("other_coordinator").post(remind_url(agreement)).status_code == 404
    assert not Delivery.objects.filter(kind=Kind.AGREEMENT_REMINDER).exists()


def test_the_service_refuses_an_auditor_and_a_closed_agreement(world: World) -> None:
    from plans.errors import PermissionDeniedError, RuleViolation

    agreement = open_by_service(world)
    with pytest.raises(PermissionDeniedError):
        reminders.agreement_remind_non_responders(agreement_id=agreement.pk, actor=Actor(world.users["auditor"], "web"))
    Agreement.objects.filter(pk=agreement.pk).update(status=Agreement.Status.ADOPTED, decided_at=OPENED)
    with pytest.raises(RuleViolation):
        reminders.agreement_remind_non_responders(agreement_id=agreement.pk, actor=coordinator(world))


def test_the_reminder_policy_page_sets_the_agreement_days(world: World) -> None:
    client = world.client("coordinator")
    url = reverse("notifications:reminder-policy", args=[world.plan.pk])
    page = client.get(url).content.decode()
    assert 'name="agreement_after_days" value="3"' in page and 'name="agreement_before_days" value="1"' in page
    response = client.post(url, {
        "due_soon_days": "14, 7, 1", "overdue_every_days": "7", "escalate_after_days": "14",
        "forum_reminder_days": "1", "agreement_after_days": "5", "agreement_before_days": "0", "version": "0"})
    assert response.status_code == 302
    policy = ReminderPolicy.objects.get(plan=world.plan)
    assert (policy.agreement_after_days, policy.agreement_before_days) == (5, 0)


def test_a_message_with_many_links_reads_the_persons_account_once(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications import rendering

    agreement = open_by_service(world)
    delivery_id = dispatch.dispatch_event(event_id=opened_event(agreement).pk)[0]
    delivery = Delivery.objects.select_related("cluster", "stakeholder__notification_profile").get(pk=delivery_id)
    rendering.render(delivery)  # the first message creates the person's account and key
    contents: dict[Any, Any] = {}
    rendering.render(delivery, contents=contents)  # composed once, as a batch does

    with CaptureQueriesContext(connection) as again:
        message = rendering.render(delivery, contents=contents)

    links = str(message.alternatives[0][0]).count("/l/")  # type: ignore[attr-defined]
    account_reads = [q for q in again.captured_queries if "plans_personallinkkey" in q["sql"]]
    assert links >= 5 and len(account_reads) == 1
