"""Fixtures for the audit tests: a cluster and plan built through the recording core, users in each role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from plans.models import Cluster, Plan, Role, RoleAssignment
from tests.factories import UserFactory

from .helpers import make_cluster, make_plan


@pytest.fixture
def on_sqlite() -> None:
    """For tests of SQLite-only behaviour; deselected in the PostgreSQL pass (below)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("runs in the SQLite pass of the suite")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    if "sqlite" in settings.DATABASES["default"]["ENGINE"]:
        return
    sqlite_only = [item for item in items if "on_sqlite" in getattr(item, "fixturenames", ())]
    if sqlite_only:
        config.hook.pytest_deselected(items=sqlite_only)
        items[:] = [item for item in items if item not in sqlite_only]


@pytest.fixture
def cluster(db: Any) -> Cluster:
    return make_cluster()


@pytest.fixture
def plan(cluster: Cluster) -> Plan:
    return make_plan(cluster)


@pytest.fixture
def user_with_role(db: Any) -> Callable[..., Any]:
    def make(username: str, role: str | None, cluster: Cluster | None = None, superuser: bool = False) -> Any:
        user = UserFactory.create(username=username, is_superuser=superuser, is_staff=superuser)
        if role:
            RoleAssignment.objects.create(user=user, cluster=cluster, role=role)
        return user

    return make


@pytest.fixture
def client_for() -> Callable[[Any], APIClient]:
    def make(user: Any) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def auditor(user_with_role: Callable[..., Any], cluster: Cluster) -> Any:
    return user_with_role("auditor", Role.AUDITOR, cluster)

