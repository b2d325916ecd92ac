"""Shared building blocks of every API view (plans, projects, notifications). Names are stable.

How a view is meant to look (thin: parse -> one service or selector -> serialize)::

    class PlanViewSet(ClusterScopedViewSet):
        cluster_path = "cluster"                        # model -> cluster, as an ORM path
        serializer_class = PlanSerializer               # output
        input_serializers = {"create": PlanCreateSerializer, "partial_update": PlanUpdateSerializer}

        def get_queryset(self):                         # a selector scoped by plans.access
            return plan_list(user=self.request.user)

        def create(self, request):
            data = self.parse()                         # 400 on bad input
            self.check_cluster_write(data["cluster"].pk) # 403 unless coordinator/admin there
            plan = self.run_service(plan_create, cluster_id=data.pop("cluster").pk, **data)
            return self.service_response(plan, status=201)

        def partial_update(self, request, pk=None):
            return self.update_with(plan_update, "plan_id")

What is here:

- `ErrorSerializer`: the one error body `{"type", "detail", "errors"}` (documented for every
  operation by `AutoSchema`, which also documents `If-Match` on writes to one object); both
  live in config.api_schema and are re-exported here.
- `actor_from_request(request)` -> `Actor(user, Source.API)`: every API change records it.
- `ClusterRolePermission`: anonymous -> 401; reads need a read role in the object's cluster;
  writes need the coordinator role there (or programme admin). Auditors, and anyone without
  a write role anywhere, get 403 on every write before any lookup. Objects outside the user's
  visible clusters are 404 because `get_queryset` (a selector using `plans.access.scope_q`)
  filters them out. Views declare `cluster_path` (e.g. "plan__cluster", "" for Cluster) or
  override `get_cluster_id(obj)`; `action_roles` widens a write action to other roles (e.g.
  `{"positions": STAKEHOLDER_WRITE_ROLES}`; the view/service then checks ownership);
  `read_roles` narrows reads (e.g. deliveries: coordinators and auditors); `admin_actions`
  keeps actions for programme administrators only.
- `VersionedUpdateMixin`: `ETag: "<version>"` on every single-object response; `If-Match`
  on writes is parsed early (a malformed or non-matching tag -> 412) and passed to the
  service as `expected_version`, which re-checks under the row lock (`StaleVersion` -> 412,
  nothing written).
- `ClusterScopedViewSet`: GenericViewSet + list/retrieve + the helpers `parse`,
  `check_cluster_write`, `run_service`, `service_response`, `update_with`.
- `ScopedPrimaryKeyRelatedField`: a related id that only resolves inside the user's visible
  clusters (another cluster's id is "does not exist", 400 — no probing).
- `IsProgrammeAdmin` (superusers only, 403 for others) and `parse_if_match(header)`.

Every route under /api/v1/ needs a row in tests/api/matrix.py (who gets 2xx/401/403/404);
tests/api/test_role_matrix.py fails for a route without one.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, generics, mixins, serializers, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from config.api_schema import AutoSchema, ErrorSerializer
from plans.access import READ_ROLES, WRITE_ROLES, access_for, scope_q
from plans.errors import StaleVersion
from plans.models import Role, Source
from plans.services.history import Actor

# Mixins type-check against the view they are mixed into.
if TYPE_CHECKING:
    _ViewBase = generics.GenericAPIView
else:
    _ViewBase = object

STAKEHOLDER_WRITE_ROLES = frozenset({Role.COORDINATOR, Role.STAKEHOLDER})

__all__ = [
    "READ_ROLES",
    "STAKEHOLDER_WRITE_ROLES",
    "WRITE_ROLES",
    "AutoSchema",
    "ClusterRolePermission",
    "ClusterScopedMixin",
    "ClusterScopedViewSet",
    "ErrorSerializer",
    "IsProgrammeAdmin",
    "ScopedPrimaryKeyRelatedField",
    "VersionedUpdateMixin",
    "actor_from_request",
    "cluster_id_of",
    "parse_if_match",
]


# --- Actor and cluster lookup ---------------------------------------------------------------


def actor_from_request(request: Request | Any) -> Actor:
    """The acting user of an API request; history records source `api`."""
    user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return Actor(user=user, source=Source.API)


def cluster_id_of(obj: models.Model, path: str) -> int | None:
    """Follow an ORM path ("plan__cluster") on an instance to the cluster id, "" = obj itself."""
    if not path:
        return obj.pk
    *hops, last = path.split("__")
    target: Any = obj
    for hop in hops:
        target = getattr(target, hop)
        if target is None:
            return None
    return getattr(target, f"{last}_id")


# --- Permissions ----------------------------------------------------------------------------


def _write_roles(view: Any) -> frozenset[str]:
    action_roles: dict[str, frozenset[str]] = getattr(view, "action_roles", {}) or {}
    return frozenset(action_roles.get(getattr(view, "action", None) or "", WRITE_ROLES))


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
        if getattr(view, "action", None) in getattr(view, "admin_actions", ()):
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
        getter = getattr(view, "get_cluster_id", None)
        cluster_id = getter(obj) if getter else cluster_id_of(obj, getattr(view, "cluster_path", "cluster"))
        read_roles = frozenset(getattr(view, "read_roles", READ_ROLES))
        if not access.roles_in(cluster_id) & read_roles:
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


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id resolved only among rows the requesting user may see (`cluster_path` from the model).

    `roles` narrows it further, e.g. WRITE_ROLES for a parent that must be writable.
    """

    def __init__(self, *, cluster_path: str = "cluster", roles: Iterable[str] = READ_ROLES, **kwargs: Any):
        self.cluster_path = cluster_path
        self.roles = frozenset(roles)
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None or queryset is None:
            return queryset.none() if queryset is not None else queryset
        return queryset.filter(scope_q(request.user, self.cluster_path, self.roles))


# --- Optimistic concurrency ---------------------------------------------------------------------

_TAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def parse_if_match(header: str | None) -> set[int] | None:
    """If-Match -> the versions it accepts; None when absent or `*`. A tag that is not one of
    ours can never match, so it is a failed precondition (412), not bad input."""
    if header is None or header.strip() in ("", "*"):
        return None
    versions: set[int] = set()
    for part in header.split(","):
        match = _TAG.match(part)
        if not match:
            raise StaleVersion(
                _("The If-Match header does not match any version of this object: %(tag)s"), tag=header[:80]
            )
        versions.add(int(match.group(1)))
    return versions


class VersionedUpdateMixin(_ViewBase):
    """ETag on single-object responses; If-Match -> `expected_version` for services."""

    if_match: set[int] | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Parsed after authentication/permissions, before any lookup or write.
        self.if_match = None if request.method in SAFE_METHODS else parse_if_match(request.headers.get("If-Match"))

    def expected_version(self, obj: Any = None) -> int | None:
        """The version the client edited; checks it against `obj` now (412 before any work)."""
        if not self.if_match or (obj is not None and not hasattr(obj, "version")):
            return None
        current = getattr(obj, "version", None)
        if obj is not None and current not in self.if_match:
            raise StaleVersion(expected=min(self.if_match), current=current)
        return current if current in self.if_match else min(self.if_match)

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        if (
            200 <= response.status_code < 300 and isinstance(data, dict)
            and "version" in data and "results" not in data and not response.has_header("ETag")
        ):
            response["ETag"] = f'"{data["version"]}"'
        return response


# --- Base view set ------------------------------------------------------------------------------


class ClusterScopedMixin(_ViewBase):
    """Cluster-role permission plus the thin-view helpers (parse / run one service / respond)."""

    permission_classes: Any = [ClusterRolePermission]
    cluster_path: ClassVar[str] = "cluster"
    action_roles: ClassVar[dict[str, frozenset[str]]] = {}
    read_roles: ClassVar[frozenset[str]] = READ_ROLES
    admin_actions: ClassVar[frozenset[str]] = frozenset()
    # action -> serializer that parses the request body; the output is `serializer_class`.
    input_serializers: ClassVar[dict[str, type[serializers.BaseSerializer]]] = {}

    def get_cluster_id(self, obj: Any) -> int | None:
        return cluster_id_of(obj, self.cluster_path)

    def parse(self, *, instance: Any = None, partial: bool = False, action: str | None = None) -> dict[str, Any]:
        """Validate the body with the action's input serializer; 400 with field errors if bad."""
        cls = self.input_serializers[action or getattr(self, "action", None) or ""]
        context = self.get_serializer_context()
        serializer = cls(instance, data=self.request.data, partial=partial, context=context)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def check_cluster_write(self, cluster_id: int | None) -> None:
        """For creates: the parent's cluster must be writable by the user (403 otherwise)."""
        if not ClusterRolePermission.may_write(self.request, self, cluster_id):
            raise exceptions.PermissionDenied(ClusterRolePermission.message)

    def run_service(self, service: Callable[..., Any], /, *, obj: Any = None, **kwargs: Any) -> Any:
        """Call one service as the request's actor, passing If-Match as `expected_version`."""
        kwargs["actor"] = actor_from_request(self.request)
        expected = self.expected_version(obj) if hasattr(self, "expected_version") else None
        if "expected_version" in inspect.signature(service).parameters:
            kwargs.setdefault("expected_version", expected)
        return service(**kwargs)

    def service_response(
        self, instance: Any, *, status: int = 200, serializer_class: type[serializers.BaseSerializer] | None = None,
        refetch: bool = True,
    ) -> Response:
        """Serialize the service's result; by default re-read through `get_queryset` so the
        output has the same annotations as a GET."""
        if refetch and serializer_class is None and instance is not None and instance.pk is not None:
            instance = self.get_queryset().get(pk=instance.pk)
        cls = serializer_class or self.get_serializer_class()
        context = self.get_serializer_context()
        return Response(cls(instance, context=context).data, status=status)

    def paginated(self, queryset: Any, serializer_class: type[serializers.BaseSerializer]) -> Response:
        """A sub-list of an object (attendance, positions), paginated like every list."""
        context = self.get_serializer_context()
        page = self.paginate_queryset(queryset)
        if page is None:
            return Response(serializer_class(queryset, many=True, context=context).data)
        return self.get_paginated_response(serializer_class(page, many=True, context=context).data)

    def update_with(self, service: Callable[..., Any], id_kwarg: str, **extra: Any) -> Response:
        """PATCH/PUT: load (404/403), parse (400), call `service(<id_kwarg>=pk, values=...)`."""
        obj = self.get_object()
        values = self.parse(instance=obj, partial=self.request.method == "PATCH", action="partial_update")
        self.run_service(service, obj=obj, **{id_kwarg: obj.pk}, values=values, **extra)
        return self.service_response(obj)


class ClusterScopedViewSet(
    ClusterScopedMixin, VersionedUpdateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """List + retrieve from a scoped selector; subclasses add create/update/actions via services."""
