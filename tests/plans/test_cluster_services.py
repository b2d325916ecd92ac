"""Cluster services: clusters, key figures, organizations, stakeholders and role assignments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plans.errors import Conflict, StaleVersion, ValidationFailed
from plans.models import Cluster, HistoryEvent, KeyFigure, Organization, Role, RoleAssignment
from plans.services.clusters import (
    cluster_create,
    cluster_update,
    key_figure_set,
    organization_create,
    organization_update,
    role_assign,
    role_revoke,
    stakeholder_create,
    stakeholder_update,
)
from plans.services.history import Actor
from tests.factories import ClusterFactory, OrganizationFactory, UserFactory
from tests.plans.helpers import NewEvents

pytestmark = pytest.mark.django_db


def test_cluster_create_starts_its_own_chain(actor: Actor) -> None:
    with NewEvents() as spy:
        cluster = cluster_create(actor=actor, name="Frutas finas", slug="frutas-finas", province="Río Negro")
    event = spy.one()
    assert event.chain_id == cluster.pk and event.chain_seq == 1 and event.actor_id == actor.user_id
    assert event.source == "api" and event.changes["province"] == [None, "Río Negro"]


def test_cluster_create_refuses_a_duplicate_slug(cluster: Cluster, actor: Actor) -> None:
    with NewEvents() as spy, pytest.raises(ValidationFailed) as exc:
        cluster_create(actor=actor, name="Otro", slug=cluster.slug)
    assert "slug" in exc.value.errors and spy.events == []


def test_cluster_update_and_stale_version(cluster: Cluster, actor: Actor) -> None:
    with NewEvents() as spy:
        cluster_update(cluster_id=cluster.pk, actor=actor, values={"sector": "lácteo"}, expected_version=1)
    assert spy.one().changes == {"sector": ["", "lácteo"]}
    with pytest.raises(StaleVersion):
        cluster_update(cluster_id=cluster.pk, actor=actor, values={"sector": "x"}, expected_version=1)
    with pytest.raises(ValidationFailed):
        cluster_update(cluster_id=cluster.pk, actor=actor, values={"version": 9})


def test_key_figure_set_creates_then_updates(cluster: Cluster, actor: Actor) -> None:
    with NewEvents() as spy:
        key_figure_set(cluster_id=cluster.pk, actor=actor, name="Leche cruda", value=Decimal("75000"), unit="l/día")
    assert spy.one().action == "create"
    with NewEvents() as spy:
        figure = key_figure_set(
            cluster_id=cluster.pk, actor=actor, name="Leche cruda", value=Decimal("80000"), unit="l/día"
        )
    assert spy.one().changes == {"value": ["75000.00", "80000.00"]}
    with NewEvents() as spy:  # the same amount written differently is no change
        key_figure_set(cluster_id=cluster.pk, actor=actor, name="Leche cruda", value=Decimal("80000"), unit="l/día")
    assert spy.events == []
    assert KeyFigure.objects.filter(cluster=cluster).count() == 1 and figure.value == Decimal("80000")


def test_organizations(cluster: Cluster, actor: Actor) -> None:
    with NewEvents() as spy:
        org = organization_create(
            cluster_id=cluster.pk, actor=actor, name="Tambo La Esperanza",
            kind=Organization.Kind.PRIMARY_PRODUCER, locality="Trancas",
        )
    assert spy.one().changes["kind"] == [None, "primary_producer"] and org.membership == "full"
    with NewEvents() as spy:
        organization_update(organization_id=org.pk, actor=actor, values={"membership": "adherent"})
    assert spy.one().changes == {"membership": ["full", "adherent"]}
    with NewEvents() as spy, pytest.raises(ValidationFailed):
        organization_create(cluster_id=cluster.pk, actor=actor, name="Tambo La Esperanza", kind="other")
    with pytest.raises(ValidationFailed) as exc:
        organization_create(cluster_id=cluster.pk, actor=actor, name="Otra", kind="not-a-kind")
    assert "kind" in exc.value.errors and spy.events == []


def test_stakeholders_belong_to_organizations_of_their_cluster(cluster: Cluster, actor: Actor) -> None:
    own = OrganizationFactory.create(cluster=cluster)
    foreign = OrganizationFactory.create(cluster=ClusterFactory.create())
    with NewEvents() as spy:
        person = stakeholder_create(
            cluster_id=cluster.pk, actor=actor, name="Ana", email="ana@example.org", organization=own
        )
    assert spy.one().changes["organization"] == [None, own.pk]
    with NewEvents() as spy:
        with pytest.raises(ValidationFailed) as exc:
            stakeholder_create(cluster_id=cluster.pk, actor=actor, name="B", email="b@example.org",
                               organization=foreign)
        assert "organization" in exc.value.errors
        with pytest.raises(ValidationFailed):
            stakeholder_update(stakeholder_id=person.pk, actor=actor, values={"organization_id": foreign.pk})
        with pytest.raises(ValidationFailed) as exc:
            stakeholder_create(cluster_id=cluster.pk, actor=actor, name="C", email="not-an-email")
        assert "email" in exc.value.errors
    assert spy.events == []
    with NewEvents() as spy:
        stakeholder_update(stakeholder_id=person.pk, actor=actor, values={"language": "en"})
    assert spy.one().changes == {"language": ["es", "en"]}


def test_roles_go_to_the_cluster_chain_and_global_auditors_to_chain_zero(cluster: Cluster, actor: Actor) -> None:
    user = UserFactory.create()
    with NewEvents() as spy:
        coordinator = role_assign(user_id=user.pk, cluster_id=cluster.pk, role=Role.COORDINATOR, actor=actor)
    assert spy.one().chain_id == cluster.pk
    with NewEvents() as spy:
        role_assign(user_id=user.pk, cluster_id=None, role=Role.AUDITOR, actor=actor)
    assert spy.one().chain_id == 0
    with NewEvents() as spy:
        with pytest.raises(ValidationFailed) as exc:
            role_assign(user_id=user.pk, cluster_id=None, role=Role.COORDINATOR, actor=actor)
        assert "cluster" in exc.value.errors
        with pytest.raises(Conflict):
            role_assign(user_id=user.pk, cluster_id=cluster.pk, role=Role.COORDINATOR, actor=actor)
        with pytest.raises(Conflict):
            role_assign(user_id=user.pk, cluster_id=None, role=Role.AUDITOR, actor=actor)
        with pytest.raises(ValidationFailed):
            role_assign(user_id=user.pk, cluster_id=cluster.pk, role="boss", actor=actor)
        with pytest.raises(ValidationFailed):
            role_assign(user_id=999_999, cluster_id=cluster.pk, role=Role.COORDINATOR, actor=actor)
    assert spy.events == []
    with NewEvents() as spy:
        role_revoke(assignment_id=coordinator.pk, actor=actor)
    event = spy.one()
    assert event.action == "delete" and event.chain_id == cluster.pk and event.changes["role"] == ["coordinator", None]
    assert not RoleAssignment.objects.filter(pk=coordinator.pk).exists()
    assert HistoryEvent.objects.filter(object_type="plans.roleassignment").count() == 3
