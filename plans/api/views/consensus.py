"""Forums (attendance, replies, hold, cancel, iCalendar) and agreements (positions, close)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import renderers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from plans import permissions, selectors
from plans.api import filters
from plans.api.base.views import ClusterScopedViewSet
from plans.api.serializers import consensus as s
from plans.api.serializers.plans import ReasonSerializer
from plans.calendar import forum_calendar
from plans.services import agreements as agreement_services
from plans.services import forums as services


class ICalendarRenderer(renderers.BaseRenderer):
    """text/calendar for the `ics` action; errors on that route still render as JSON text."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:  # an error body: say what it really is
            response["Content-Type"] = "application/json"
        return renderers.JSONRenderer().render(data)


@extend_schema_view(
    create=extend_schema(request=s.ForumCreateSerializer, responses={201: s.ForumSerializer}),
    partial_update=extend_schema(
        request=s.ForumUpdateSerializer, responses=s.ForumSerializer,
        description="A change of `starts_at`/`ends_at` is a reschedule: the calendar sequence goes up and "
        "stakeholders are told.",
    ),
)
class ForumViewSet(ClusterScopedViewSet):
    """Participatory forums of the plans the user may see."""

    roles = permissions.FORUM
    serializer_class = s.ForumSerializer
    input_serializers = {
        "create": s.ForumCreateSerializer, "partial_update": s.ForumUpdateSerializer, "hold": s.HoldSerializer,
        "cancel": ReasonSerializer, "attendance": s.AttendanceWriteSerializer, "rsvp": s.ForumResponseWriteSerializer,
    }
    filterset_class = filters.ForumFilter
    search_fields = ["title", "venue", "agenda"]
    ordering_fields = ["starts_at", "id", "status"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.forum_list(user=self.request.user)

    def create(self, request: Request) -> Response:
        data = self.parse()
        phase = data.pop("phase")
        self.check_cluster_write(phase.plan.cluster_id)
        forum = self.run_service(services.forum_schedule, phase_id=phase.pk, **data)
        return self.service_response(forum, status=201)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update_with(services.forum_update, "forum_id")

    @extend_schema(request=s.HoldSerializer, responses=s.ForumSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request: Request, pk: str | None = None) -> Response:
        """Record that the forum was held, with its minutes."""
        forum = self.get_object()
        minutes = self.parse()["minutes"]
        self.run_service(services.forum_hold, obj=forum, forum_id=forum.pk, minutes=minutes)
        return self.service_response(forum)

    @extend_schema(request=ReasonSerializer, responses=s.ForumSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel the forum; stakeholders are told and calendars drop it."""
        forum = self.get_object()
        reason = self.parse()["reason"]
        self.run_service(services.forum_cancel, obj=forum, forum_id=forum.pk, reason=reason)
        return self.service_response(forum)

    @extend_schema(
        request=s.ForumResponseWriteSerializer, responses=s.ForumResponseSerializer,
        description="Reply to the forum's invitation: `yes`, `no` or `maybe`, while the forum is scheduled. "
        "A stakeholder replies for themselves; coordinators for any stakeholder of the cluster. The same "
        "answer again changes nothing (no new history event).",
    )
    @action(detail=True, methods=["post"])
    def rsvp(self, request: Request, pk: str | None = None) -> Response:
        forum = self.get_object()
        data = self.parse()
        stakeholder = data.get("stakeholder")
        reply = self.run_service(
            services.forum_rsvp, forum_id=forum.pk, answer=data["answer"], comment=data.get("comment"),
            stakeholder_id=stakeholder.pk if stakeholder else None,
        )
        return self.service_response(reply, serializer_class=s.ForumResponseSerializer)

    @extend_schema(responses={(200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR, description="iCalendar")})
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, ICalendarRenderer])
    def ics(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The forum as an iCalendar event (stable UID, SEQUENCE raised on each change)."""
        forum = self.get_object()
        response = HttpResponse(forum_calendar(forum), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="forum-{forum.pk}.ics"'
        return response

    @extend_schema(methods=["GET"], request=None, responses=s.AttendanceSerializer(many=True))
    @extend_schema(methods=["POST"], request=s.AttendanceWriteSerializer, responses={201: s.AttendanceSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def attendance(self, request: Request, pk: str | None = None) -> Response:
        """Who attended: `GET` the list (paginated like every list), `POST` one organization or one person."""
        forum = self.get_object()
        if request.method == "GET":
            return self.paginated(selectors.attendance_list(forum=forum), s.AttendanceSerializer)
        data = self.parse()
        organization, stakeholder = data.get("organization"), data.get("stakeholder")
        row = self.run_service(
            services.attendance_add, forum_id=forum.pk,
            organization_id=organization.pk if organization else None,
            stakeholder_id=stakeholder.pk if stakeholder else None,
        )
        return self.service_response(row, status=201, serializer_class=s.AttendanceSerializer)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"attendance/(?P<attendance_id>[0-9]+)")
    def attendance_remove(self, request: Request, pk: str | None = None, attendance_id: str = "") -> Response:
        """Take one row off the attendance list."""
        forum = self.get_object()
        row = selectors.attendance_list(forum=forum).filter(pk=int(attendance_id)).first()
        if row is None:
            raise NotFound()
        self.run_service(services.attendance_remove, attendance_id=row.pk)
        return Response(status=204)


@extend_schema_view(create=extend_schema(request=s.AgreementCreateSerializer, responses={201: s.AgreementSerializer}))
class AgreementViewSet(ClusterScopedViewSet):
    """Agreements with their rule, status and tally."""

    roles = permissions.AGREEMENT
    serializer_class = s.AgreementSerializer
    input_serializers = {
        "create": s.AgreementCreateSerializer, "positions": s.PositionWriteSerializer, "close": s.CloseSerializer,
    }
    filterset_class = filters.AgreementFilter
    search_fields = ["title", "text"]
    ordering_fields = ["id", "status", "decided_at"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.agreement_list(user=self.request.user)

    def create(self, request: Request) -> Response:
        data = self.parse()
        plan, forum, phase = data.pop("plan"), data.pop("forum", None), data.pop("phase", None)
        self.check_cluster_write(plan.cluster_id)
        agreement = self.run_service(
            agreement_services.agreement_create, plan_id=plan.pk, forum_id=forum.pk if forum else None,
            phase_id=phase.pk if phase else None, **data,
        )
        return self.service_response(agreement, status=201)

    @extend_schema(methods=["GET"], request=None, responses=s.PositionSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=s.PositionWriteSerializer, responses={201: s.PositionSerializer},
        description="Coordinators record any member's position; a stakeholder only their own organization's. "
        "A second position of the same organization replaces the first while the agreement is open.",
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def positions(self, request: Request, pk: str | None = None) -> Response:
        agreement = self.get_object()
        if request.method == "GET":
            return self.paginated(selectors.position_list(agreement=agreement), s.PositionSerializer)
        data = self.parse()
        # Coordinators record for any member; a stakeholder only for their own organization
        # (the service checks it: 403 for another organization).
        position = self.run_service(
            agreement_services.position_record, agreement_id=agreement.pk, organization_id=data["organization"].pk,
            position=data["position"], comment=data["comment"],
        )
        return self.service_response(position, status=201, serializer_class=s.PositionSerializer)

    @extend_schema(request=s.CloseSerializer, responses=s.AgreementSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Count the positions, apply the rule and store the outcome (adopted or rejected)."""
        agreement = self.get_object()
        data = self.parse()
        self.run_service(
            agreement_services.agreement_close, obj=agreement, agreement_id=agreement.pk,
            attendance_override_reason=data["attendance_override_reason"],
        )
        return self.service_response(agreement)
