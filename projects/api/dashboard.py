"""GET /plans/{id}/dashboard/: one call for a plan page; `?as_of=` answers with the same keys
(one serializer), the plan rebuilt from its history (the audit module checks who may and reads
the moment)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from plans.access_cache import prime_access
from plans.api.base.permissions import ClusterRolePermission
from plans.api.base.renderers import ORJSONRenderer
from plans.audit.api import as_of_moment
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
    """The one shape of the dashboard, live and `?as_of=` alike (projects.selectors.dashboard)."""

    plan = DashboardPlanSerializer(allow_null=True, help_text="Null only as of a moment before the plan existed.")
    phases = DashboardPhaseSerializer(many=True)
    strategic_lines = DashboardLineSerializer(many=True)
    projects = DashboardProjectSerializer(many=True)
    milestone_counts = MilestoneCountsSerializer(help_text="Over every milestone of the plan.")
    next_forum = DashboardForumSerializer(allow_null=True)
    history = DashboardEventSerializer(many=True, help_text="The last 20 events of the plan (up to `as_of` when "
                                       "given), newest first.")
    as_of = serializers.DateTimeField(allow_null=True, help_text="The moment shown when `?as_of=` was given "
                                      "(the plan rebuilt from its history); null for the live dashboard.")
    generated_at = serializers.DateTimeField()


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
                description="Show the plan as it stood at this moment (rebuilt from the history; auditors and "
                            "coordinators of the cluster). The answer has the live dashboard's shape.",
            )
        ],
        responses=DashboardSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        row = selectors.plan_row_visible(request.user, pk)
        if row is None:
            raise Http404
        self.check_object_permissions(request, Plan(pk=row["id"], cluster_id=row["cluster"]))
        if "as_of" in request.query_params:
            at = as_of_moment(request, row["cluster"])
            data = selectors.plan_dashboard_as_of(row, at)
            data.pop("milestones")  # the plan page's, not part of the dashboard
            return Response(data)
        return Response(selectors.plan_dashboard(row))
