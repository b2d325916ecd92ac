"""DRF permission classes: the cluster-role check every API view runs, and admins-only.

`ClusterRolePermission` reads the view's `roles` (an `ActionRoles` from the app's
`permissions.py`, e.g. `projects.permissions.MILESTONE`): anonymous -> 401; reads need one
of `roles.read` in the object's cluster; a write action needs one of its roles there (or
programme admin); `roles.admin_only` actions are for programme administrators. Anyone
without the action's roles anywhere gets 403 on a create before any lookup. Objects outside
the user's visible clusters are 404 because `get_queryset` (a selector using
`plans.access.scope_q`) filters them out. The object's cluster comes from its model's
`cluster_path` (plans.models.base.cluster_id_of).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from plans.access import access_for
from plans.models.base import cluster_id_of
from plans.permissions import ActionRoles

DEFAULT_ROLES = ActionRoles()


def view_roles(view: Any) -> ActionRoles:
    return getattr(view, "roles", None) or DEFAULT_ROLES


def _write_roles(view: Any) -> frozenset[str]:
    return view_roles(view).write_roles(getattr(view, "action", None))


class ClusterRolePermission(BasePermission):
    """Per-cluster role check for every API view; see the module docstring."""

    message = _("You do not have permission to do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False  # DRF turns this into 401 (the Token authenticator sets the header)
        access = access_for(user)
        if access.is_admin:
            return True
        if getattr(view, "action", None) in view_roles(view).admin_only:
            return False
        if request.method in SAFE_METHODS:
            return True  # lists are filtered by the selector; objects are checked below
        if access.cluster_ids(_write_roles(view)) != set():
            return True  # the object's own cluster is checked below
        # No write role anywhere: a create is refused outright (403). A write on an object
        # answers 404 when the user may not see it (no probing of ids), 403 when they may:
        # get_object() raises one or the other through has_object_permission.
        if getattr(view, "detail", False) and hasattr(view, "get_object"):
            view.get_object()
        return False

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        access = access_for(request.user)
        if access.is_admin:
            return True
        cluster_id = cluster_id_of(obj)
        if not access.roles_in(cluster_id) & view_roles(view).read:
            raise Http404  # defence in depth: the selector should already have hidden it
        if request.method in SAFE_METHODS:
            return True
        return bool(access.roles_in(cluster_id) & _write_roles(view))

    @staticmethod
    def may_write(request: Request, view: Any, cluster_id: int | None) -> bool:
        access = access_for(request.user)
        return access.is_admin or bool(access.roles_in(cluster_id) & _write_roles(view))


class IsProgrammeAdmin(BasePermission):
    """Programme administrators (superusers) only; anyone else authenticated gets 403."""

    message = _("Only programme administrators may do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        return bool(user.is_superuser)
