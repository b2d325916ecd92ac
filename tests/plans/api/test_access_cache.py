"""Roles cached across reads: one query less, dropped when a role changes, never used for writes."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans.access import forget_access
from plans.models import Role, RoleAssignment
from tests.factories import ProjectFactory
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def access_cache_on(settings):  # type: ignore[no-untyped-def]
    settings.PMC_ACCESS_CACHE_SECONDS = 30
    cache.clear()
    yield
    cache.clear()


def get(world: World, who: str, url: str) -> tuple[int, int]:
    forget_access(world.users[who])  # a new request: only the shared cache remembers
    with CaptureQueriesContext(connection) as ctx:
        status = world.client(who).get(url).status_code
    return status, len(ctx.captured_queries)


def test_second_read_takes_roles_from_the_cache(world: World) -> None:
    first = get(world, "coordinator", "/api/v1/projects/")
    second = get(world, "coordinator", "/api/v1/projects/")
    assert first[0] == second[0] == 200
    assert second[1] == first[1] - 1


def test_revoking_a_role_drops_the_cached_roles(world: World) -> None:
    project = ProjectFactory.create(plan=world.own["plan"])
    url = f"/api/v1/projects/{project.pk}/"
    assert get(world, "stakeholder", url)[0] == 200
    RoleAssignment.objects.filter(user=world.users["stakeholder"]).delete()
    assert get(world, "stakeholder", url)[0] == 404
    RoleAssignment.objects.create(user=world.users["stakeholder"], cluster=world.own.cluster, role=Role.STAKEHOLDER)
    assert get(world, "stakeholder", url)[0] == 200


def test_writes_never_use_cached_roles(world: World) -> None:
    project = ProjectFactory.create(plan=world.own["plan"])
    assert get(world, "coordinator", f"/api/v1/projects/{project.pk}/")[0] == 200  # roles now cached
    # A change that bypasses signals leaves the cache stale, but writes read the database.
    RoleAssignment.objects.filter(user=world.users["coordinator"]).update(role=Role.AUDITOR)
    forget_access(world.users["coordinator"])
    response = world.client("coordinator").patch(f"/api/v1/projects/{project.pk}/", {"title": "x"}, format="json")
    assert response.status_code == 403
