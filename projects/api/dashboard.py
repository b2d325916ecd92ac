"""GET /plans/{id}/dashboard/: one call for a plan page (`?as_of=` delegates to the audit module)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from plans.access_cache import prime_access
from plans.api.base.permissions import ClusterRolePermission
from plans.api.base.renderers import ORJSONRenderer
from plans.models import Forum, Phase, Plan
from projects import permissions, selectors
from projects.models import Project

from .serializers import MilestoneCountsSerializer


class DashboardPlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cluster = serializers.IntegerField()
    cluster_name = serializers.CharField()
    title = serializers.CharField()
    edition = serializers.IntegerField()
    vision = serializers.CharField()
    status = serializers.ChoiceField(choices=Plan.Status.choices)
    grant_amount = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    grant_currency = serializers.CharField()
    approved_on = serializers.DateField(allow_null=True)
    progress = serializers.DecimalField(max_digits=5, decimal_places=2)
    version = serializers.IntegerField()


class DashboardPhaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Phase.Kind.choices)
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Phase.Status.choices)
    planned_start = serializers.DateField(allow_null=True)
    planned_end = serializers.DateField(allow_null=True)
    actual_start = serializers.DateField(allow_null=True)
    actual_end = serializers.DateField(allow_null=True)
    version = serializers.IntegerField()


class DashboardLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    order = serializers.IntegerField()
    version = serializers.IntegerField()


class DashboardProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    category = serializers.ChoiceField(choices=Project.Category.choices)
    status = serializers.ChoiceField(choices=Project.Status.choices)
    strategic_line = serializers.IntegerField(allow_null=True)
    progress = serializers.DecimalField(max_digits=5, decimal_places=2)
    version = serializers.IntegerField()
    milestone_counts = MilestoneCountsSerializer()


class DashboardForumSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    phase = serializers.IntegerField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True)
    venue = serializers.CharField()
    address = serializers.CharField()
    status = serializers.ChoiceField(choices=Forum.Status.choices)


class DashboardEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    actor = serializers.IntegerField(allow_null=True)
    actor_label = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]
    action = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.IntegerField(allow_null=True)
    object_repr = serializers.CharField()
    changes = serializers.JSONField()
    reason = serializers.CharField()


class DashboardSerializer(serializers.Serializer):
    plan = DashboardPlanSerializer()
    phases = DashboardPhaseSerializer(many=True)
    strategic_lines = DashboardLineSerializer(many=True)
    projects = DashboardProjectSerializer(many=True)
    milestone_counts = MilestoneCountsSerializer(help_text="Over every milestone of the plan.")
    next_forum = DashboardForumSerializer(allow_null=True)
    history = DashboardEventSerializer(many=True, help_text="The last 20 events of the plan, newest first.")
    as_of = serializers.DateTimeField(allow_null=True, help_text="Set when the page shows a past moment.")
    generated_at = serializers.DateTimeField()


class DashboardAsOfSerializer(serializers.Serializer):
    """`?as_of=`: rebuilt from the history by the audit module (plans.audit.asof.dashboard_state)."""

    as_of = serializers.CharField()
    exists = serializers.BooleanField(help_text="False when the plan did not exist yet at that moment.")
    plan = serializers.JSONField(allow_null=True)
    phases = serializers.ListField(child=serializers.JSONField())
    strategic_lines = serializers.ListField(child=serializers.JSONField())
    projects = serializers.ListField(child=serializers.JSONField())
    milestone_counts = serializers.JSONField()
    next_forum = serializers.JSONField(allow_null=True)
    recent_history = serializers.ListField(child=serializers.JSONField())


DASHBOARD_RESPONSE = PolymorphicProxySerializer(
    component_name="PlanDashboardResponse",
    serializers=[DashboardSerializer, DashboardAsOfSerializer],
    resource_type_field_name=None,
)


class PlanDashboardView(APIView):
    permission_classes = [ClusterRolePermission]
    renderer_classes = [ORJSONRenderer, BrowsableAPIRenderer]
    roles = permissions.DASHBOARD

    def check_permissions(self, request: Request) -> None:
        prime_access(request)
        super().check_permissions(request)

    @extend_schema(
        operation_id="plans_dashboard",
        parameters=[
            OpenApiParameter(
                "as_of", OpenApiTypes.DATETIME, required=False,
                description="Show the plan as it stood at this moment (from the history).",
            )
        ],
        responses=DASHBOARD_RESPONSE,
    )
    def get(self, request: Request, pk: int) -> Response:
        row = selectors.plan_row_visible(request.user, pk)
        if row is None:
            raise Http404
        self.check_object_permissions(request, Plan(pk=row["id"], cluster_id=row["cluster"]))
        if "as_of" in request.query_params:
            from plans.audit.api import dashboard_as_of_response

            response: Any = dashboard_as_of_response(request, Plan.objects.get(pk=pk))
            return response
        return Response(selectors.plan_dashboard(row))
