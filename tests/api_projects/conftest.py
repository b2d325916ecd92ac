"""Two clusters, one plan each, and a user per role; API clients authenticated as each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from plans.models import Cluster, Plan, Role
from tests.factories import (
    ClusterFactory,
    OrganizationFactory,
    PlanFactory,
    RoleAssignmentFactory,
    StakeholderFactory,
    UserFactory,
)


@dataclass
class World:
    a: Cluster
    b: Cluster
    plan_a: Plan
    plan_b: Plan
    users: dict[str, Any]

    def client(self, who: str | None) -> APIClient:
        client = APIClient()
        if who is not None:
            client.force_authenticate(self.users[who])
        return client


@pytest.fixture
def world(db: Any) -> World:
    a, b = ClusterFactory.create(slug="a"), ClusterFactory.create(slug="b")
    plan_a = PlanFactory.create(cluster=a, status=Plan.Status.FORMULATION)
    plan_b = PlanFactory.create(cluster=b, status=Plan.Status.FORMULATION)
    users: dict[str, Any] = {"admin": UserFactory.create(username="admin", is_superuser=True, is_staff=True)}
    for name, role, cluster in [
        ("coordinator", Role.COORDINATOR, a),
        ("stakeholder", Role.STAKEHOLDER, a),
        ("auditor", Role.AUDITOR, a),
        ("coordinator_b", Role.COORDINATOR, b),
    ]:
        users[name] = UserFactory.create(username=name)
        RoleAssignmentFactory.create(user=users[name], cluster=cluster, role=role)
    for cluster in (a, b):
        OrganizationFactory.create_batch(2, cluster=cluster)
        StakeholderFactory.create(cluster=cluster)
    return World(a=a, b=b, plan_a=plan_a, plan_b=plan_b, users=users)
