"""The one test world: clusters A (own) and B (other), one user per role, and the objects
every route needs, in both clusters. Rows are arranged with factories (no history); the
behaviour under test goes through the API, the pages or the services.

The API suites (tests/*/api/) and the web page matrix use it directly; the admin and
notifications suites add what only they need on top (tests/admin_fixtures.py,
tests/notifications/conftest.py)."""

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
    """Both clusters with every object, and one user per role (the web page matrix builds the same world)."""
    world = _with_users(build_side("own"), build_side("other"))
    own = world.own
    own["stakeholder"].user = world.users["stakeholder"]
    own["stakeholder"].save()
    own.objects["role_assignment"] = RoleAssignment.objects.get(user=world.users["stakeholder"])
    world.other.objects["role_assignment"] = RoleAssignment.objects.get(user=world.users["coordinator_b"])
    return world


def build_plain_world() -> World:
    """The same clusters and users with only a plan (in formulation), two members and a person each:
    for tests that count or fill lists themselves."""
    sides = []
    for slug in ("own", "other"):
        cluster = ClusterFactory.create(slug=slug, name=f"Cluster {slug}")
        plan = PlanFactory.create(cluster=cluster, status=Plan.Status.FORMULATION)
        OrganizationFactory.create_batch(2, cluster=cluster)
        StakeholderFactory.create(cluster=cluster)
        sides.append(Side(cluster, {"cluster": cluster, "plan": plan}))
    return _with_users(*sides)


def _with_users(own: Side, other: Side) -> World:
    admin = UserFactory.create(username="admin", is_superuser=True, is_staff=True)
    users: dict[str, Any] = {"anonymous": None, "admin": admin}
    for name, role, cluster in [
        ("coordinator", Role.COORDINATOR, own.cluster),
        ("coordinator_b", Role.COORDINATOR, other.cluster),
        ("stakeholder", Role.STAKEHOLDER, own.cluster),
        ("auditor", Role.AUDITOR, own.cluster),
        ("global_auditor", Role.AUDITOR, None),
    ]:
        users[name] = UserFactory.create(username=name)
        RoleAssignmentFactory.create(user=users[name], cluster=cluster, role=role)
    return World(own=own, other=other, users=users)


@pytest.fixture
def plain_world(db: Any) -> World:
    return build_plain_world()


# Imported by the API suites' conftest.py files (tests/{config,plans,projects,notifications}/api/).
@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()

