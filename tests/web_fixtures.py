"""Shared arrangements for the page tests (tests/*/web/): two clusters, a user per role, and
a test client that logs one of them in and reads the pages in English."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client

from plans.access import forget_access
from plans.models import Cluster, Plan, Role
from tests.factories import ClusterFactory, PlanFactory, RoleAssignmentFactory, UserFactory


@dataclass
class People:
    dairy: Cluster
    fruit: Cluster
    dairy_plan: Plan
    fruit_plan: Plan
    users: dict[str, Any]

    def client(self, who: str | None, *, language: str = "en") -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        if who is not None:
            user = self.users[who]
            forget_access(user)
            client.force_login(user)
        return client


def build_people() -> People:
    dairy = ClusterFactory.create(name="Clúster lácteo de Tucumán", slug="lacteo")
    fruit = ClusterFactory.create(name="Frutas finas de Tucumán", slug="frutas")
    dairy_plan = PlanFactory.create(cluster=dairy, title="PMC lácteo 2012", status=Plan.Status.IN_EXECUTION)
    fruit_plan = PlanFactory.create(cluster=fruit, title="PMC frutas finas", status=Plan.Status.FORMULATION)
    users: dict[str, Any] = {
        "admin": UserFactory.create(username="admin", is_superuser=True, is_staff=True),
        "nobody": UserFactory.create(username="nobody"),
    }
    for username, cluster, role in (
        ("coordinator", dairy, Role.COORDINATOR),
        ("coordinator-fruit", fruit, Role.COORDINATOR),
        ("stakeholder", dairy, Role.STAKEHOLDER),
        ("auditor-dairy", dairy, Role.AUDITOR),
        ("auditor", None, Role.AUDITOR),
        ("coordinator-both", dairy, Role.COORDINATOR),
        ("coordinator-both", fruit, Role.COORDINATOR),
    ):
        user = users.get(username) or UserFactory.create(username=username, first_name=username.title())
        users[username] = user
        RoleAssignmentFactory.create(user=user, cluster=cluster, role=role)
    return People(dairy, fruit, dairy_plan, fruit_plan, users)
