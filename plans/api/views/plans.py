"""Plans (with transition and reformulation), strategic lines and consensus phases."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from plans import permissions, selectors
from plans.api import filters
from plans.api.base.views import ClusterScopedViewSet
from plans.api.serializers import plans as s
from plans.services import phases as phase_services
from plans.services import plans as services

AS_OF = OpenApiParameter(
    "as_of", OpenApiTypes.DATETIME, OpenApiParameter.QUERY, required=False,
    description="Show the plan as it stood at this moment (from its history).",
)


@extend_schema_view(
    retrieve=extend_schema(
        parameters=[AS_OF],
        responses=PolymorphicProxySerializer(
            component_name="PlanOrPlanAsOf", serializers=[s.PlanSerializer, s.PlanAsOfSerializer],
            resource_type_field_name=None,
        ),
    ),
    create=extend_schema(request=s.PlanCreateSerializer, responses={201: s.PlanSerializer}),
    partial_update=extend_schema(request=s.PlanUpdateSerializer, responses=s.PlanSerializer),
)
class PlanViewSet(ClusterScopedViewSet):
    """Competitive Improvement Plans of the clusters the user may see."""

    roles = permissions.PLAN
    serializer_class = s.PlanSerializer
    input_serializers = {
        "create": s.PlanCreateSerializer, "partial_update": s.PlanUpdateSerializer,
        "transition": s.TransitionSerializer, "reformulate": s.ReformulateSerializer,
    }
    filterset_class = filters.PlanFilter
    search_fields = ["title", "vision", "cluster__name"]
    ordering_fields = ["id", "title", "status", "edition", "created_at", "progress"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.plan_list(user=self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        if "as_of" in request.query_params:
            from plans.audit.api import plan_as_of_response  # the audit module owns the as-of view

            return plan_as_of_response(request, plan)
        return Response(self.get_serializer(plan).data)

    def create(self, request: Request) -> Response:
        data = self.parse()
        cluster = data.pop("cluster")
        self.check_cluster_write(cluster.pk)
        plan = self.run_service(services.plan_create, cluster_id=cluster.pk, **data)
        return self.service_response(plan, status=201)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update_with(services.plan_update, "plan_id")

    @extend_schema(request=s.TransitionSerializer, responses=s.PlanSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move the plan to another status; 409 when the move or its rule does not allow it."""
        plan = self.get_object()
        data = self.parse()
        self.run_service(services.plan_transition, obj=plan, plan_id=plan.pk, to=data["to"], reason=data["reason"])
        return self.service_response(plan)

    @extend_schema(request=s.ReformulateSerializer, responses={201: s.PlanSerializer})
    @action(detail=True, methods=["post"])
    def reformulate(self, request: Request, pk: str | None = None) -> Response:
        """Start a new edition of an approved (or executed) plan, linked to this one."""
        plan = self.get_object()
        data = self.parse()
        new_plan = self.run_service(services.plan_reformulate, obj=plan, plan_id=plan.pk, **data)
        return self.service_response(new_plan, status=201)


@extend_schema_view(
    create=extend_schema(request=s.StrategicLineCreateSerializer, responses={201: s.StrategicLineSerializer}),
    partial_update=extend_schema(request=s.StrategicLineUpdateSerializer, responses=s.StrategicLineSerializer),
    destroy=extend_schema(request=s.ReasonSerializer, responses={204: None}),
)
class StrategicLineViewSet(ClusterScopedViewSet):
    """Strategic lines (ejes) of the plans the user may see."""

    roles = permissions.STRATEGIC_LINE
    serializer_class = s.StrategicLineSerializer
    input_serializers = {
        "create": s.StrategicLineCreateSerializer, "partial_update": s.StrategicLineUpdateSerializer,
        "destroy": s.ReasonSerializer,
    }
    filterset_class = filters.StrategicLineFilter
    search_fields = ["code", "title"]
    ordering_fields = ["order", "code", "id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.strategic_line_list(user=self.request.user)

    def create(self, request: Request) -> Response:
        data = self.parse()
        plan = data.pop("plan")
        self.check_cluster_write(plan.cluster_id)
        line = self.run_service(services.strategic_line_create, plan_id=plan.pk, **data)
        return self.service_response(line, status=201)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update_with(services.strategic_line_update, "strategic_line_id")

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        line = self.get_object()
        data = self.parse()
        self.run_service(services.strategic_line_delete, obj=line, strategic_line_id=line.pk, reason=data["reason"])
        return Response(status=204)


@extend_schema_view(
    create=extend_schema(request=s.PhaseCreateSerializer, responses={201: s.PhaseSerializer}),
    partial_update=extend_schema(request=s.PhaseUpdateSerializer, responses=s.PhaseSerializer),
)
class PhaseViewSet(ClusterScopedViewSet):
    """Consensus phases, in order; one is active at a time."""

    roles = permissions.PHASE
    serializer_class = s.PhaseSerializer
    input_serializers = {
        "create": s.PhaseCreateSerializer, "partial_update": s.PhaseUpdateSerializer,
        "complete": s.PhaseCompleteSerializer, "skip": s.RequiredReasonSerializer,
    }
    filterset_class = filters.PhaseFilter
    ordering_fields = ["order", "id", "planned_start"]
    ordering = ["plan_id", "order"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.phase_list(user=self.request.user)

    def create(self, request: Request) -> Response:
        data = self.parse()
        plan = data.pop("plan")
        self.check_cluster_write(plan.cluster_id)
        phase = self.run_service(phase_services.phase_create, plan_id=plan.pk, **data)
        return self.service_response(phase, status=201)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update_with(phase_services.phase_update, "phase_id")

    @extend_schema(request=None, responses=s.PhaseSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        """Make this phase the active one (earlier phases must be completed or skipped)."""
        phase = self.get_object()
        self.run_service(phase_services.phase_start, obj=phase, phase_id=phase.pk)
        return self.service_response(phase)

    @extend_schema(request=s.PhaseCompleteSerializer, responses=s.PhaseSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Complete the active phase with an adopted agreement as its outcome."""
        phase = self.get_object()
        agreement = self.parse()["agreement"]
        self.run_service(phase_services.phase_complete, obj=phase, phase_id=phase.pk, agreement_id=agreement.pk)
        return self.service_response(phase)

    @extend_schema(request=s.RequiredReasonSerializer, responses=s.PhaseSerializer)
    @action(detail=True, methods=["post"])
    def skip(self, request: Request, pk: str | None = None) -> Response:
        """Skip a pending or active phase; the reason is required and kept."""
        phase = self.get_object()
        reason = self.parse()["reason"]
        self.run_service(phase_services.phase_skip, obj=phase, phase_id=phase.pk, reason=reason)
        return self.service_response(phase)
