"""Fixtures for the plans services: a real user acting through the API, a cluster and a plan."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from plans.models import Cluster, Plan, Source
from plans.services.clusters import cluster_create
from plans.services.history import Actor
from plans.services.plans import plan_create
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """These tests read messages and default titles in English, whatever LANGUAGE_CODE says."""
    with translation.override("en"):
        yield


@pytest.fixture
def actor(db) -> Actor:  # type: ignore[no-untyped-def]
    return Actor(user=UserFactory.create(username="coordinator"), source=Source.API)


@pytest.fixture
def cluster(actor: Actor) -> Cluster:
    return cluster_create(actor=actor, name="Clúster lácteo de Tucumán", slug="lacteo-tucuman")


@pytest.fixture
def plan(cluster: Cluster, actor: Actor) -> Plan:
    return plan_create(cluster_id=cluster.pk, actor=actor, title="PMC lácteo")
