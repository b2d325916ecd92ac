"""Clusters, their key figures, member organizations, stakeholders and role assignments.

Events go to the cluster's chain; a global auditor assignment (no cluster) goes to chain 0.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from plans.access import acts_only_for_self
from plans.errors import Conflict, PermissionDeniedError, ValidationFailed
from plans.models import Cluster, KeyFigure, Organization, Role, RoleAssignment, Stakeholder

from .common import only_fields, related
from .history import Actor, create_with_history, delete_with_history, lock, update_with_history

CLUSTER_FIELDS = frozenset(
    {"name", "slug", "sector", "province", "localities", "description", "programme", "time_zone",
     "started_on", "is_sample"}
)
ORGANIZATION_FIELDS = frozenset(
    {"name", "kind", "membership", "chain_link", "locality", "contact_email", "is_active", "is_sample"}
)
STAKEHOLDER_FIELDS = frozenset(
    {"name", "email", "organization", "organization_id", "language", "time_zone", "is_active", "user",
     "user_id", "is_sample"}
)


@transaction.atomic
def cluster_create(*, actor: Actor, name: str, slug: str, **fields: Any) -> Cluster:
    only_fields(fields, CLUSTER_FIELDS - {"name", "slug"})
    return create_with_history(Cluster(name=name, slug=slug, **fields), actor=actor)


@transaction.atomic
def cluster_update(
    *, cluster_id: int, actor: Actor, values: dict[str, Any], expected_version: int | None = None
) -> Cluster:
    cluster = lock(Cluster, cluster_id)
    update_with_history(
        cluster, actor=actor, values=only_fields(values, CLUSTER_FIELDS), expected_version=expected_version
    )
    return cluster


@transaction.atomic
def key_figure_set(
    *, cluster_id: int, actor: Actor, name: str, value: Decimal, unit: str, as_of: dt.date | None = None
) -> KeyFigure:
    """Create the named figure, or update it in place (one event either way)."""
    cluster = lock(Cluster, cluster_id)
    figure = KeyFigure.objects.select_for_update().filter(cluster=cluster, name=name).first()
    if figure is None:
        return create_with_history(
            KeyFigure(cluster=cluster, name=name, value=value, unit=unit, as_of=as_of), actor=actor
        )
    update_with_history(figure, actor=actor, values={"value": value, "unit": unit, "as_of": as_of})
    return figure


@transaction.atomic
def organization_create(*, cluster_id: int, actor: Actor, **fields: Any) -> Organization:
    cluster = lock(Cluster, cluster_id)
    return create_with_history(Organization(cluster=cluster, **only_fields(fields, ORGANIZATION_FIELDS)), actor=actor)


@transaction.atomic
def organization_update(
    *, organization_id: int, actor: Actor, values: dict[str, Any], expected_version: int | None = None
) -> Organization:
    organization = lock(Organization, organization_id)
    update_with_history(
        organization, actor=actor, values=only_fields(values, ORGANIZATION_FIELDS),
        expected_version=expected_version,
    )
    return organization


def _check_stakeholder_organization(stakeholder: Stakeholder) -> None:
    org_id = stakeholder.organization_id
    if org_id is not None and not Organization.objects.filter(pk=org_id, cluster_id=stakeholder.cluster_id).exists():
        raise ValidationFailed(
            _("The stakeholder's organization must belong to the same cluster."),
            errors={"organization": [_("Not a member of the cluster.")]},
        )


@transaction.atomic
def stakeholder_create(*, cluster_id: int, actor: Actor, **fields: Any) -> Stakeholder:
    cluster = lock(Cluster, cluster_id)
    stakeholder = Stakeholder(cluster=cluster, **only_fields(fields, STAKEHOLDER_FIELDS))
    _check_stakeholder_organization(stakeholder)
    return create_with_history(stakeholder, actor=actor)


@transaction.atomic
def stakeholder_update(
    *, stakeholder_id: int, actor: Actor, values: dict[str, Any], expected_version: int | None = None
) -> Stakeholder:
    stakeholder = lock(Stakeholder, stakeholder_id)
    # Coordinators edit any stakeholder of their clusters; a stakeholder only their own record.
    if acts_only_for_self(actor.user, stakeholder.cluster_id) and stakeholder.user_id != actor.user_id:
        raise PermissionDeniedError()
    values = only_fields(values, STAKEHOLDER_FIELDS)
    # Check the organization before writing; update_with_history validates the rest.
    probe = Stakeholder(cluster_id=stakeholder.cluster_id, organization_id=stakeholder.organization_id)
    for name in ("organization", "organization_id"):
        if name in values:
            setattr(probe, name, values[name])
    _check_stakeholder_organization(probe)
    update_with_history(stakeholder, actor=actor, values=values, expected_version=expected_version)
    return stakeholder


@transaction.atomic
def role_assign(*, user_id: int, cluster_id: int | None, role: str, actor: Actor) -> RoleAssignment:
    """Give a user a role in a cluster; only auditors may hold a role for all clusters (no cluster)."""
    if role not in Role.values:
        raise ValidationFailed(_("Unknown role."), errors={"role": [_("Unknown role.")]})
    if cluster_id is None and role != Role.AUDITOR:
        raise ValidationFailed(
            _("Only an auditor can be assigned to all clusters; choose a cluster."),
            errors={"cluster": [_("Required for this role.")]},
        )
    user = related(get_user_model(), user_id, "user")
    if cluster_id is not None:
        lock(Cluster, cluster_id)
    same = RoleAssignment.objects.filter(user_id=user_id, role=role)
    same = same.filter(cluster__isnull=True) if cluster_id is None else same.filter(cluster_id=cluster_id)
    if same.exists():
        raise Conflict(_("The user already has this role there."))
    return create_with_history(RoleAssignment(user=user, cluster_id=cluster_id, role=role), actor=actor)


@transaction.atomic
def role_revoke(*, assignment_id: int, actor: Actor) -> None:
    assignment = lock(RoleAssignment, assignment_id)
    delete_with_history(assignment, actor=actor)
