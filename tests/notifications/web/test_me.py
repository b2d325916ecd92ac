"""`/me/`: the stakeholder's home, from a personal link or a login; reads only, flat queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from plans import links
from plans.models import Agreement, Phase, Position
from tests.factories import (
    AgreementFactory,
    ForumFactory,
    MilestoneFactory,
    OrganizationFactory,
    PhaseFactory,
    PositionFactory,
    StakeholderFactory,
    UserFactory,
)
from tests.world import World

from .conftest import english, events_since, last_event_id

pytestmark = pytest.mark.django_db


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


@pytest.fixture
def home_world(world: World) -> dict[str, Any]:
    """Ana answers for her organization: one agreement answered, one waiting; a forum ahead."""
    dairy = OrganizationFactory.create(cluster=world.cluster, name="Tambo La Esperanza")
    world.ana.organization = dairy
    world.ana.save()
    phase = PhaseFactory.create(plan=world.plan, title="Diagnóstico", status=Phase.Status.ACTIVE)
    forum = ForumFactory.create(phase=phase, title="Foro II", starts_at=timezone.now() + dt.timedelta(days=5))
    waiting = AgreementFactory.create(plan=world.plan, title="Adoptar ejes")
    answered = AgreementFactory.create(plan=world.plan, title="Cerrar diagnóstico")
    PositionFactory.create(agreement=answered, organization=dairy, position=Position.Value.ABSTAIN)
    AgreementFactory.create(plan=world.plan, title="Ya adoptado", status=Agreement.Status.ADOPTED)
    late = MilestoneFactory.create(project=world.project, title="Relevamiento de tambos", responsible=world.ana,
                                   due_date=timezone.localdate() - dt.timedelta(days=3))
    return {"forum": forum, "waiting": waiting, "answered": answered, "late": late, "phase": phase}


def test_the_home_shows_plan_agreements_milestones_and_links(world: World, home_world: dict[str, Any]) -> None:
    page = english(world.stakeholder_user).get("/me/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/plans/{world.plan.pk}/"' in html and "Diagnóstico" in html
    assert f'href="/forums/{home_world["forum"].pk}/"' in html
    assert f'href="/agreements/{home_world["waiting"].pk}/"' in html
    waiting_row = html.split("Adoptar ejes", 1)[1].split("</li>", 1)[0]
    assert "has not answered yet" in waiting_row
    answered_row = html.split("Cerrar diagnóstico", 1)[1].split("</li>", 1)[0]
    assert "answered: abstain" in answered_row
    assert "Ya adoptado" not in html  # only open agreements
    assert f'href="/milestones/{home_world["late"].pk}/"' in html and "(overdue)" in html
    assert f'href="/milestones/{world.milestone.pk}/"' in html
    assert 'href="/me/preferences/"' in html


def test_the_home_from_a_personal_link_and_two_gets_change_nothing(world: World, home_world: dict[str, Any]) -> None:
    producer = StakeholderFactory.create(cluster=world.cluster, organization=world.ana.organization,
                                         name="Rosa Productora", email="rosa@tambo.example", language="en")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert browser.get(path_of(links.personal_url(producer.pk, "/me/")))["Location"] == "/me/"
    mark = last_event_id()
    first, second = browser.get("/me/"), browser.get("/me/")
    assert first.status_code == second.status_code == 200
    assert "Hello, Rosa Productora" in first.content.decode()  # her language (en), as the link session speaks
    assert "has not answered yet" in first.content.decode()  # her organization's, shared with ana
    assert events_since(mark) == []
    # /home/ sends a link session to this page.
    assert browser.get("/home/")["Location"] == "/me/"


def test_the_home_query_count_does_not_grow_with_the_plan(
    world: World, home_world: dict[str, Any], django_assert_num_queries: Any
) -> None:
    browser = english(world.stakeholder_user)
    browser.get("/me/")  # warm the caches (roles, session)
    # session, user, roles, stakeholder, plans, phase, forum, history, agreements, milestones
    with django_assert_num_queries(10):
        assert browser.get("/me/").status_code == 200
    for n in range(5):
        AgreementFactory.create(plan=world.plan, title=f"Otro {n}")
        MilestoneFactory.create(project=world.project, responsible=world.ana, title=f"Hito {n}")
    with django_assert_num_queries(10):
        assert browser.get("/me/").status_code == 200


def test_without_a_stakeholder_record_the_page_says_so(world: World) -> None:
    lonely = UserFactory.create(username="lonely")
    page = english(lonely).get("/me/")
    assert page.status_code == 200 and "not linked to a stakeholder" in page.content.decode()
    assert english(lonely).get("/home/").status_code == 200  # no loop: /home/ keeps a person without a record
    assert Client().get("/me/").status_code == 302  # anonymous: the login page
