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

from notifications.kinds import IMPORTANT_KINDS, Kind
from notifications.models import Delivery, ReminderPolicy, Subscription
from plans.access import forget_access
from plans.models import Agreement, Cluster, Phase, Plan, Role, RoleAssignment
from tests.factories import (
    AgreementFactory,
    ClusterFactory,
    ForumAttendanceFactory,
    ForumFactory,
    FundingLineFactory,
    IndicatorFactory,
    KeyFigureFactory,
    MilestoneFactory,
    OrganizationFactory,
    PhaseFactory,
    PlanFactory,
    PositionFactory,
    ProjectBeneficiaryFactory,
    ProjectFactory,
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
    plan = PlanFactory.create(cluster=cluster, title=f"PMC {slug}", status=Plan.Status.FORMULATION)
    phases = [
        PhaseFactory.create(plan=plan, order=i, kind=kind, title=f"Phase {i}")
        for i, kind in enumerate([Phase.Kind.LAUNCH, Phase.Kind.DIAGNOSIS, Phase.Kind.STRATEGY], start=1)
    ]
    Phase.objects.filter(pk=phases[0].pk).update(status=Phase.Status.ACTIVE, actual_start=timezone.localdate())
    phases[0].refresh_from_db()
    # An approved earlier edition whose first phase is pending: startable, reformulable, no reminder policy.
    approved = PlanFactory.create(cluster=cluster, title=f"PMC {slug} 2010", edition=2, status=Plan.Status.APPROVED)
    startable = PhaseFactory.create(plan=approved, order=1, kind=Phase.Kind.MONITORING, title="Seguimiento")
    forum = ForumFactory.create(phase=phases[0], plan=plan, starts_at=timezone.now() + dt.timedelta(days=3))
    past_forum = ForumFactory.create(phase=phases[0], plan=plan, starts_at=timezone.now() - dt.timedelta(hours=5))
    attendance = ForumAttendanceFactory.create(forum=forum, organization=org1)
    agreement = AgreementFactory.create(plan=plan, phase=phases[0], title=f"Close launch {slug}")
    adopted = AgreementFactory.create(
        plan=plan, phase=phases[0], title=f"Adopted {slug}", status=Agreement.Status.ADOPTED
    )
    position = PositionFactory.create(agreement=agreement, organization=org2)
    line = StrategicLineFactory.create(plan=plan, code="L1")
    unused_line = StrategicLineFactory.create(plan=plan, code="L2")
    person = StakeholderFactory.create(cluster=cluster, organization=org1, name=f"Person {slug}")
    project = ProjectFactory.create(plan=plan, strategic_line=line, code=f"P-{slug}")
    ProjectBeneficiaryFactory.create(project=project, organization=org1)
    funding_line = FundingLineFactory.create(project=project)
    milestone = MilestoneFactory.create(project=project, plan=plan, responsible=person)
    indicator = IndicatorFactory.create(plan=plan)
    subscription = Subscription.objects.create(
        stakeholder=person, scope=Subscription.Scope.PLAN, scope_id=plan.pk, events=IMPORTANT_KINDS
    )
    policy = ReminderPolicy.objects.create(plan=plan)
    delivery = Delivery.objects.create(
        dedup_key=f"test-{slug}", kind=Kind.FORUM_SCHEDULED, to_email=person.email, cluster=cluster,
        stakeholder=person, plan_id=plan.pk,
    )
    return Side(cluster, {
        "cluster": cluster, "organization": org1, "organization2": org2, "plan": plan, "phase": phases[0],
        "pending_phase": phases[1], "approved_plan": approved, "plan2": approved, "startable_phase": startable,
        "forum": forum, "past_forum": past_forum, "attendance": attendance, "agreement": agreement,
        "adopted_agreement": adopted, "position": position, "strategic_line": line, "unused_line": unused_line,
        "stakeholder": person, "project": project, "funding_line": funding_line, "milestone": milestone,
        "indicator": indicator, "subscription": subscription, "reminder_policy": policy, "delivery": delivery,
    })


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


def build_world() -> World:
    """Both clusters and one user per role (the web page matrix builds the same world)."""
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
    own.objects["role_assignment"] = RoleAssignment.objects.get(user=stakeholder)
    other.objects["role_assignment"] = RoleAssignment.objects.get(user=coordinator_b)
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
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()

