"""Users, clusters, organizations, stakeholders and role assignments."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from plans import permissions, selectors
from plans.access import access_for
from plans.api import filters
from plans.api.base.concurrency import VersionedUpdateMixin
from plans.api.base.permissions import IsProgrammeAdmin
from plans.api.base.views import ClusterScopedMixin, ClusterScopedViewSet
from plans.api.serializers import clusters as s
from plans.services import clusters as services
from plans.services import users as user_services


@extend_schema_view(
    create=extend_schema(request=s.UserWriteSerializer, responses={201: s.UserSerializer}),
    partial_update=extend_schema(request=s.UserUpdateSerializer, responses=s.UserSerializer),
)
class UserViewSet(
    ClusterScopedMixin, VersionedUpdateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Logins; programme administrators only."""

    permission_classes = [IsProgrammeAdmin]
    roles = permissions.USER
    serializer_class = s.UserSerializer
    input_serializers = {"create": s.UserWriteSerializer, "partial_update": s.UserUpdateSerializer}
    filterset_class = filters.UserFilter
    search_fields = ["username", "email", "first_name", "last_name"]
    ordering_fields = ["id", "username", "date_joined"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.user_list()

    def create(self, request: Request) -> Response:
        user = self.run_service(user_services.user_create, **self.parse())
        return self.service_response(user, status=201)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update_with(user_services.user_update, "user_id")


@extend_schema_view(
    create=extend_schema(request=s.ClusterWriteSerializer, responses={201: s.ClusterSerializer}),
    partial_update=extend_schema(request=s.ClusterWriteSerializer, responses=s.ClusterSerializer),
)
class ClusterViewSet(ClusterScopedViewSet):
    """Clusters the user may see, with their key figures; programme administrators create them."""

    roles = permissions.CLUSTER
    serializer_class = s.ClusterSerializer
    input_serializers = {"create": s.ClusterWriteSerializer, "partial_update": s.ClusterWriteSerializer}
    search_fields = ["name", "sector", "province", "localities"]
    ordering_fields = ["name", "id", "province"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.cluster_list(user=self.request.user)

    def create(self, request: Request) -> Response:
        cluster = self.run_service(services.cluster_create, **self.parse())
        return self.service_response(cluster, status=201)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update_with(services.cluster_update, "cluster_id")

    @extend_schema(request=s.KeyFigureWriteSerializer, responses={200: s.ClusterSerializer})
    @action(detail=True, methods=["post"], url_path="key-figures")
    def key_figures(self, request: Request, pk: str | None = None) -> Response:
        """Set a named key figure (created, or updated in place)."""
        cluster = self.get_object()
        data = self.parse(action="key_figures")
        self.run_service(services.key_figure_set, obj=cluster, cluster_id=cluster.pk, **data)
        return self.service_response(cluster)

    input_serializers = {**input_serializers, "key_figures": s.KeyFigureWriteSerializer}


@extend_schema_view(
    create=extend_schema(request=s.OrganizationCreateSerializer, responses={201: s.OrganizationSerializer}),
    partial_update=extend_schema(request=s.OrganizationUpdateSerializer, responses=s.OrganizationSerializer),
)
class OrganizationViewSet(ClusterScopedViewSet):
    """Member organizations of the clusters the user may see."""

    roles = permissions.ORGANIZATION
    serializer_class = s.OrganizationSerializer
    input_serializers = {"create": s.OrganizationCreateSerializer, "partial_update": s.OrganizationUpdateSerializer}
    filterset_class = filters.OrganizationFilter
    search_fields = ["name", "locality"]
    ordering_fields = ["name", "id", "kind"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.organization_list(user=self.request.user)

    def create(self, request: Request) -> Response:
        data = self.parse()
        cluster = data.pop("cluster")
        self.check_cluster_write(cluster.pk)
        organization = self.run_service(services.organization_create, cluster_id=cluster.pk, **data)
        return self.service_response(organization, status=201)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update_with(services.organization_update, "organization_id")


@extend_schema_view(
    create=extend_schema(request=s.StakeholderCreateSerializer, responses={201: s.StakeholderSerializer}),
    partial_update=extend_schema(
        request=s.StakeholderUpdateSerializer, responses=s.StakeholderSerializer,
        description="Coordinators edit any stakeholder of their clusters; a stakeholder edits only their own "
        "record, and only name, email, language and time zone.",
    ),
)
class StakeholderViewSet(ClusterScopedViewSet):
    """People kept informed: coordinators and auditors see all of their clusters; stakeholders themselves."""

    serializer_class = s.StakeholderSerializer
    input_serializers = {"create": s.StakeholderCreateSerializer, "partial_update": s.StakeholderUpdateSerializer}
    roles = permissions.STAKEHOLDER
    filterset_class = filters.StakeholderFilter
    search_fields = ["name", "email"]
    ordering_fields = ["name", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.stakeholder_list(user=self.request.user)

    def create(self, request: Request) -> Response:
        data = self.parse()
        cluster = data.pop("cluster")
        self.check_cluster_write(cluster.pk)
        stakeholder = self.run_service(services.stakeholder_create, cluster_id=cluster.pk, **data)
        return self.service_response(stakeholder, status=201)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        stakeholder = self.get_object()
        if access_for(request.user).can_write(stakeholder.cluster_id):
            return self.update_with(services.stakeholder_update, "stakeholder_id")
        # A stakeholder edits fewer fields, and only their own record (the service checks it).
        values = self.parse(instance=stakeholder, partial=True, action="self_update")
        self.run_service(services.stakeholder_update, obj=stakeholder, stakeholder_id=stakeholder.pk, values=values)
        return self.service_response(stakeholder)

    input_serializers = {**input_serializers, "self_update": s.StakeholderSelfUpdateSerializer}


@extend_schema_view(create=extend_schema(request=s.RoleAssignmentCreateSerializer,
                                         responses={201: s.RoleAssignmentSerializer}))
class RoleAssignmentViewSet(ClusterScopedViewSet, mixins.DestroyModelMixin):
    """Who holds which role where; programme administrators assign and revoke."""

    serializer_class = s.RoleAssignmentSerializer
    input_serializers = {"create": s.RoleAssignmentCreateSerializer}
    roles = permissions.ROLE_ASSIGNMENT
    filterset_class = filters.RoleAssignmentFilter
    ordering_fields = ["id", "role"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.role_assignment_list(user=self.request.user)

    def create(self, request: Request) -> Response:
        data = self.parse()
        cluster = data.get("cluster")
        assignment = self.run_service(
            services.role_assign, user_id=data["user"].pk, cluster_id=cluster.pk if cluster else None,
            role=data["role"],
        )
        return self.service_response(assignment, status=201)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assignment = self.get_object()
        self.run_service(services.role_revoke, obj=assignment, assignment_id=assignment.pk)
        return Response(status=204)
