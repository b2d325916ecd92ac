"""A world for the projects pages: two clusters with a plan each, one user per role.

Imported by the page tests (not a conftest, so other helpers' fixtures here do not collide).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from plans.access import forget_access
from plans.models import Cluster, HistoryEvent, Organization, Plan, Role, Stakeholder
from projects.models import Milestone, Project
from tests.factories import (
    ClusterFactory,
    MilestoneFactory,
    OrganizationFactory,
    PlanFactory,
    ProjectFactory,
    RoleAssignmentFactory,
    StakeholderFactory,
    UserFactory,
)

ROLES = ("admin", "coordinator", "stakeholder", "auditor", "coordinator_b")


@dataclass
class Pages:
    a: Cluster
    b: Cluster
    plan_a: Plan
    plan_b: Plan
    project_a: Project
    project_b: Project
    orgs_a: list[Organization]
    people_a: list[Stakeholder]
    users: dict[str, Any] = field(default_factory=dict)

    def client(self, who: str | None) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        if who is not None:
            forget_access(self.users[who])
            client.force_login(self.users[who])
        return client

    def milestone(self, *, days: int, project: Project | None = None, **kwargs: Any) -> Milestone:
        """A milestone due `days` from today (negative: in the past)."""
        project = project or self.project_a
        due = timezone.localdate() + dt.timedelta(days=days)
        kwargs.setdefault("baseline_due_date", due)
        return MilestoneFactory.create(project=project, due_date=due, **kwargs)


@pytest.fixture
def pages(db: Any) -> Pages:
    a = ClusterFactory.create(slug="a", name="Dairy A")
    b = ClusterFactory.create(slug="b", name="Fruit B")
    plan_a = PlanFactory.create(cluster=a, status=Plan.Status.IN_EXECUTION, title="PMC A")
    plan_b = PlanFactory.create(cluster=b, status=Plan.Status.IN_EXECUTION, title="PMC B")
    users: dict[str, Any] = {"admin": UserFactory.create(username="admin", is_superuser=True, is_staff=True)}
    for name, role, cluster in [
        ("coordinator", Role.COORDINATOR, a),
        ("stakeholder", Role.STAKEHOLDER, a),
        ("auditor", Role.AUDITOR, a),
        ("coordinator_b", Role.COORDINATOR, b),
    ]:
        users[name] = UserFactory.create(username=name)
        RoleAssignmentFactory.create(user=users[name], cluster=cluster, role=role)
    orgs_a = [OrganizationFactory.create(cluster=a, name=f"Dairy farm {i}") for i in range(3)]
    OrganizationFactory.create(cluster=b, name="Berry farm")
    people_a = [StakeholderFactory.create(cluster=a, name=name) for name in ("Ana Ruiz", "Beto Paz")]
    StakeholderFactory.create(cluster=b, name="Carla Sur")
    return Pages(
        a=a, b=b, plan_a=plan_a, plan_b=plan_b,
        project_a=ProjectFactory.create(plan=plan_a, code="P1", title="Cold chain"),
        project_b=ProjectFactory.create(plan=plan_b, code="Q1", title="Berry packing"),
        orgs_a=orgs_a, people_a=people_a, users=users,
    )


@pytest.fixture
def new_events() -> Callable[[], list[HistoryEvent]]:
    """Call it after the action: the history events appended since the fixture was set up."""
    last = HistoryEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def events() -> list[HistoryEvent]:
        return list(HistoryEvent.objects.filter(id__gt=last).order_by("id"))

    return events


FORM_TAG = re.compile(r"<form\b[^>]*>", re.IGNORECASE)
ACTION = re.compile(r'action="([^"]*)"')
WRITE_LINK = re.compile(r'href="([^"]*/(?:edit|new|complete|reschedule|start|update)/[^"]*)"')


def write_controls(html: str) -> list[str]:
    """POST forms and links to write pages on a page, except the layout's own (log out, language)."""
    layout = {reverse("set_language"), reverse("plans:logout")}
    found = []
    for tag in FORM_TAG.findall(html):
        if 'method="post"' not in tag.lower():
            continue
        match = ACTION.search(tag)
        action = match.group(1) if match else ""
        if action not in layout:
            found.append(action)
    return found + WRITE_LINK.findall(html)
