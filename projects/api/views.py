"""Projects, their funding lines and beneficiaries.

Thin views: parse with an input serializer, call one service (projects.services) or
selector (projects.selectors), answer with the object's row as a GET would show it.
Lists render `.values()` rows through orjson (plans.api.base.views.RowViewSet): their query
count does not depend on the number of rows (tests/api_projects/test_query_counts.py).

Nested writes (documented in the schema):
- `POST /projects/{id}/beneficiaries/ {"organization"}` adds a beneficiary,
  `DELETE /projects/{id}/beneficiaries/{organization_id}/` removes it;
- `POST /projects/{id}/funding-lines/ {"source","currency","budget","description"}` adds a
  funding line, `PATCH /projects/{id}/funding-lines/{line_id}/` edits budget or description
  (If-Match with the line's version);
- `GET|POST /projects/{id}/funding-lines/{line_id}/expenditures/ {"amount","spent_on",...}` lists
  or records money spent against a line (above budget only with `over_budget_reason`).
Ids in these paths are bounded like the columns (64-bit): anything else is a 404, not a crash.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from plans.api.base.concurrency import parse_if_match
from plans.api.base.views import RowViewSet, path_id
from plans.errors import StaleVersion
from projects import permissions, selectors
from projects.services.funding import expenditure_record, funding_line_create, funding_line_update
from projects.services.projects import (
    beneficiary_add,
    beneficiary_remove,
    project_create,
    project_transition,
    project_update,
)

from .filters import ProjectFilter
from .serializers import (
    BeneficiaryAddSerializer,
    ExpenditureCreateSerializer,
    ExpenditureSerializer,
    FundingLineCreateSerializer,
    FundingLineSerializer,
    FundingLineUpdateSerializer,
    ProjectCreateSerializer,
    ProjectSerializer,
    ProjectTransitionSerializer,
    ProjectWriteSerializer,
)


class ProjectViewSet(RowViewSet):
    roles = permissions.PROJECT
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    search_fields = ["code", "title", "objective"]
    ordering_fields = ["code", "title", "status", "category", "progress", "priority", "planned_start", "id"]
    input_serializers = {
        "create": ProjectCreateSerializer,
        "partial_update": ProjectWriteSerializer,
        "transition": ProjectTransitionSerializer,
        "beneficiaries": BeneficiaryAddSerializer,
        "funding_lines": FundingLineCreateSerializer,
        "funding_line": FundingLineUpdateSerializer,
        "expenditures": ExpenditureCreateSerializer,
    }

    def get_queryset(self) -> Any:
        return selectors.project_queryset(self.request.user)

    def list_rows(self) -> Any:
        return selectors.project_list(self.request.user)

    def attach(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return selectors.attach_project_relations(rows)

    def detail_row(self, pk: int) -> dict[str, Any]:
        row = selectors.project_row(self.request.user, pk)
        if row is None:
            raise Http404
        return row

    @extend_schema(request=ProjectCreateSerializer, responses={201: ProjectSerializer})
    def create(self, request: Request) -> Response:
        data = self.parse()
        plan = data.pop("plan")
        self.check_cluster_write(plan.cluster_id)
        project = self.run_service(project_create, plan_id=plan.pk, **data)
        return self.service_response(project, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProjectWriteSerializer, responses=ProjectSerializer)
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self.update_with(project_update, "project_id")

    @extend_schema(request=ProjectTransitionSerializer, responses=ProjectSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: int | None = None) -> Response:
        project = self.get_object()
        data = self.parse()
        self.run_service(project_transition, obj=project, project_id=project.pk, **data)
        return self.service_response(project)

    @extend_schema(request=BeneficiaryAddSerializer, responses={201: ProjectSerializer})
    @action(detail=True, methods=["post"])
    def beneficiaries(self, request: Request, pk: int | None = None) -> Response:
        project = self.get_object()
        self.expected_version(project)  # If-Match names the project's version: 412 before parsing
        organization = self.parse()["organization"]
        # obj=project: the service re-checks that version under the project's row lock.
        self.run_service(beneficiary_add, obj=project, project_id=project.pk, organization_id=organization.pk)
        return self.service_response(project, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ProjectSerializer})
    @action(detail=True, methods=["delete"], url_path=r"beneficiaries/(?P<organization_id>[0-9]+)")
    def beneficiary(self, request: Request, pk: int | None = None, organization_id: str = "") -> Response:
        project = self.get_object()
        organization = path_id(organization_id)
        if not selectors.is_beneficiary(project.pk, organization):
            raise Http404
        self.run_service(beneficiary_remove, obj=project, project_id=project.pk, organization_id=organization)
        return self.service_response(project)

    @extend_schema(request=FundingLineCreateSerializer, responses={201: FundingLineSerializer})
    @action(detail=True, methods=["post"], url_path="funding-lines")
    def funding_lines(self, request: Request, pk: int | None = None) -> Response:
        project = self.get_object()
        self.expected_version(project)
        line = self.run_service(funding_line_create, obj=project, project_id=project.pk, **self.parse())
        return self._funding_response(project.pk, line.pk, status.HTTP_201_CREATED)

    @extend_schema(request=FundingLineUpdateSerializer, responses=FundingLineSerializer)
    @action(detail=True, methods=["patch"], url_path=r"funding-lines/(?P<line_id>[0-9]+)")
    def funding_line(self, request: Request, pk: int | None = None, line_id: str = "") -> Response:
        project = self.get_object()
        line = self._line(project, line_id)
        versions = parse_if_match(request.headers.get("If-Match"))
        if versions and line.version not in versions:
            raise StaleVersion(expected=min(versions), current=line.version)
        values = self.parse(partial=True)
        expected = line.version if versions else None
        self.run_service(
            funding_line_update, funding_line_id=line.pk, values=values, expected_version=expected
        )
        return self._funding_response(project.pk, line.pk, status.HTTP_200_OK)

    @extend_schema(methods=["GET"], request=None, responses=ExpenditureSerializer(many=True))
    @extend_schema(methods=["POST"], request=ExpenditureCreateSerializer, responses={201: ExpenditureSerializer})
    @action(detail=True, methods=["get", "post"], url_path=r"funding-lines/(?P<line_id>[0-9]+)/expenditures",
            filter_backends=[])
    def expenditures(self, request: Request, pk: int | None = None, line_id: str = "") -> Response:
        """Money spent against a funding line; recording it raises the line's executed amount."""
        project = self.get_object()
        line = self._line(project, line_id)
        if request.method == "GET":
            page = self.paginate_queryset(selectors.expenditure_list(line.pk))
            return self.get_paginated_response(list(page or []))
        expenditure = self.run_service(expenditure_record, funding_line_id=line.pk, **self.parse())
        row = selectors.expenditure_list(line.pk).get(pk=expenditure.pk)
        return Response(ExpenditureSerializer(row).data, status=status.HTTP_201_CREATED)

    def _line(self, project: Any, line_id: str) -> Any:
        line = selectors.funding_line_queryset(self.request.user).filter(
            project=project, pk=path_id(line_id)
        ).first()
        if line is None:
            raise Http404
        return line

    def _funding_response(self, project_id: int, line_id: int, code: int) -> Response:
        row = self.detail_row(project_id)
        line = next(item for item in row["funding"] if item["id"] == line_id)
        return Response(FundingLineSerializer(line).data, status=code)
