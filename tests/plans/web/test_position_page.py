"""The confirmation page an agreement email's option links open: role by role, through a
personal link as the email's reader would, and the closing date agreements gain."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from plans import links
from plans.models import Agreement, HistoryEvent, Position, Stakeholder
from plans.services.agreements import agreement_create
from plans.services.history import Actor
from tests.factories import AgreementFactory, PositionFactory
from tests.plans.helpers import NewEvents
from tests.plans.web.forum_world import World, build_world, open_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def page_of(agreement: Agreement, option: str = "") -> str:
    page = reverse("plans:agreement-position", args=[agreement.pk])
    return f"{page}?option={option}" if option else page


def by_link(person: Stakeholder, path: str) -> Client:
    """A browser that opened `path` from the person's email (no password)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    opened = client.get(path_of(links.personal_url(person.pk, path)))
    assert opened.status_code == 302 and opened["Location"] == path
    return client


def checked_option(html: str) -> list[str]:
    return re.findall(r'<input type="radio" name="position" value="(\w+)"[^>]*checked', html)


def test_the_link_shows_the_agreement_with_the_option_preselected_and_records_nothing(world: World) -> None:
    agreement = open_agreement(world, closes_on=dt.date(2031, 6, 1))
    rosa = world.people[0]
    with NewEvents() as new:
        client = by_link(rosa, page_of(agreement, "disagree"))
        first = client.get(page_of(agreement, "disagree"))
        second = client.get(page_of(agreement, "disagree"))  # a scanner, then the person
    html = first.content.decode()
    assert first.status_code == second.status_code == 200
    assert checked_option(html) == ["disagree"]
    assert "Metodología del relevamiento" in html and "Encuesta a productores." in html
    assert '<dd id="position-organization">Tambo La Esperanza</dd>' in html
    assert "Record my organization's position" in html and 'name="csrfmiddlewaretoken"' in html
    assert 'type="hidden" name="organization"' in html  # a person records their own organization's
    assert not Position.objects.filter(agreement=agreement).exists()
    # Opening the link wrote only the stakeholder's first passwordless account, nothing of the agreement.
    assert {e.object_type for e in new.events} <= {"plans.stakeholder"}


def test_an_unknown_option_preselects_nothing(world: World) -> None:
    agreement = open_agreement(world)
    html = by_link(world.people[0], page_of(agreement)).get(page_of(agreement, "maybe")).content.decode()
    assert checked_option(html) == []


def test_confirming_records_one_position_from_email_by_the_stakeholder_and_says_it_can_change(
    world: World,
) -> None:
    agreement = open_agreement(world)
    rosa = world.people[0]
    client = by_link(rosa, page_of(agreement, "agree"))
    with NewEvents() as new:
        response = client.post(page_of(agreement), {
            "organization": rosa.organization_id, "position": "agree", "comment": "Sí, con la encuesta."})
    assert response.status_code == 302 and response["Location"] == page_of(agreement)
    event = new.one()
    rosa.refresh_from_db()
    assert (event.object_type, event.action, event.source, event.actor_id) == (
        "plans.position", "position", "email", rosa.user_id)
    position = Position.objects.get(agreement=agreement, organization=rosa.organization)
    assert (position.position, position.comment, position.recorded_by_id) == ("agree", "Sí, con la encuesta.", rosa.pk)
    html = client.get(page_of(agreement)).content.decode()
    assert "The position of Tambo La Esperanza is recorded." in html
    current = html.split('id="current-position"', 1)[1].split("</section>", 1)[0]
    assert "<strong>Agree</strong>" in current and "Recorded by Rosa Quiroga" in current
    assert "It may be changed until the agreement closes." in current
    assert checked_option(html) == ["agree"]  # the current position, ready to change


def test_a_double_click_records_one_position_and_one_event(world: World) -> None:
    agreement = open_agreement(world)
    rosa = world.people[0]
    client = by_link(rosa, page_of(agreement, "abstain"))
    body = {"organization": rosa.organization_id, "position": "abstain", "comment": ""}
    with NewEvents() as new:
        assert client.post(page_of(agreement), body).status_code == 302
        assert client.post(page_of(agreement), body).status_code == 302
    assert [e.action for e in new.events] == ["position"]
    assert Position.objects.filter(agreement=agreement).count() == 1


def test_another_person_of_the_organization_changes_its_one_position(world: World) -> None:
    from tests.factories import StakeholderFactory

    agreement = open_agreement(world)
    tambo = world.organizations[0]
    PositionFactory.create(agreement=agreement, organization=tambo, position=Position.Value.DISAGREE,
                           recorded_by=world.people[0])
    colleague = StakeholderFactory.create(cluster=world.cluster, organization=tambo, name="Hugo Tambero")
    client = by_link(colleague, page_of(agreement, "agree"))
    html = client.get(page_of(agreement, "agree")).content.decode()
    assert "<strong>Disagree</strong>" in html and "Recorded by Rosa Quiroga" in html
    client.post(page_of(agreement), {"organization": tambo.pk, "position": "agree", "comment": ""})
    position = Position.objects.get(agreement=agreement, organization=tambo)
    assert (position.position, position.recorded_by_id) == ("agree", colleague.pk)
    assert Position.objects.filter(agreement=agreement).count() == 1


def test_a_stakeholder_of_another_organization_cannot_record_for_this_one(world: World) -> None:
    agreement = open_agreement(world)
    julio = world.people[1]  # of Usina Láctea del Norte
    client = by_link(julio, page_of(agreement, "block"))
    with NewEvents() as new:
        response = client.post(page_of(agreement), {
            "organization": world.organizations[0].pk, "position": "block", "comment": ""})
    assert response.status_code == 403
    assert new.events == [] and not Position.objects.filter(agreement=agreement).exists()


def test_a_person_of_no_organization_is_refused_the_page(world: World) -> None:
    agreement = open_agreement(world)
    marta = world.people[2]
    assert by_link(marta, page_of(agreement)).get(page_of(agreement, "agree")).status_code == 403


def test_the_coordinator_chooses_the_organization_and_records_from_the_web(world: World) -> None:
    agreement = open_agreement(world)
    client = world.client("coordinator")
    html = client.get(page_of(agreement, "agree")).content.decode()
    assert '<select name="organization"' in html and "INTA Famaillá" in html
    usina = world.organizations[1]
    with NewEvents() as new:
        response = client.post(page_of(agreement), {"organization": usina.pk, "position": "agree", "comment": ""})
    assert response.status_code == 302 and response["Location"] == f"{page_of(agreement)}?organization={usina.pk}"
    assert new.one().source == "web"
    html = client.get(response["Location"]).content.decode()
    assert "Recorded by the coordination" in html and "Usina Láctea del Norte" in html


@pytest.mark.parametrize("method", ["get", "post"])
def test_auditors_never_see_the_form(world: World, method: str) -> None:
    agreement = open_agreement(world)
    client = world.client("auditor")
    body = {"organization": world.organizations[0].pk, "position": "agree"} if method == "post" else None
    response = getattr(client, method)(page_of(agreement, "agree"), body)
    assert response.status_code == 403
    assert not Position.objects.filter(agreement=agreement).exists()


def test_another_clusters_agreement_is_not_found(world: World) -> None:
    theirs = AgreementFactory.create(plan=world.other_plan)
    assert by_link(world.people[0], "/home/").get(page_of(theirs, "agree")).status_code == 404
    assert world.client("coordinator").get(page_of(theirs, "agree")).status_code == 404
    assert world.client("other_coordinator").get(page_of(theirs, "agree")).status_code == 200


def test_an_expired_link_shows_the_friendly_page_and_the_position_page_asks_to_log_in(
    world: World, settings: Any,
) -> None:
    agreement = open_agreement(world)
    settings.PMC_LINK_MAX_AGE_DAYS = 30
    with time_machine.travel(dt.datetime(2031, 1, 1, tzinfo=dt.UTC), tick=False):
        url = path_of(links.personal_url(world.people[0].pk, page_of(agreement, "agree")))
    with time_machine.travel(dt.datetime(2031, 2, 1, tzinfo=dt.UTC), tick=False):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        refused = client.get(url)
        assert refused.status_code == 410 and b"Email me a new link" in refused.content
        page = client.get(page_of(agreement, "agree"))
    assert page.status_code == 302 and page["Location"].startswith("/?next=")  # no session: the front door


def test_a_closed_agreement_says_so_and_takes_no_position(world: World) -> None:
    agreement = open_agreement(world, status=Agreement.Status.ADOPTED)
    PositionFactory.create(agreement=agreement, organization=world.organizations[0], position="agree",
                           recorded_by=world.people[0])
    client = by_link(world.people[0], page_of(agreement, "block"))
    html = client.get(page_of(agreement, "block")).content.decode()
    assert 'id="agreement-closed"' in html and "positions can no longer be recorded" in html
    assert 'name="position"' not in html and "It may be changed" not in html
    assert "<strong>Agree</strong>" in html  # the organization's final position
    with NewEvents() as new:
        response = client.post(page_of(agreement), {
            "organization": world.organizations[0].pk, "position": "block", "comment": ""})
    assert response.status_code == 409 and new.events == []


def test_the_page_is_built_in_a_fixed_number_of_queries(world: World, django_assert_num_queries: Any) -> None:
    agreement = open_agreement(world)
    PositionFactory.create(agreement=agreement, organization=world.organizations[0], recorded_by=world.people[0])
    client = by_link(world.people[0], page_of(agreement))
    client.get(page_of(agreement))  # warm: the session's first load
    with django_assert_num_queries(5):  # session, link person, agreement, their organization, its position
        assert client.get(page_of(agreement, "agree")).status_code == 200


# --- the closing date -------------------------------------------------------------------


def test_an_agreement_opened_without_a_closing_date_closes_after_the_default_days(
    world: World, settings: Any,
) -> None:
    settings.PMC_AGREEMENT_OPEN_DAYS = 10
    actor = Actor(world.users["coordinator"], "web")
    # 01:00 UTC on 1 June is still 31 May in Tucumán: the cluster's day counts.
    with time_machine.travel(dt.datetime(2031, 6, 1, 1, 0, tzinfo=dt.UTC), tick=False):
        agreement = agreement_create(plan_id=world.plan.pk, actor=actor, title="Líneas")
        given = agreement_create(plan_id=world.plan.pk, actor=actor, title="Otra", closes_on=dt.date(2031, 6, 20))
    assert agreement.closes_on == dt.date(2031, 6, 10)
    assert given.closes_on == dt.date(2031, 6, 20)
    event = HistoryEvent.objects.filter(object_type="plans.agreement", object_id=agreement.pk).get()
    assert event.changes["closes_on"] == [None, "2031-06-10"]


def test_a_closing_date_before_today_is_refused(world: World) -> None:
    from plans.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        agreement_create(plan_id=world.plan.pk, actor=Actor(world.users["coordinator"], "web"), title="Tarde",
                         closes_on=dt.date(2000, 1, 1))
    assert "closes_on" in refused.value.errors


def test_the_open_page_takes_a_closing_date_and_the_agreement_page_shows_it(world: World) -> None:
    client = world.client("coordinator")
    form = client.get(reverse("plans:agreement-create", args=[world.plan.pk])).content.decode()
    assert 'type="date" name="closes_on"' in form and "Leave empty for 14 days from today." in form
    response = client.post(reverse("plans:agreement-create", args=[world.plan.pk]), {
        "title": "Visión", "subject": "other", "rule": "consent", "quorum_percent": "50", "closes_on": "2099-03-15"})
    agreement = Agreement.objects.get(title="Visión")
    assert response.status_code == 302 and agreement.closes_on == dt.date(2099, 3, 15)
    html = client.get(reverse("plans:agreement-detail", args=[agreement.pk])).content.decode()
    assert "<dt>Positions asked by</dt>" in html and "2099" in html


def test_the_api_creates_with_a_closing_date_and_shows_it(world: World) -> None:
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world.users["coordinator"])
    created = api.post("/api/v1/agreements/", {"plan": world.plan.pk, "title": "Por API", "closes_on": "2099-01-31"},
                       format="json")
    assert created.status_code == 201, created.content
    assert created.json()["closes_on"] == "2099-01-31"
    default = api.post("/api/v1/agreements/", {"plan": world.plan.pk, "title": "Sin fecha"}, format="json")
    assert default.status_code == 201 and default.json()["closes_on"] is not None
