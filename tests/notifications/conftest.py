"""A small cluster with people to notify: built with factories (no history), changed with services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine

from plans.models import Cluster, Plan, Role, Source, Stakeholder
from plans.services.history import Actor
from projects.models import Milestone, Project
from tests.factories import (
    ClusterFactory,
    MilestoneFactory,
    PlanFactory,
    ProjectFactory,
    RoleAssignmentFactory,
    StakeholderFactory,
    UserFactory,
)


@dataclass
class World:
    cluster: Cluster
    plan: Plan
    project: Project
    milestone: Milestone
    coordinator: Any  # the user
    coordinator_person: Stakeholder
    ana: Stakeholder  # Spanish, responsible for the milestone
    bob: Stakeholder  # English, New York
    auditor: Any
    stakeholder_user: Any

    @property
    def coordinator_actor(self) -> Actor:
        return Actor(user=self.coordinator, source=Source.API)


def build_world(*, slug: str = "lacteo") -> World:
    cluster = ClusterFactory.create(name="Clúster Lácteo de Tucumán", slug=slug,
                                    time_zone="America/Argentina/Tucuman")
    plan = PlanFactory.create(cluster=cluster, title="PMC Lácteo", status=Plan.Status.IN_EXECUTION)
    project = ProjectFactory.create(plan=plan, code="P1", title="Plan de mastitis", status=Project.Status.IN_EXECUTION)
    coordinator = UserFactory.create(username=f"coord-{slug}", email=f"coord-{slug}@example.org")
    RoleAssignmentFactory.create(user=coordinator, cluster=cluster, role=Role.COORDINATOR)
    coordinator_person = StakeholderFactory.create(
        cluster=cluster, name="Carla Coordinadora", email=f"carla-{slug}@example.org", user=coordinator
    )
    stakeholder_user = UserFactory.create(username=f"ana-{slug}", email=f"ana-{slug}@example.org")
    RoleAssignmentFactory.create(user=stakeholder_user, cluster=cluster, role=Role.STAKEHOLDER)
    ana = StakeholderFactory.create(cluster=cluster, name="Ana Productora", email=f"ana-{slug}@example.org",
                                    language="es", user=stakeholder_user)
    bob = StakeholderFactory.create(cluster=cluster, name="Bob Buyer", email=f"bob-{slug}@example.org",
                                    language="en", time_zone="America/New_York")
    auditor = UserFactory.create(username=f"auditor-{slug}")
    RoleAssignmentFactory.create(user=auditor, cluster=cluster, role=Role.AUDITOR)
    milestone = MilestoneFactory.create(
        project=project, title="Muestreo de tambos", responsible=ana,
        due_date=dt.date(2026, 12, 15),
    )
    return World(cluster, plan, project, milestone, coordinator, coordinator_person, ana, bob, auditor,
                 stakeholder_user)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


# The world's dates are fixed (a milestone due 2026-12-15); the services judge the dates they are
# given against today, so tests that write fixed dates through them run on this day.
WORLD_TODAY = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def world_clock() -> Iterator[None]:
    with time_machine.travel(WORLD_TODAY, tick=True):
        yield


def spanish_subject() -> str:
    """The completion subject as a Spanish reader gets it, written out (a missing translation fails)."""
    return "[Clúster Lácteo de Tucumán] Hito completado: Muestreo de tambos"
