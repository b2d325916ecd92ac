"""A small world for API tests: clusters A (own) and B (other), one user per role, and the
objects every route needs, in both clusters. Rows are arranged with factories; the
behaviour under test goes through the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from plans.access import forget_access
from plans.models import Agreement, Cluster, Phase, Plan, Role
from tests.factories import (
    AgreementFactory,
    ClusterFactory,
    ForumAttendanceFactory,
    ForumFactory,
    KeyFigureFactory,
    OrganizationFactory,
    PhaseFactory,
    PlanFactory,
    PositionFactory,
    RoleAssignmentFactory,
    StakeholderFactory,
    StrategicLineFactory,
    UserFactory,
)

ROLES = ("anonymous", "admin", "coordinator", "stakeholder", "auditor", "global_auditor")


@dataclass
class Side:
    """The objects of one cluster."""

    cluster: Cluster
    objects: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.objects[name]


@dataclass
class World:
    own: Side
    other: Side
    users: dict[str, Any]

    def side(self, which: str) -> Side:
        return self.own if which == "own" else self.other

    def client(self, role: str) -> APIClient:
        client = APIClient()
        user = self.users.get(role)
        if user is not None:
            forget_access(user)
            client.force_authenticate(user)
        return client


def build_side(slug: str) -> Side:
    cluster = ClusterFactory.create(slug=slug, name=f"Cluster {slug}")
    KeyFigureFactory.create(cluster=cluster, name="Raw milk")
    org1 = OrganizationFactory.create(cluster=cluster, name=f"{slug} dairy one")
    org2 = OrganizationFactory.create(cluster=cluster, name=f"{slug} dairy two")
    plan = PlanFactory.create(cluster=cluster, title=f"PMC {slug}")
    phases = [
        PhaseFactory.create(plan=plan, order=i, kind=kind, title=f"Phase {i}")
        for i, kind in enumerate([Phase.Kind.LAUNCH, Phase.Kind.DIAGNOSIS, Phase.Kind.STRATEGY], start=1)
    ]
    phases[0].status = Phase.Status.ACTIVE
    phases[0].actual_start = timezone.localdate()
    phases[0].save()
    forum = ForumFactory.create(phase=phases[0], plan=plan, starts_at=timezone.now() + dt.timedelta(days=3))
    attendance = ForumAttendanceFactory.create(forum=forum, organization=org1)
    agreement = AgreementFactory.create(plan=plan, phase=phases[0], title=f"Close launch {slug}")
    adopted = AgreementFactory.create(
        plan=plan, phase=phases[0], title=f"Adopted {slug}", status=Agreement.Status.ADOPTED
    )
    position = PositionFactory.create(agreement=agreement, organization=org2)
    line = StrategicLineFactory.create(plan=plan, code="L1")
    person = StakeholderFactory.create(cluster=cluster, organization=org1, name=f"Person {slug}")
    return Side(cluster, {
        "cluster": cluster, "organization": org1, "organization2": org2, "plan": plan, "phase": phases[0],
        "pending_phase": phases[1], "forum": forum, "attendance": attendance, "agreement": agreement,
        "adopted_agreement": adopted, "position": position, "strategic_line": line, "stakeholder": person,
    })


@pytest.fixture
def world(db: Any) -> World:
    own, other = build_side("own"), build_side("other")
    admin = UserFactory.create(username="admin", is_superuser=True, is_staff=True)
    coordinator = UserFactory.create(username="coordinator")
    RoleAssignmentFactory.create(user=coordinator, cluster=own.cluster, role=Role.COORDINATOR)
    coordinator_b = UserFactory.create(username="coordinator_b")
    RoleAssignmentFactory.create(user=coordinator_b, cluster=other.cluster, role=Role.COORDINATOR)
    stakeholder = UserFactory.create(username="stakeholder")
    RoleAssignmentFactory.create(user=stakeholder, cluster=own.cluster, role=Role.STAKEHOLDER)
    own["stakeholder"].user = stakeholder
    own["stakeholder"].save()
    auditor = UserFactory.create(username="auditor")
    RoleAssignmentFactory.create(user=auditor, cluster=own.cluster, role=Role.AUDITOR)
    global_auditor = UserFactory.create(username="global_auditor")
    RoleAssignmentFactory.create(user=global_auditor, cluster=None, role=Role.AUDITOR)
    users = {
        "anonymous": None, "admin": admin, "coordinator": coordinator, "coordinator_b": coordinator_b,
        "stakeholder": stakeholder, "auditor": auditor, "global_auditor": global_auditor,
    }
    return World(own=own, other=other, users=users)


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()


__all__ = ["ROLES", "Plan", "World"]
