"""The notifications page: the clusters a person oversees, with links and the rows waiting for them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans.models import Role
from tests.factories import PlanFactory, RoleAssignmentFactory, UserFactory
from tests.world import World, build_side

from .conftest import delivery, english, in_doubt

pytestmark = pytest.mark.django_db
URL = "/notifications/"


def test_the_coordinator_sees_their_cluster_and_the_rows_in_doubt(world: World) -> None:
    in_doubt(world)
    in_doubt(world)
    delivery(world, status="failed")
    client = english(world.coordinator)
    page = client.get(reverse("notifications:overview"))
    assert page.status_code == 200
    html = page.content.decode()
    assert world.cluster.name in html
    assert "2 messages need a decision." in html
    assert reverse("notifications:deliveries", args=[world.cluster.pk]) + "?status=in_doubt" in html
    assert reverse("notifications:reminder-policy", args=[world.plan.pk]) in html
    assert [c.pk for c in page.context["clusters"]] == [world.cluster.pk]


def test_a_stakeholder_is_told_no(world: World) -> None:
    client = english(world.stakeholder_user)
    assert client.get(URL).status_code == 403


def test_the_page_costs_the_same_queries_for_few_and_many_clusters(world: World) -> None:
    auditor = UserFactory.create(username="all-clusters")
    RoleAssignmentFactory.create(user=auditor, cluster=None, role=Role.AUDITOR)
    client = english(auditor)
    client.get(URL)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    few = count()
    for index in range(6):
        other = build_side(f"c{index}", contents="audience")
        PlanFactory.create(cluster=other.cluster, title=f"Otro plan {index}", edition=2)
        in_doubt(other, stakeholder=other.bob)
    assert count() == few
