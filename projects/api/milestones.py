"""Milestones (with complete, reschedule, start, cancel and progress notes) and indicators.

`due_date` is set at creation and moved only by `reschedule` (with a reason);
`baseline_due_date`, `status`, `completed_on` and `is_overdue` are read-only.
Progress notes (`/milestones/{id}/updates/`) may be posted by coordinators, and by a
stakeholder on a milestone they are responsible for.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from plans.api.base.views import RowViewSet
from projects import permissions, selectors
from projects.models import Milestone
from projects.services.indicators import indicator_create, indicator_update, measurement_record
from projects.services.milestones import (
    milestone_cancel,
    milestone_complete,
    milestone_create,
    milestone_reschedule,
    milestone_start,
    milestone_update,
    milestone_update_post,
)

from .filters import IndicatorFilter, MilestoneFilter
from .serializers import (
    IndicatorCreateSerializer,
    IndicatorSerializer,
    IndicatorWriteSerializer,
    MeasurementCreateSerializer,
    MeasurementSerializer,
    MilestoneCompleteSerializer,
    MilestoneCreateSerializer,
    MilestoneReasonSerializer,
    MilestoneRescheduleSerializer,
    MilestoneSerializer,
    MilestoneUpdatePostSerializer,
    MilestoneUpdateSerializer,
    MilestoneWriteSerializer,
)


def _nested_list(view: RowViewSet, queryset: Any) -> Response:
    page = view.paginate_queryset(queryset)
    return view.get_paginated_response(list(page or []))


class MilestoneViewSet(RowViewSet):
    roles = permissions.MILESTONE  # complete: coordinators; updates: also the responsible stakeholder
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter
    search_fields = ["title", "description"]
    ordering_fields = ["due_date", "baseline_due_date", "title", "status", "weight", "id"]
    input_serializers = {
        "create": MilestoneCreateSerializer,
        "partial_update": MilestoneWriteSerializer,
        "complete": MilestoneCompleteSerializer,
        "reschedule": MilestoneRescheduleSerializer,
        "cancel": MilestoneReasonSerializer,
        "updates": MilestoneUpdatePostSerializer,
    }

    def get_queryset(self) -> Any:
        return selectors.milestone_queryset(self.request.user)

    def list_rows(self) -> Any:
        return selectors.milestone_list(self.request.user)

    def detail_row(self, pk: int) -> dict[str, Any]:
        row = selectors.milestone_row(self.request.user, pk)
        if row is None:
            raise Http404
        return row

    @extend_schema(request=MilestoneCreateSerializer, responses={201: MilestoneSerializer})
    def create(self, request: Request) -> Response:
        data = self.parse()
        project = data.pop("project")
        self.check_cluster_write(project.plan.cluster_id)
        responsible = data.pop("responsible", None)
        milestone = self.run_service(
            milestone_create, project_id=project.pk, responsible_id=getattr(responsible, "pk", None), **data
        )
        return self.service_response(milestone, status=status.HTTP_201_CREATED)

    @extend_schema(request=MilestoneWriteSerializer, responses=MilestoneSerializer)
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self.update_with(milestone_update, "milestone_id")

    def _act(self, milestone: Milestone, service: Any, **data: Any) -> Response:
        self.run_service(service, obj=milestone, milestone_id=milestone.pk, **data)
        return self.service_response(milestone)

    @extend_schema(request=MilestoneCompleteSerializer, responses=MilestoneSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: int | None = None) -> Response:
        milestone = self.get_object()  # 404 before 400: an unknown milestone is not a bad body
        return self._act(milestone, milestone_complete, **self.parse())

    @extend_schema(request=MilestoneRescheduleSerializer, responses=MilestoneSerializer)
    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, pk: int | None = None) -> Response:
        milestone = self.get_object()
        return self._act(milestone, milestone_reschedule, **self.parse())

    @extend_schema(request=None, responses=MilestoneSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: int | None = None) -> Response:
        return self._act(self.get_object(), milestone_start)

    @extend_schema(request=MilestoneReasonSerializer, responses=MilestoneSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: int | None = None) -> Response:
        milestone = self.get_object()
        return self._act(milestone, milestone_cancel, **self.parse())

    @extend_schema(methods=["GET"], request=None, responses=MilestoneUpdateSerializer(many=True))
    @extend_schema(methods=["POST"], request=MilestoneUpdatePostSerializer, responses={201: MilestoneUpdateSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def updates(self, request: Request, pk: int | None = None) -> Response:
        milestone: Milestone = self.get_object()
        if request.method == "GET":
            return _nested_list(self, selectors.milestone_update_list(milestone.pk))
        # A stakeholder posts only on a milestone they answer for (the service refuses: 403).
        update = self.run_service(milestone_update_post, milestone_id=milestone.pk, **self.parse())
        row = selectors.milestone_update_list(milestone.pk).get(pk=update.pk)
        return Response(MilestoneUpdateSerializer(row).data, status=status.HTTP_201_CREATED)


class IndicatorViewSet(RowViewSet):
    roles = permissions.INDICATOR
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    search_fields = ["name", "unit"]
    ordering_fields = ["name", "target_date", "id"]
    input_serializers = {
        "create": IndicatorCreateSerializer,
        "partial_update": IndicatorWriteSerializer,
        "measurements": MeasurementCreateSerializer,
    }

    def get_queryset(self) -> Any:
        return selectors.indicator_queryset(self.request.user)

    def list_rows(self) -> Any:
        return selectors.indicator_list(self.request.user)

    def detail_row(self, pk: int) -> dict[str, Any]:
        row = selectors.indicator_list(self.request.user).filter(pk=pk).first()
        if row is None:
            raise Http404
        return row

    @extend_schema(request=IndicatorCreateSerializer, responses={201: IndicatorSerializer})
    def create(self, request: Request) -> Response:
        data = self.parse()
        plan = data.pop("plan")
        self.check_cluster_write(plan.cluster_id)
        project = data.pop("project", None)
        indicator = self.run_service(
            indicator_create, plan_id=plan.pk, project_id=getattr(project, "pk", None), **data
        )
        return self.service_response(indicator, status=status.HTTP_201_CREATED)

    @extend_schema(request=IndicatorWriteSerializer, responses=IndicatorSerializer)
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self.update_with(indicator_update, "indicator_id")

    @extend_schema(methods=["GET"], request=None, responses=MeasurementSerializer(many=True))
    @extend_schema(methods=["POST"], request=MeasurementCreateSerializer, responses={201: MeasurementSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def measurements(self, request: Request, pk: int | None = None) -> Response:
        indicator = self.get_object()
        if request.method == "GET":
            return _nested_list(self, selectors.measurement_list(indicator.pk))
        measurement = self.run_service(measurement_record, indicator_id=indicator.pk, **self.parse())
        row = selectors.measurement_list(indicator.pk).get(pk=measurement.pk)
        return Response(MeasurementSerializer(row).data, status=status.HTTP_201_CREATED)
