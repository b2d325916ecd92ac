"""Who may do what with the plans app's resources, per cluster role: the one place to read it.

Plain data, importable without DRF: the API view sets (`roles = permissions.PLAN`), the
web pages and any script ask the same objects. Programme administrators (superusers) may
do everything and are not listed. Lists are scoped by the selectors (`plans.access.scope_q`);
what is here decides who may read an object of their clusters and who may call each write.
Ownership rules (a stakeholder edits only their own record, records only their own
organization's position) are checked by the services and refused with `PermissionDeniedError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from plans.models import Role

if TYPE_CHECKING:
    from plans.access import Access

# --- every role constant of the project ------------------------------------------------------

NOBODY: frozenset[str] = frozenset()  # no cluster role suffices: programme administrators only
READ_ROLES = frozenset({Role.COORDINATOR, Role.STAKEHOLDER, Role.AUDITOR})
WRITE_ROLES = frozenset({Role.COORDINATOR})
STAKEHOLDER_WRITE_ROLES = frozenset({Role.COORDINATOR, Role.STAKEHOLDER})  # then the service checks ownership
OVERSIGHT_ROLES = frozenset({Role.COORDINATOR, Role.AUDITOR})  # the history and the delivery log

READ_ACTIONS = frozenset({"list", "retrieve", "read"})


@dataclass(frozen=True)
class ActionRoles:
    """The roles of one resource: who reads it, and who may call each of its write actions.

    `actions` names every write action with its roles; an action it does not name gets
    `write` (the default for writes, e.g. a method a view set does not offer, which then
    answers 405 to those roles and 403 to the others). `admin_only` actions are for
    programme administrators whatever the roles.
    """

    read: frozenset[str] = READ_ROLES
    write: frozenset[str] = WRITE_ROLES
    actions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    admin_only: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "actions", MappingProxyType(dict(self.actions)))

    def write_roles(self, action: str | None) -> frozenset[str]:
        if action in self.admin_only:
            return NOBODY
        return self.actions.get(action or "", self.write)

    def roles_for(self, action: str | None) -> frozenset[str]:
        """`list`/`retrieve`/`read` -> the read roles; any other action -> its write roles."""
        return self.read if action in READ_ACTIONS else self.write_roles(action)


def roles_for(resource: ActionRoles, action: str | None) -> frozenset[str]:
    """The cluster roles that may perform `action` on `resource` (administrators always may)."""
    return resource.roles_for(action)


def may(access: Access, resource: ActionRoles, action: str | None, cluster_id: int | None) -> bool:
    """Whether the user whose roles are `access` (plans.access.access_for) may do it in that cluster."""
    return access.is_admin or bool(access.roles_in(cluster_id) & roles_for(resource, action))


# --- the resources of the plans app ----------------------------------------------------------

USER = ActionRoles(read=NOBODY, write=NOBODY)  # logins: programme administrators only
CLUSTER = ActionRoles(
    actions={"partial_update": WRITE_ROLES, "key_figures": WRITE_ROLES}, admin_only=frozenset({"create"}),
)
ORGANIZATION = ActionRoles(actions={"create": WRITE_ROLES, "partial_update": WRITE_ROLES})
STAKEHOLDER = ActionRoles(
    actions={
        "create": WRITE_ROLES,
        "partial_update": STAKEHOLDER_WRITE_ROLES,  # a stakeholder: only their own record (service)
    },
)
ROLE_ASSIGNMENT = ActionRoles(admin_only=frozenset({"create", "destroy"}))
PLAN = ActionRoles(
    actions={"create": WRITE_ROLES, "partial_update": WRITE_ROLES, "transition": WRITE_ROLES,
             "reformulate": WRITE_ROLES},
)
STRATEGIC_LINE = ActionRoles(actions={"create": WRITE_ROLES, "partial_update": WRITE_ROLES, "destroy": WRITE_ROLES})
PHASE = ActionRoles(
    actions={"create": WRITE_ROLES, "partial_update": WRITE_ROLES, "start": WRITE_ROLES, "complete": WRITE_ROLES,
             "skip": WRITE_ROLES},
)
FORUM = ActionRoles(
    actions={"create": WRITE_ROLES, "partial_update": WRITE_ROLES, "hold": WRITE_ROLES, "cancel": WRITE_ROLES,
             "attendance": WRITE_ROLES, "attendance_remove": WRITE_ROLES,
             "rsvp": STAKEHOLDER_WRITE_ROLES},  # a stakeholder: only their own reply (service)
)
AGREEMENT = ActionRoles(
    actions={
        "create": WRITE_ROLES,
        "positions": STAKEHOLDER_WRITE_ROLES,  # a stakeholder: only their own organization's (service)
        "close": WRITE_ROLES,
    },
)
HISTORY = ActionRoles(read=OVERSIGHT_ROLES, write=NOBODY)  # append-only: nobody writes through the API
