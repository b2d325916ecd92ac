"""Fixtures for the projects services: a cluster with members, a plan, an acting coordinator."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model

from plans.models import Cluster, HistoryEvent, Organization, Plan, Source
from plans.services.history import Actor
from projects.models import Project
from tests import factories as f


@pytest.fixture
def cluster() -> Cluster:
    return f.ClusterFactory.create(slug="frutas-finas", name="Norpatagónico de Frutas Finas")


@pytest.fixture
def members(cluster: Cluster) -> list[Organization]:
    return [f.OrganizationFactory.create(cluster=cluster, name=f"Sample producer {i}") for i in range(3)]


@pytest.fixture
def outsider() -> Organization:
    """A member of another cluster."""
    return f.OrganizationFactory.create(name="Sample foreign firm")


@pytest.fixture
def plan(cluster: Cluster) -> Plan:
    return f.PlanFactory.create(cluster=cluster, status=Plan.Status.IN_EXECUTION)


@pytest.fixture
def project(plan: Plan) -> Project:
    return f.ProjectFactory.create(plan=plan, code="P1", title="Cold rooms")


@pytest.fixture
def actor() -> Actor:
    # Created directly: hashing a password would cost ~0.4 s per test and is not under test here.
    return Actor(user=get_user_model().objects.create(username="coordinator"), source=Source.API)


@pytest.fixture
def new_events() -> Callable[[], list[HistoryEvent]]:
    """Call it after the action: the history events appended since the fixture was set up."""
    last = HistoryEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def events() -> list[HistoryEvent]:
        return list(HistoryEvent.objects.filter(id__gt=last).order_by("id"))

    return events
