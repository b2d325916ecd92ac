"""The base view sets of every API view (plans, projects, notifications).

How a view is meant to look (thin: parse -> one service or selector -> serialize)::

    class PlanViewSet(ClusterScopedViewSet):
        roles = permissions.PLAN                        # who may do what (plans/permissions.py)
        serializer_class = PlanSerializer               # output
        input_serializers = {"create": PlanCreateSerializer, "partial_update": PlanUpdateSerializer}

        def get_queryset(self):                         # a selector scoped by plans.access
            return plan_list(user=self.request.user)

        def create(self, request):
            data = self.parse()                         # 400 on bad input
            self.check_cluster_write(data["cluster"].pk) # 403 unless the action's roles are held there
            plan = self.run_service(plan_create, cluster_id=data.pop("cluster").pk, **data)
            return self.service_response(plan, status=201)

        def partial_update(self, request, pk=None):
            return self.update_with(plan_update, "plan_id")

The object's cluster comes from its model's `cluster_path` (permissions.ClusterRolePermission).
Every route under /api/v1/ needs a row in tests/api/matrix.py (who gets 2xx/401/403/404);
tests/api/test_role_matrix.py fails for a route without one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, ClassVar

from django.http import Http404
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from plans.access_cache import prime_access
from plans.models import Source
from plans.permissions import ActionRoles
from plans.services.history import Actor

from .concurrency import VersionedUpdateMixin, _ViewBase
from .fields import guard_text_fields
from .permissions import DEFAULT_ROLES, ClusterRolePermission
from .renderers import ORJSONRenderer

RENDERERS = [ORJSONRenderer, BrowsableAPIRenderer]
MAX_ID = 2**63 - 1  # ids are 64-bit integer columns


def actor_from_request(request: Request | Any) -> Actor:
    """The acting user of an API request; history records source `api`."""
    user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return Actor(user=user, source=Source.API)


def path_id(value: str) -> int:
    """An id from the URL path; one no row can have is a 404 (the database would refuse it)."""
    if not value.isascii() or not value.isdigit() or len(value) > 19 or int(value) > MAX_ID:
        raise Http404
    return int(value)


class ClusterScopedMixin(_ViewBase):
    """Cluster-role permission plus the thin-view helpers (parse / run one service / respond)."""

    permission_classes: Any = [ClusterRolePermission]
    roles: ClassVar[ActionRoles] = DEFAULT_ROLES  # the resource's roles, from the app's permissions.py
    # action -> serializer that parses the request body; the output is `serializer_class`.
    input_serializers: ClassVar[dict[str, type[serializers.BaseSerializer]]] = {}

    def parse(self, *, instance: Any = None, partial: bool = False, action: str | None = None) -> dict[str, Any]:
        """Validate the body with the action's input serializer; 400 with field errors if bad."""
        cls = self.input_serializers[action or getattr(self, "action", None) or ""]
        context = self.get_serializer_context()
        serializer = cls(instance, data=self.request.data, partial=partial, context=context)
        guard_text_fields(serializer)  # control characters: refused in every text field (plans.validators)
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

    lookup_value_regex = "[0-9]+"  # ASCII digits only; DRF's default `[^/.]+` and `\\d` take any script's digits


class RowViewSet(ClusterScopedViewSet):
    """List and detail answered from selector rows (`.values()` rendered by orjson, so a list's
    query count does not depend on its length); writes answer with the fresh row.

    Reads take the user's roles from the shared cache (plans.access_cache); writes never do.
    """

    renderer_classes = RENDERERS
    lookup_value_regex = "[0-9]+"

    def check_permissions(self, request: Request) -> None:
        prime_access(request)
        super().check_permissions(request)

    def list_rows(self) -> Any:
        raise NotImplementedError

    def detail_row(self, pk: int) -> dict[str, Any]:
        raise NotImplementedError

    def attach(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return rows

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.list_rows())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.attach(list(page or [])))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.service_response(self.get_object())

    def service_response(self, instance: Any, *, status: int = 200, **kwargs: Any) -> Response:  # type: ignore[override]
        row = self.detail_row(instance.pk)
        return Response(self.get_serializer_class()(row).data, status=status)
