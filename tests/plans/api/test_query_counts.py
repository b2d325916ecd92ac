"""Plans-side list endpoints run the same number of SQL queries at 3 rows and at 60 rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans.models import Phase
from tests.factories import (
    AgreementFactory,
    ForumFactory,
    KeyFigureFactory,
    OrganizationFactory,
    PhaseFactory,
    PlanFactory,
    StakeholderFactory,
    StrategicLineFactory,
)
from tests.world import World

pytestmark = pytest.mark.django_db


def grow_plans(world: World, n: int) -> None:
    for i in range(n):
        plan = PlanFactory.create(cluster=world.own.cluster, edition=100 + i)
        PhaseFactory.create(plan=plan, order=1, status=Phase.Status.ACTIVE)


def grow(factory: Any, **fixed: Callable[[World], Any]) -> Callable[[World, int], None]:
    def add(world: World, n: int) -> None:
        factory.create_batch(n, **{name: make(world) for name, make in fixed.items()})
    return add


def grow_clusters(world: World, n: int) -> None:
    from tests.factories import ClusterFactory, RoleAssignmentFactory

    for _ in range(n):
        cluster = ClusterFactory.create()
        KeyFigureFactory.create_batch(2, cluster=cluster)
        RoleAssignmentFactory.create(user=world.users["coordinator"], cluster=cluster)


def grow_forums(world: World, n: int) -> None:
    ForumFactory.create_batch(n, phase=world.own["phase"], plan=world.own["plan"])


LISTS: dict[str, Callable[[World, int], None]] = {
    "/api/v1/clusters/": grow_clusters,
    "/api/v1/organizations/": grow(OrganizationFactory, cluster=lambda w: w.own.cluster),
    "/api/v1/stakeholders/": grow(StakeholderFactory, cluster=lambda w: w.own.cluster),
    "/api/v1/plans/": grow_plans,
    "/api/v1/strategic-lines/": grow(StrategicLineFactory, plan=lambda w: w.own["plan"]),
    "/api/v1/phases/": grow(PhaseFactory, plan=lambda w: w.own["plan"]),
    "/api/v1/forums/": grow_forums,
    "/api/v1/agreements/": grow(AgreementFactory, plan=lambda w: w.own["plan"]),
}


def count(world: World, url: str) -> tuple[int, int]:
    client = world.client("coordinator")
    client.get(url)  # warm caches (content types, sessions) so both measurements compare like with like
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200
    return len(queries), response.json()["count"]


@pytest.mark.parametrize("url", list(LISTS))
def test_list_query_count_does_not_grow_with_rows(world: World, url: str) -> None:
    small, small_rows = count(world, url)
    LISTS[url](world, 60)
    large, large_rows = count(world, url)
    assert large_rows >= small_rows + 50
    assert large == small, f"{url}: {small} queries for {small_rows} rows, {large} for {large_rows}"


def test_attendance_and_positions_are_flat(world: World) -> None:
    forum, agreement = world.own["forum"], world.own["agreement"]
    urls = [f"/api/v1/forums/{forum.pk}/attendance/", f"/api/v1/agreements/{agreement.pk}/positions/"]
    client = world.client("coordinator")
    before = []
    for url in urls:
        client.get(url)  # warm-up
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        before.append(len(queries))
    from tests.factories import ForumAttendanceFactory, PositionFactory

    for _ in range(20):
        org = OrganizationFactory.create(cluster=world.own.cluster)
        ForumAttendanceFactory.create(forum=forum, organization=org)
        PositionFactory.create(agreement=agreement, organization=org)
    after = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).json()["count"] > 20
        after.append(len(queries))
    assert after == before
