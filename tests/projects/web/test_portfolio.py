"""The portfolio: every cluster's current plan at a glance, for programme administrators and
auditors of every cluster; query count flat in the number of clusters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans.access import access_for
from plans.models import Phase, Plan
from projects.models import Milestone
from tests.factories import (
    ClusterFactory,
    ForumFactory,
    FundingLineFactory,
    MilestoneFactory,
    PhaseFactory,
    PlanFactory,
    ProjectFactory,
)
from tests.world import World

pytestmark = pytest.mark.django_db


def furnish(plan: Plan, *, overdue: int = 2) -> None:
    """A plan with an active phase, a future forum, late and on-time milestones and money."""
    today = timezone.localdate()
    phase = PhaseFactory.create(plan=plan, order=1, kind=Phase.Kind.DIAGNOSIS, title="Diagnóstico participativo",
                                status=Phase.Status.ACTIVE)
    ForumFactory.create(phase=phase, plan=plan, title="Foro de lanzamiento",
                        starts_at=timezone.now() + dt.timedelta(days=5))
    ForumFactory.create(phase=phase, plan=plan, title="Foro posterior",
                        starts_at=timezone.now() + dt.timedelta(days=40))
    project = ProjectFactory.create(plan=plan)
    for n in range(overdue):
        MilestoneFactory.create(project=project, plan=plan, due_date=today - dt.timedelta(days=3 + n))
    MilestoneFactory.create(project=project, plan=plan, due_date=today - dt.timedelta(days=9),
                            status=Milestone.Status.COMPLETED, completed_on=today - dt.timedelta(days=9))
    MilestoneFactory.create(project=project, plan=plan, due_date=today + dt.timedelta(days=30))
    FundingLineFactory.create(project=project, source="programme_grant", currency="ARS", budget=Decimal("1000000.00"),
                              executed=Decimal("250000.50"))
    FundingLineFactory.create(project=project, source="provincial", currency="ARS", budget=Decimal("500000.00"),
                              executed=Decimal("0.00"))
    FundingLineFactory.create(project=project, source="private", currency="USD", budget=Decimal("20000.00"),
                              executed=Decimal("5000.00"))


def test_the_portfolio_shows_each_cluster_with_its_current_plan(people: World) -> None:
    furnish(people.own.plan)
    Plan.objects.filter(pk=people.own.plan.pk).update(progress=Decimal("37.50"))
    response = people.browser("admin").get(reverse("projects:portfolio"))
    assert response.status_code == 200
    html = response.content.decode()
    rows = {row["cluster"].name: row for row in response.context["rows"]}
    dairy = rows[people.own.cluster.name]
    assert dairy["plan"] == people.own.plan
    assert dairy["active_phase"]["title"] == "Diagnóstico participativo"
    assert dairy["milestone_counts"]["overdue"] == 2
    assert dairy["next_forum"]["title"] == "Foro de lanzamiento"
    assert dairy["money"] == [
        {"currency": "ARS", "budget": Decimal("1500000.00"), "executed": Decimal("250000.50"),
         "pending": Decimal("1249999.50")},
        {"currency": "USD", "budget": Decimal("20000.00"), "executed": Decimal("5000.00"),
         "pending": Decimal("15000.00")},
    ]
    assert reverse("projects:plan", kwargs={"plan_id": people.own.plan.pk}) in html
    assert 'value="37.50"' in html and "37 %" in html  # the bar and its figure
    assert "ARS\u00a0250,000.50" in html and "ARS\u00a01,249,999.50" in html and "USD\u00a015,000.00" in html
    fruit = rows[people.other.cluster.name]
    assert fruit["plan"] == people.other.plan and fruit["milestone_counts"]["overdue"] == 0


def test_money_and_dates_follow_the_language(people: World) -> None:
    furnish(people.own.plan)
    html = people.browser("admin", language="es").get(reverse("projects:portfolio")).content.decode()
    assert "$\u00a0250.000,50" in html and "US$\u00a015.000,00" in html


def test_a_cluster_without_a_plan_is_listed_and_says_so(people: World) -> None:
    ClusterFactory.create(name="Clúster apícola")
    html = people.browser("global_auditor").get(reverse("projects:portfolio")).content.decode()
    assert "Clúster apícola" in html
    assert "This cluster has no plan yet." in html


def test_auditors_see_no_write_control(people: World) -> None:
    furnish(people.own.plan)
    html = people.browser("global_auditor").get(reverse("projects:portfolio")).content.decode()
    main = html.split('<main id="main"')[1].split("</main>")[0]
    assert "<form" not in main and "btn-primary" not in main


@pytest.mark.parametrize("who", ["coordinator", "stakeholder", "auditor"])
def test_people_of_one_cluster_are_sent_home(people: World, who: str) -> None:
    response = people.browser(who).get(reverse("projects:portfolio"))
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:home")


def _queries(people: World) -> int:
    client = people.browser("admin")
    client.get(reverse("projects:portfolio"))  # warm the session and the caches of the first request
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("projects:portfolio")).status_code == 200
    return len(captured.captured_queries)


def test_the_query_count_is_flat_in_the_number_of_clusters(people: World) -> None:
    furnish(people.own.plan)
    small = _queries(people)
    for n in range(12):
        cluster = ClusterFactory.create(name=f"Clúster {n:02d}")
        PlanFactory.create(cluster=cluster, title=f"PMC viejo {n}", edition=1, status=Plan.Status.CLOSED)
        furnish(PlanFactory.create(cluster=cluster, title=f"PMC {n}", edition=2, status=Plan.Status.IN_EXECUTION))
    large = _queries(people)
    assert large == small, f"{small} queries for 2 clusters, {large} for 14"
    assert small <= 10


def test_the_portfolio_selector_makes_six_queries(people: World, django_assert_num_queries: Any) -> None:
    from projects.selectors import portfolio

    furnish(people.own.plan)
    user = people.users["admin"]
    access_for(user)  # the roles, loaded once per request
    with django_assert_num_queries(6):
        rows = portfolio(user)
    assert len(rows) == 2
