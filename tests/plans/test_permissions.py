"""Who may do what: one ActionRoles per resource names the roles of every write action, and
the ownership rules (a stakeholder acts only for themselves) are the services' to refuse."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from notifications import permissions as notification_permissions
from notifications.api.urls import router as notifications_router
from plans import permissions
from plans.access import Access
from plans.api.urls import router as plans_router
from plans.errors import PermissionDeniedError
from plans.models import Plan, Role, RoleAssignment
from plans.services.agreements import agreement_create, position_record
from plans.services.clusters import stakeholder_update
from plans.services.history import Actor
from projects import permissions as project_permissions
from projects.api.urls import router as projects_router
from tests.factories import OrganizationFactory, StakeholderFactory, UserFactory
from tests.plans.helpers import NewEvents

ROOT = Path(__file__).resolve().parents[2]
STANDARD_WRITES = {"create": "post", "update": "put", "partial_update": "patch", "destroy": "delete"}


def write_actions(viewset: type) -> set[str]:
    allowed = set(getattr(viewset, "http_method_names", ()))
    actions = {name for name, method in STANDARD_WRITES.items() if hasattr(viewset, name) and method in allowed}
    for extra in viewset.get_extra_actions():  # type: ignore[attr-defined]
        actions |= {name for method, name in extra.mapping.items() if method not in ("get", "head", "options")}
    return actions


@pytest.mark.parametrize(
    "viewset", [vs for r in (plans_router, projects_router, notifications_router) for _p, vs, _b in r.registry],
    ids=lambda vs: vs.__name__,
)
def test_every_write_action_of_every_view_set_is_named_in_its_resource(viewset: type) -> None:
    roles: permissions.ActionRoles = viewset.roles  # type: ignore[attr-defined]
    if roles.write == permissions.NOBODY:
        return  # programme administrators only, whatever the action (users)
    unnamed = write_actions(viewset) - set(roles.actions) - roles.admin_only
    assert unnamed == set(), f"{viewset.__name__}: name the roles of {sorted(unnamed)} in its permissions.py"


def test_roles_of_an_action_read_beside_each_other() -> None:
    milestone = project_permissions.MILESTONE
    assert permissions.roles_for(milestone, "complete") == permissions.WRITE_ROLES == {Role.COORDINATOR}
    assert permissions.roles_for(milestone, "updates") == {Role.COORDINATOR, Role.STAKEHOLDER}
    assert permissions.roles_for(milestone, "retrieve") == permissions.READ_ROLES
    assert permissions.roles_for(permissions.CLUSTER, "create") == permissions.NOBODY  # administrators only
    assert permissions.roles_for(notification_permissions.DELIVERY, "list") == {Role.COORDINATOR, Role.AUDITOR}
    assert permissions.roles_for(permissions.ORGANIZATION, "unlisted") == permissions.WRITE_ROLES  # the default


def test_may_asks_the_roles_held_in_that_cluster() -> None:
    stakeholder = Access(by_cluster={1: {Role.STAKEHOLDER}})
    milestone = project_permissions.MILESTONE
    assert permissions.may(stakeholder, milestone, "updates", 1)
    assert not permissions.may(stakeholder, milestone, "complete", 1)
    assert not permissions.may(stakeholder, milestone, "updates", 2)  # not in another cluster
    assert permissions.may(Access(is_admin=True), permissions.CLUSTER, "create", None)


@pytest.mark.parametrize("path", ["plans/permissions.py", "projects/permissions.py", "notifications/permissions.py"])
def test_permission_modules_are_plain_data_usable_without_drf(path: str) -> None:
    tree = ast.parse((ROOT / path).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in imported if m.startswith(("rest_framework", "django.http", "drf_spectacular"))}


# --- ownership, refused by the services ---------------------------------------------------------


def stakeholder_actor(plan: Plan, **person: object) -> tuple[Actor, object]:
    user = UserFactory.create()
    RoleAssignment.objects.create(user=user, cluster=plan.cluster, role=Role.STAKEHOLDER)
    own = StakeholderFactory.create(cluster=plan.cluster, user=user, **person)
    return Actor(user=user, source="api"), own


@pytest.mark.django_db
def test_a_stakeholder_edits_only_their_own_record(plan: Plan) -> None:
    member, own = stakeholder_actor(plan)
    other = StakeholderFactory.create(cluster=plan.cluster)
    with NewEvents() as spy, pytest.raises(PermissionDeniedError):
        stakeholder_update(stakeholder_id=other.pk, actor=member, values={"language": "en"})
    assert spy.events == []
    with NewEvents() as spy:
        stakeholder_update(stakeholder_id=own.pk, actor=member, values={"language": "en"})  # type: ignore[attr-defined]
    assert spy.one().changes == {"language": ["es", "en"]}


@pytest.mark.django_db
def test_a_stakeholder_records_positions_only_for_their_own_organization(plan: Plan, actor: Actor) -> None:
    agreement = agreement_create(plan_id=plan.pk, actor=actor, title="Cerrar", subject="close_phase")
    own_org, other_org = (OrganizationFactory.create(cluster=plan.cluster) for _ in range(2))
    member, person = stakeholder_actor(plan, organization=own_org)
    with NewEvents() as spy, pytest.raises(PermissionDeniedError):
        position_record(agreement_id=agreement.pk, organization_id=other_org.pk, position="block", actor=member)
    assert spy.events == []
    position = position_record(agreement_id=agreement.pk, organization_id=own_org.pk, position="agree", actor=member)
    assert position.recorded_by_id == person.pk  # type: ignore[attr-defined]
    # A coordinator records for any member, as nobody in particular.
    coordinator = UserFactory.create()
    RoleAssignment.objects.create(user=coordinator, cluster=plan.cluster, role=Role.COORDINATOR)
    other = position_record(agreement_id=agreement.pk, organization_id=other_org.pk, position="agree",
                            actor=Actor(user=coordinator, source="api"))
    assert other.recorded_by_id is None
