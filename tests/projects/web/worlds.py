"""A small world for the plan page and the milestone actions: cluster A (with a coordinator, a
stakeholder and an auditor) and cluster B (with its own coordinator), one plan each."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from plans.access import forget_access
from plans.models import Cluster, Phase, Plan, Role
from projects.models import Milestone, Project
from tests import factories as f

ROLES = ("admin", "coordinator", "stakeholder", "auditor", "coordinator_b")


@dataclass
class PlanWorld:
    a: Cluster
    b: Cluster
    plan: Plan
    plan_b: Plan
    project: Project
    overdue: Milestone
    soon: Milestone
    milestone_b: Milestone
    users: dict[str, Any] = field(default_factory=dict)

    def client(self, who: str | None) -> Client:
        """A browser of `who` (None: anonymous) reading English, the language tests assert."""
        client = Client(headers={"accept-language": "en"})
        if who is not None:
            forget_access(self.users[who])
            client.force_login(self.users[who])
        return client


def add_projects(plan: Plan, count: int, milestones_each: int) -> None:
    """More rows of every kind the page lists, for the query-count comparison."""
    today = timezone.localdate()
    line = f.StrategicLineFactory.create(plan=plan)
    person = f.StakeholderFactory.create(cluster=plan.cluster)
    for _ in range(count):
        project = f.ProjectFactory.create(plan=plan, strategic_line=line)
        f.FundingLineFactory.create(project=project, source="private", currency="USD", budget=Decimal("10.00"))
        for j in range(milestones_each):
            due = today + dt.timedelta(days=j * 5 - 8)
            f.MilestoneFactory.create(project=project, responsible=person, due_date=due)
        indicator = f.IndicatorFactory.create(plan=plan, project=project)
        for k in range(3):
            f.MeasurementFactory.create(indicator=indicator, measured_on=today - dt.timedelta(days=k))
        agreement = f.AgreementFactory.create(plan=plan)
        f.PositionFactory.create(agreement=agreement)


@pytest.fixture
def plan_world(db: Any, settings: Any) -> PlanWorld:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    today = timezone.localdate()
    a = f.ClusterFactory.create(slug="lacteo", name="Clúster Lácteo de Tucumán")
    b = f.ClusterFactory.create(slug="frutas", name="Frutas finas")
    plan = f.PlanFactory.create(cluster=a, title="PMC Lácteo", status=Plan.Status.IN_EXECUTION)
    plan_b = f.PlanFactory.create(cluster=b, title="PMC Frutas", status=Plan.Status.IN_EXECUTION)
    f.PhaseFactory.create(plan=plan, order=1, title="Diagnóstico", status=Phase.Status.ACTIVE)
    f.PhaseFactory.create(plan=plan, order=2, title="Estrategia")
    line = f.StrategicLineFactory.create(plan=plan, code="E1", title="Calidad de leche")
    project = f.ProjectFactory.create(plan=plan, strategic_line=line, code="P-01", title="Laboratorio de calidad",
                                      status=Project.Status.IN_EXECUTION)
    f.FundingLineFactory.create(project=project, source="programme_grant", currency="ARS", budget=Decimal("1000.00"),
                                executed=Decimal("250.00"))
    person = f.StakeholderFactory.create(cluster=a, name="Ana Ruiz")
    overdue = f.MilestoneFactory.create(project=project, title="Equipar el laboratorio", responsible=person,
                                        due_date=today - dt.timedelta(days=5))
    soon = f.MilestoneFactory.create(project=project, title="Primer muestreo", due_date=today + dt.timedelta(days=3))
    project_b = f.ProjectFactory.create(plan=plan_b, code="F-01")
    milestone_b = f.MilestoneFactory.create(project=project_b, title="Cámara de frío",
                                            due_date=today - dt.timedelta(days=2))
    users: dict[str, Any] = {"admin": f.UserFactory.create(username="admin", is_superuser=True, is_staff=True)}
    for name, role, cluster in [
        ("coordinator", Role.COORDINATOR, a),
        ("stakeholder", Role.STAKEHOLDER, a),
        ("auditor", Role.AUDITOR, a),
        ("coordinator_b", Role.COORDINATOR, b),
    ]:
        users[name] = f.UserFactory.create(username=name)
        f.RoleAssignmentFactory.create(user=users[name], cluster=cluster, role=role)
    return PlanWorld(a=a, b=b, plan=plan, plan_b=plan_b, project=project, overdue=overdue, soon=soon,
                     milestone_b=milestone_b, users=users)
