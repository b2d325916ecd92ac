"""The one test world: clusters "own" and "other", one user per role, and what a suite needs in
them. `build_world()` is the only builder; its `contents` says what each cluster holds:

- "all" (default): every object every route needs, in both clusters (the API suites and the
  web page matrix). Rows are arranged with factories (no history).
- "plain": only a plan (in formulation), two members and a person each: for tests that count or
  fill lists themselves (the projects API).
- "recorded": a plan as it stands right after it was created through the services (draft, the
  default phases, one idea-stage project with one milestone), with the history events those
  writes recorded: the admin suites, which read and extend the chains.
- "audience": the people to notify (notification profiles: languages, time zones, who answers
  for the milestone) around an in-execution plan: the notifications suites.

`staff=True` lets the role users into the admin site. The behaviour under test goes through the
API, the pages or the services. A test reads a cluster's objects as `world.own["plan"]` or
`world.own.plan`; `world.plan` is the own cluster's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from notifications.kinds import IMPORTANT_KINDS, Kind
from notifications.models import Delivery, ReminderPolicy, Subscription
from plans.access import forget_access
from plans.models import Agreement, Cluster, Phase, Plan, Role, RoleAssignment, Source
from plans.services import clusters as cluster_services
from plans.services import plans as plan_services
from plans.services.history import Actor
from projects.models import Milestone, Project
from projects.services import milestones as milestone_services
from projects.services import projects as project_services
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

Contents = Literal["all", "plain", "recorded", "audience"]
ROLES = ("anonymous", "admin", "coordinator", "stakeholder", "auditor", "global_auditor")
SETUP = Actor.system(Source.COMMAND)
TUCUMAN = "America/Argentina/Tucuman"
# The audience's milestone is due on a fixed day because the messages about it print the date;
# tests that judge dates against today run under a clock frozen before it
# (tests/notifications/conftest.py: world_clock) or pass `now` explicitly.
AUDIENCE_DUE = dt.date(2026, 12, 15)


@dataclass
class Side:
    """The objects of one cluster: `side["plan"]` or `side.plan`."""

    cluster: Cluster
    objects: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.objects[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self.objects[name] = value

    def __getattr__(self, name: str) -> Any:
        objects = self.__dict__.get("objects")
        if name.startswith("__") or objects is None or name not in objects:
            raise AttributeError(name)
        return objects[name]


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

    def browser(self, role: str | None, *, language: str = "en") -> Client:
        """A page client of `role` (None or "anonymous": logged out) asking for `language` (the pages
        default to Spanish; tests assert English)."""
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        user = self.users.get(role) if role else None
        if user is not None:
            forget_access(user)
            client.force_login(user)
        return client

    @property
    def coordinator_actor(self) -> Actor:
        return Actor(user=self.users["coordinator"], source=Source.API)

    def __getattr__(self, name: str) -> Any:
        # The own cluster's objects, read as the world's: world.plan, world.ana.
        own = self.__dict__.get("own")
        if name.startswith("__") or own is None:
            raise AttributeError(name)
        return getattr(own, name)


def build_world(*, contents: Contents = "all", slugs: tuple[str, str] = ("own", "other"),
                staff: bool = False, extra_users: bool = False) -> World:
    """Both clusters with `contents` (see the module docstring), and one user per role.

    `extra_users` adds "nobody" (logged in, no role anywhere) and "coordinator-both" (coordinator
    of both clusters), for the pages that choose among clusters."""
    own_slug, other_slug = slugs
    if contents == "recorded":
        # Only the own cluster's milestone is late: the admin's overdue filters list exactly it.
        own = _recorded_side(own_slug, due=timezone.localdate() - dt.timedelta(days=3))
        other = _recorded_side(other_slug, due=timezone.localdate() + dt.timedelta(days=30))
    else:
        own, other = build_side(own_slug, contents=contents), build_side(other_slug, contents=contents)
    world = _with_users(own, other, staff=staff, recorded=contents == "recorded")
    users = world.users
    if extra_users:
        users["nobody"] = UserFactory.create(username="nobody")
        users["coordinator-both"] = UserFactory.create(username="coordinator-both", first_name="Coordinator-Both")
        for cluster in (own.cluster, other.cluster):
            RoleAssignmentFactory.create(user=users["coordinator-both"], cluster=cluster, role=Role.COORDINATOR)
    if contents == "all":
        own["stakeholder"].user = users["stakeholder"]
        own["stakeholder"].save()
        own["role_assignment"] = RoleAssignment.objects.get(user=users["stakeholder"])
        other["role_assignment"] = RoleAssignment.objects.get(user=users["coordinator_b"])
    if contents == "audience":
        for side, coordinator in ((own, users["coordinator"]), (other, users["coordinator_b"])):
            side["coordinator"] = coordinator
            side["coordinator_person"].user = coordinator
            side["coordinator_person"].save()
        own["ana"].user = own["stakeholder_user"] = users["stakeholder"]
        own["ana"].save()
        own["auditor"] = users["auditor"]
        # The reminder sweeps read every cluster: the other cluster's milestone is done, so they
        # find only the own one's.
        Milestone.objects.filter(pk=other["milestone"].pk).update(
            status=Milestone.Status.COMPLETED, completed_on=AUDIENCE_DUE - dt.timedelta(days=30)
        )
        other["milestone"].refresh_from_db()
    return world


def build_side(slug: str, *, contents: Contents = "all") -> Side:
    """One cluster's objects (no users: build_world adds them), e.g. for more clusters in a list."""
    if contents == "plain":
        return _plain_side(slug)
    if contents == "audience":
        return _audience_side(slug)
    if contents == "recorded":
        return _recorded_side(slug, due=timezone.localdate() + dt.timedelta(days=30))
    return _full_side(slug)


def _full_side(slug: str) -> Side:
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


def _plain_side(slug: str) -> Side:
    cluster = ClusterFactory.create(slug=slug, name=f"Cluster {slug}")
    plan = PlanFactory.create(cluster=cluster, status=Plan.Status.FORMULATION)
    OrganizationFactory.create_batch(2, cluster=cluster)
    StakeholderFactory.create(cluster=cluster)
    return Side(cluster, {"cluster": cluster, "plan": plan})


def _recorded_side(slug: str, *, due: dt.date) -> Side:
    cluster = cluster_services.cluster_create(actor=SETUP, name=f"Cluster {slug}", slug=slug)
    plan = plan_services.plan_create(cluster_id=cluster.pk, actor=SETUP, title=f"Plan {slug}")
    project = project_services.project_create(
        plan_id=plan.pk, actor=SETUP, code=f"{slug[:3].upper()}-1", title=f"Project {slug}", category="quality"
    )
    milestone = milestone_services.milestone_create(
        project_id=project.pk, actor=SETUP, title=f"Milestone {slug}", due_date=due,
    )
    return Side(cluster, {"cluster": cluster, "plan": plan, "project": project, "milestone": milestone})


def _audience_side(slug: str) -> Side:
    cluster = ClusterFactory.create(name="Clúster Lácteo de Tucumán", slug=slug, time_zone=TUCUMAN)
    plan = PlanFactory.create(cluster=cluster, title="PMC Lácteo", status=Plan.Status.IN_EXECUTION)
    project = ProjectFactory.create(plan=plan, code="P1", title="Plan de mastitis", status=Project.Status.IN_EXECUTION)
    coordinator_person = StakeholderFactory.create(
        cluster=cluster, name="Carla Coordinadora", email=f"carla-{slug}@example.org"
    )
    ana = StakeholderFactory.create(cluster=cluster, name="Ana Productora", email=f"ana-{slug}@example.org",
                                    language="es")
    bob = StakeholderFactory.create(cluster=cluster, name="Bob Buyer", email=f"bob-{slug}@example.org",
                                    language="en", time_zone="America/New_York")
    milestone = MilestoneFactory.create(project=project, title="Muestreo de tambos", responsible=ana,
                                        due_date=AUDIENCE_DUE)
    return Side(cluster, {
        "cluster": cluster, "plan": plan, "project": project, "milestone": milestone,
        "coordinator_person": coordinator_person,  # the coordinator's own stakeholder record
        "ana": ana,  # Spanish, answers for the milestone; the stakeholder user's record in the own cluster
        "bob": bob,  # English, New York
    })


def _with_users(own: Side, other: Side, *, staff: bool = False, recorded: bool = False) -> World:
    admin = UserFactory.create(username="admin", is_superuser=True, is_staff=True)
    users: dict[str, Any] = {"anonymous": None, "admin": admin}
    for name, role, cluster in [
        ("coordinator", Role.COORDINATOR, own.cluster),
        ("coordinator_b", Role.COORDINATOR, other.cluster),
        ("stakeholder", Role.STAKEHOLDER, own.cluster),
        ("auditor", Role.AUDITOR, own.cluster),
        ("global_auditor", Role.AUDITOR, None),
    ]:
        users[name] = UserFactory.create(username=name, is_staff=staff)
        if recorded:
            cluster_id = cluster.pk if cluster else None
            cluster_services.role_assign(user_id=users[name].pk, cluster_id=cluster_id, role=role, actor=SETUP)
        else:
            RoleAssignmentFactory.create(user=users[name], cluster=cluster, role=role)
    return World(own=own, other=other, users=users)


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture
def plain_world(db: Any) -> World:
    return build_world(contents="plain")


@pytest.fixture
def people(db: Any, settings: Any) -> World:
    """The page suites' world: both clusters with a plan each, one user per role and the extra users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world(contents="plain", slugs=("lacteo", "frutas"), extra_users=True)


# The admin suites (tests/{plans,projects}/admin/conftest.py import these): the recorded world,
# its clusters under the names those tests use, and a browser per kind of admin user.
@pytest.fixture
def admin_world(db: Any) -> World:
    return build_world(contents="recorded", slugs=("dairy", "fruit"), staff=True)


@pytest.fixture
def dairy(admin_world: World) -> Side:
    return admin_world.own


@pytest.fixture
def fruit(admin_world: World) -> Side:
    return admin_world.other


def admin_site_client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(admin_world: World) -> Client:
    return admin_site_client(admin_world.users["admin"])


@pytest.fixture
def coordinator(admin_world: World) -> Any:
    """The coordinator of the dairy cluster only."""
    return admin_world.users["coordinator"]


@pytest.fixture
def coordinator_client(coordinator: Any) -> Client:
    return admin_site_client(coordinator)


@pytest.fixture
def auditor_client(admin_world: World) -> Client:
    """An auditor of all clusters."""
    return admin_site_client(admin_world.users["global_auditor"])


# Imported by the API suites' conftest.py files (tests/{config,plans,projects,notifications}/api/).
@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()
