"""Every list endpoint and the dashboard run the same number of SQL queries at 5 and 200 rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans.access import forget_access
from plans.models import HistoryEvent, Organization, Phase, Plan, StrategicLine
from projects.models import (
    FundingLine,
    Indicator,
    Measurement,
    Milestone,
    MilestoneUpdate,
    Project,
    ProjectBeneficiary,
)
from tests.factories import ForumFactory, IndicatorFactory, MilestoneFactory, ProjectFactory
from tests.world import World

pytestmark = pytest.mark.django_db

SMALL, LARGE = 5, 200


def add_projects(plan: Plan, count: int, *, milestones_each: int = 2) -> None:
    """Projects with funding in two currencies, two beneficiaries and milestones in every state."""
    start = Project.objects.filter(plan=plan).count()
    line = StrategicLine.objects.get_or_create(plan=plan, code="L1", defaults={"title": "Calidad"})[0]
    orgs = list(Organization.objects.filter(cluster_id=plan.cluster_id)[:2])
    projects = Project.objects.bulk_create(
        Project(plan=plan, code=f"P{start + i:04d}", title=f"Project {i}", category="quality", strategic_line=line)
        for i in range(count)
    )
    FundingLine.objects.bulk_create(
        FundingLine(project=p, source=src, currency=cur, budget=Decimal("1000.50"))
        for p in projects for src, cur in (("programme_grant", "ARS"), ("private", "USD"))
    )
    ProjectBeneficiary.objects.bulk_create(
        ProjectBeneficiary(project=p, organization=o) for p in projects for o in orgs
    )
    today = timezone.localdate()
    statuses = ["pending", "in_progress", "completed", "cancelled"]
    Milestone.objects.bulk_create(
        Milestone(
            project=p, plan=plan, title=f"M{j}", due_date=today + dt.timedelta(days=j * 7 - 10),
            baseline_due_date=today, status=statuses[j % 4],
            completed_on=today if statuses[j % 4] == "completed" else None,
        )
        for p in projects for j in range(milestones_each)
    )


def add_history(plan: Plan, count: int) -> None:
    start = HistoryEvent.objects.filter(chain_id=plan.cluster_id).count()
    HistoryEvent.objects.bulk_create(
        HistoryEvent(
            chain_id=plan.cluster_id, chain_seq=start + i + 1, occurred_at=timezone.now(), source="api",
            action="update", object_type="plans.plan", object_id=plan.pk, plan_id=plan.pk,
            changes={"title": ["a", "b"]}, prev_hash="0" * 64, hash=f"{start + i:064d}",
        )
        for i in range(count)
    )


def queries_for(world: World, who: str, url: str) -> tuple[int, Any]:
    forget_access(world.users[who])  # each request loads the user's roles afresh, as in production
    client = world.client(who)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()


def assert_flat(world: World, url: str, grow: Callable[[int], object], rows: Callable[[Any], int]) -> None:
    grow(SMALL)
    small, body = queries_for(world, "coordinator", url)
    assert rows(body) == SMALL
    grow(LARGE - SMALL)
    large, body = queries_for(world, "coordinator", url)
    assert rows(body) == LARGE
    assert large == small, f"{url}: {small} queries at {SMALL} rows, {large} at {LARGE}"


def count_results(body: Any) -> int:
    return len(body["results"])


def test_project_list_is_flat(world: World) -> None:
    url = f"/api/v1/projects/?plan={world.own['plan'].pk}&page_size=200&status=idea&ordering=-code&search=Project"
    assert_flat(world, url, lambda n: add_projects(world.own["plan"], n), count_results)


def test_project_list_rows_carry_funding_beneficiaries_and_counts(world: World) -> None:
    add_projects(world.own["plan"], 1, milestones_each=4)
    _, body = queries_for(world, "coordinator", "/api/v1/projects/")
    row = body["results"][0]
    assert row["budget_total"] == [
        {"currency": "ARS", "budget": "1000.50", "executed": "0.00", "pending": "1000.50"},
        {"currency": "USD", "budget": "1000.50", "executed": "0.00", "pending": "1000.50"},
    ]
    assert len(row["funding"]) == 2 and len(row["beneficiaries"]) == 2
    # due -10 (pending: overdue), -3 (in progress: overdue), +4 (completed), +11 (cancelled)
    assert row["milestone_counts"] == {"total": 4, "completed": 1, "overdue": 2, "due_soon": 0}


def test_milestone_list_is_flat(world: World) -> None:
    project = ProjectFactory.create(plan=world.own["plan"])
    url = f"/api/v1/milestones/?plan={world.own['plan'].pk}&page_size=200&due_after=2000-01-01&ordering=due_date"

    def grow(n: int) -> None:
        MilestoneFactory.create_batch(n, project=project)

    assert_flat(world, url, grow, count_results)


def test_dashboard_is_flat(world: World) -> None:
    phase = Phase.objects.create(plan=world.own["plan"], order=1, kind="launch", title="Lanzamiento")
    ForumFactory.create(phase=phase)
    url = f"/api/v1/plans/{world.own['plan'].pk}/dashboard/"

    def grow(n: int) -> None:
        add_projects(world.own["plan"], n)
        add_history(world.own["plan"], n)

    assert_flat(world, url, grow, lambda body: len(body["projects"]))
    _, body = queries_for(world, "coordinator", url)
    assert len(body["history"]) == 20
    assert body["history"][0]["id"] > body["history"][-1]["id"]
    assert body["milestone_counts"]["total"] == 2 * LARGE
    assert body["next_forum"]["phase"] == phase.pk


def test_indicator_and_measurement_lists_are_flat(world: World) -> None:
    assert_flat(
        world, "/api/v1/indicators/?page_size=200",
        lambda n: IndicatorFactory.create_batch(n, plan=world.own["plan"]), count_results,
    )
    indicator = Indicator.objects.first()
    assert indicator is not None
    today = timezone.localdate()

    def grow(n: int) -> None:
        done = Measurement.objects.filter(indicator=indicator).count()
        Measurement.objects.bulk_create(
            Measurement(indicator=indicator, measured_on=today - dt.timedelta(days=done + i), value=Decimal(i))
            for i in range(n)
        )

    assert_flat(world, f"/api/v1/indicators/{indicator.pk}/measurements/?page_size=200", grow, count_results)


def test_milestone_updates_list_is_flat(world: World) -> None:
    milestone = MilestoneFactory.create(project=ProjectFactory.create(plan=world.own["plan"]))

    def grow(n: int) -> None:
        MilestoneUpdate.objects.bulk_create(
            MilestoneUpdate(milestone=milestone, posted_on=timezone.localdate(), note=f"n{i}") for i in range(n)
        )

    assert_flat(world, f"/api/v1/milestones/{milestone.pk}/updates/?page_size=200", grow, count_results)
