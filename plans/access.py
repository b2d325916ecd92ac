"""Who may see and change what, per cluster role. The single source of scoping rules.

Programme administrators (superusers) do everything. Coordinators write in their
clusters; stakeholders read their cluster; auditors read their clusters (or all of them
when their assignment has no cluster) and never write. Selectors use `scope_q` to filter
lists; permission classes and services use `roles_in` / `can_read` / `can_write`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from plans.models import RoleAssignment

# The role constants live in plans.permissions (with who may do what); importable here too.
from plans.permissions import OVERSIGHT_ROLES, READ_ROLES, STAKEHOLDER_WRITE_ROLES, WRITE_ROLES

__all__ = [
    "OVERSIGHT_ROLES",
    "READ_ROLES",
    "STAKEHOLDER_WRITE_ROLES",
    "WRITE_ROLES",
    "Access",
    "access_for",
    "acts_only_for_self",
    "can_read",
    "can_write",
    "forget_access",
    "roles_in",
    "scope_q",
]


@dataclass
class Access:
    """A user's roles, loaded once per request (cached on the user object)."""

    is_admin: bool = False
    global_roles: set[str] = field(default_factory=set)  # roles held for all clusters (auditor)
    by_cluster: dict[int, set[str]] = field(default_factory=dict)

    def roles_in(self, cluster_id: int | None) -> set[str]:
        roles = set(self.global_roles)
        if cluster_id is not None:
            roles |= self.by_cluster.get(cluster_id, set())
        return roles

    def can_read(self, cluster_id: int | None) -> bool:
        return self.is_admin or bool(self.roles_in(cluster_id) & READ_ROLES)

    def can_write(self, cluster_id: int | None) -> bool:
        return self.is_admin or bool(self.roles_in(cluster_id) & WRITE_ROLES)

    def acts_only_for_self(self, cluster_id: int | None) -> bool:
        """A stakeholder without a writing role there: the services let them act only for
        themselves (their own record, their own organization, milestones they answer for)."""
        if self.is_admin:
            return False
        roles = self.roles_in(cluster_id)
        return not roles & WRITE_ROLES and bool(roles & (STAKEHOLDER_WRITE_ROLES - WRITE_ROLES))

    def cluster_ids(self, roles: frozenset[str] | set[str] = READ_ROLES) -> set[int] | None:
        """Clusters where the user holds one of `roles`; None means every cluster."""
        if self.is_admin or (self.global_roles & roles):
            return None
        return {cid for cid, held in self.by_cluster.items() if held & roles}

    def scope(self, model: Any, roles: frozenset[str] | set[str] = READ_ROLES) -> Q:
        """`scope_q` along the model's own `cluster_path` (declared on the model)."""
        return self.scope_q(model.cluster_path, roles)

    def scope_q(self, path: str, roles: frozenset[str] | set[str] = READ_ROLES) -> Q:
        """A filter keeping rows whose cluster (reached by `path`, e.g. "plan__cluster") is visible."""
        ids = self.cluster_ids(roles)
        if ids is None:
            return Q()
        return Q(**{f"{path}__in": ids}) if path else Q(pk__in=ids)


def access_for(user: Any) -> Access:
    if user is None or not getattr(user, "is_authenticated", False):
        return Access()
    cached = getattr(user, "_pmc_access", None)
    if cached is not None:
        return cached
    access = Access(is_admin=bool(user.is_superuser))
    for cluster_id, role in RoleAssignment.objects.filter(user=user).values_list("cluster_id", "role"):
        if cluster_id is None:
            access.global_roles.add(role)
        else:
            access.by_cluster.setdefault(cluster_id, set()).add(role)
    user._pmc_access = access
    return access


def roles_in(user: Any, cluster_id: int | None) -> set[str]:
    return access_for(user).roles_in(cluster_id)


def can_read(user: Any, cluster_id: int | None) -> bool:
    return access_for(user).can_read(cluster_id)


def can_write(user: Any, cluster_id: int | None) -> bool:
    return access_for(user).can_write(cluster_id)


def acts_only_for_self(user: Any, cluster_id: int | None) -> bool:
    return access_for(user).acts_only_for_self(cluster_id)


def scope_q(user: Any, path: str, roles: frozenset[str] | set[str] = READ_ROLES) -> Q:
    return access_for(user).scope_q(path, roles)


def forget_access(user: Any) -> None:
    """Drop the cached roles (after an assignment changes within the same request/test)."""
    if hasattr(user, "_pmc_access"):
        del user._pmc_access
