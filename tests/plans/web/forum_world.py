"""A small world for the forum, agreement and phase pages: an own cluster with one user per
role, another cluster with its own coordinator, a plan with an active phase and a forum, and
a few member organizations. Rows are arranged with factories; the pages do the behaviour."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.test import Client
from django.utils import timezone

from plans.access import forget_access
from plans.models import Agreement, Cluster, Forum, Organization, Phase, Plan, Role, Stakeholder
from tests.factories import (
    ClusterFactory,
    ForumFactory,
    OrganizationFactory,
    PhaseFactory,
    PlanFactory,
    RoleAssignmentFactory,
    StakeholderFactory,
    UserFactory,
)

TUCUMAN = "America/Argentina/Tucuman"


@dataclass
class World:
    cluster: Cluster
    plan: Plan
    phase: Phase
    next_phase: Phase
    forum: Forum
    organizations: list[Organization]
    people: list[Stakeholder]
    other_cluster: Cluster
    other_plan: Plan
    other_forum: Forum
    other_organization: Organization
    users: dict[str, Any] = field(default_factory=dict)

    def client(self, role: str) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        if role != "anonymous":
            client.force_login(self.users[role])
        return client


def forum_day() -> dt.date:
    """The world's forum is two months ahead, whenever the tests run (no fixed date becomes the past)."""
    return timezone.localdate() + dt.timedelta(days=60)


def add_members(cluster: Cluster, n: int, *, people_each: int = 1) -> list[Organization]:
    organizations = [OrganizationFactory.create(cluster=cluster, locality="Trancas") for _ in range(n)]
    for organization in organizations:
        for _ in range(people_each):
            StakeholderFactory.create(cluster=cluster, organization=organization)
    return organizations


def build_world() -> World:
    cluster = ClusterFactory.create(name="Clúster lácteo", time_zone=TUCUMAN)
    plan = PlanFactory.create(cluster=cluster, title="PMC lácteo", status=Plan.Status.FORMULATION)
    phase = PhaseFactory.create(plan=plan, order=1, kind=Phase.Kind.DIAGNOSIS, title="Diagnóstico",
                                status=Phase.Status.ACTIVE,
                                actual_start=timezone.localdate())
    next_phase = PhaseFactory.create(plan=plan, order=2, title="Estrategia")
    forum = ForumFactory.create(
        phase=phase, title="Taller de diagnóstico", venue="Sociedad Rural", address="Camino del Perú 1050",
        starts_at=dt.datetime.combine(forum_day(), dt.time(12, 0), dt.UTC),  # 09:00 in Tucumán
        ends_at=dt.datetime.combine(forum_day(), dt.time(15, 0), dt.UTC),
        agenda="Apertura\nFODA",
    )
    tambo = OrganizationFactory.create(cluster=cluster, name="Tambo La Esperanza", locality="Trancas")
    usina = OrganizationFactory.create(cluster=cluster, name="Usina Láctea del Norte", locality="Tafí")
    inta = OrganizationFactory.create(cluster=cluster, name="INTA Famaillá", locality="Famaillá",
                                      membership=Organization.Membership.ADHERENT)
    people = [
        StakeholderFactory.create(cluster=cluster, organization=tambo, name="Rosa Quiroga"),
        StakeholderFactory.create(cluster=cluster, organization=usina, name="Julio Paz"),
        StakeholderFactory.create(cluster=cluster, organization=None, name="Marta Suárez"),
    ]
    other_cluster = ClusterFactory.create(name="Clúster frutícola")
    other_plan = PlanFactory.create(cluster=other_cluster, status=Plan.Status.FORMULATION)
    other_phase = PhaseFactory.create(plan=other_plan, order=1, status=Phase.Status.ACTIVE)
    other_forum = ForumFactory.create(phase=other_phase)
    world = World(
        cluster=cluster, plan=plan, phase=phase, next_phase=next_phase, forum=forum,
        organizations=[tambo, usina, inta], people=people, other_cluster=other_cluster, other_plan=other_plan,
        other_forum=other_forum, other_organization=OrganizationFactory.create(cluster=other_cluster),
    )
    world.users["admin"] = UserFactory.create(username="w-admin", is_superuser=True, is_staff=True)
    for role in (Role.COORDINATOR, Role.STAKEHOLDER, Role.AUDITOR):
        user = UserFactory.create(username=f"w-{role}")
        RoleAssignmentFactory.create(user=user, cluster=cluster, role=role)
        world.users[str(role)] = user
    outsider = UserFactory.create(username="w-other-coordinator")
    RoleAssignmentFactory.create(user=outsider, cluster=other_cluster, role=Role.COORDINATOR)
    world.users["other_coordinator"] = outsider
    for user in world.users.values():
        forget_access(user)
    return world


def open_agreement(world: World, **fields: Any) -> Agreement:
    from tests.factories import AgreementFactory

    return AgreementFactory.create(plan=world.plan, phase=world.phase, title="Metodología del relevamiento",
                                   text="Encuesta a productores.", **fields)
