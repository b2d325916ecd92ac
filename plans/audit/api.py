"""Audit API: plan timeline, export, compare, as-of helpers, chain verification. Read-only.

Who: programme administrators, and auditors and coordinators of the plan's cluster
(global auditors: every cluster). Stakeholders may see the cluster but not its history: 403.
Users who cannot see the cluster at all: 404 (no probing of ids). Every write method: 403.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema
from rest_framework import exceptions
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from plans import permissions
from plans.access import access_for
from plans.api.base.schema import ErrorSerializer
from plans.errors import ValidationFailed
from plans.models import Cluster, HistoryChainHead, HistoryEvent, Plan

from . import asof, export, timeline
from .seal import seal_outside_writes
from .verify import audit

HISTORY_ROLES = permissions.HISTORY.read  # auditors and coordinators (plans/permissions.py)
SEAL_BATCHES_PER_REQUEST = 10  # x 1000 captured changes


class HistoryPermission(BasePermission):
    """Authenticated (401 otherwise), read-only for everyone (403 on writes)."""

    message = gettext_lazy("The history is read-only.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        return request.method in SAFE_METHODS


def check_history_access(user: Any, cluster_id: int | None) -> None:
    """404 if the user cannot see the cluster, 403 if they see it but not its history."""
    access = access_for(user)
    if access.is_admin:
        return
    roles = access.roles_in(cluster_id)
    if roles & HISTORY_ROLES:
        return
    if roles:
        raise exceptions.PermissionDenied(_("Only auditors and coordinators of the cluster may read its history."))
    raise Http404


def history_plan(request: Request, pk: int) -> Plan:
    plan = get_object_or_404(Plan.objects.only("id", "cluster_id", "title", "edition"), pk=pk)
    check_history_access(request.user, plan.cluster_id)
    return plan


def seal_before_reading() -> None:
    """Just-in-time sealing: changes caught at the database appear before the history is read.

    Bounded per request (10,000 changes); a mass update beyond that is left to the periodic
    task and `seal_history`, which run the same code.
    """
    seal_outside_writes(batch_size=1000, max_batches=SEAL_BATCHES_PER_REQUEST)


def _instant(request: Request, name: str, *, required: bool = True) -> Any:
    value = timeline.parse_instant(request.query_params.get(name), name)
    if value is None and required:
        raise ValidationFailed(
            _("The parameter “%(name)s” is required.") % {"name": name}, errors={name: [_("Required.")]}
        )
    return value


# --- As-of helpers called by the plan and dashboard views when ?as_of= is present ----------


def plan_as_of_response(request: Request, plan: Plan) -> Response:
    """GET /plans/{id}/?as_of=: the plan, phases, lines, projects and milestones at that moment."""
    check_history_access(request.user, plan.cluster_id)
    at = _instant(request, "as_of")
    seal_before_reading()
    return Response(asof.plan_state(plan.pk, at))


def as_of_moment(request: Request, cluster_id: int) -> Any:
    """`?as_of=` of GET /plans/{id}/dashboard/: 403 unless the user may read the cluster's history,
    400 for a value that is not a moment; changes caught at the database are sealed first. The
    dashboard itself is built by its selector, in the live dashboard's shape."""
    check_history_access(request.user, cluster_id)
    at = _instant(request, "as_of")
    seal_before_reading()
    return at


# --- Views -----------------------------------------------------------------------------------

FILTER_PARAMS = [
    OpenApiParameter("since", OpenApiTypes.DATETIME, description="Events at or after this moment."),
    OpenApiParameter("until", OpenApiTypes.DATETIME, description="Events at or before this moment."),
    OpenApiParameter("actor", OpenApiTypes.STR, description="User id or username."),
    OpenApiParameter("object_type", OpenApiTypes.STR, description="e.g. plans.forum (comma-separated list)."),
    OpenApiParameter("action", OpenApiTypes.STR, description="e.g. update,transition (comma-separated list)."),
    OpenApiParameter("source", OpenApiTypes.STR, description="e.g. web,database (comma-separated list)."),
    OpenApiParameter("q", OpenApiTypes.STR, description="Text in the object's name, the reason or the actor's name."),
]


class HistoryCursorPagination(CursorPagination):
    """Newest first by sequence: a page costs the same at the start and deep in the history."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class PlanHistoryView(ListAPIView):
    """The plan's history: its own events and those of everything in it, newest first."""

    permission_classes = [HistoryPermission]
    pagination_class = HistoryCursorPagination
    filter_backends: list[Any] = []

    @extend_schema(parameters=FILTER_PARAMS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        plan = history_plan(self.request, self.kwargs["pk"])
        seal_before_reading()
        return timeline.filter_events(timeline.plan_events(plan.pk), self.request.query_params)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([timeline.event_as_dict(e) for e in page or []])


def _export_format(request: Request) -> str:
    fmt = (request.query_params.get("format") or "jsonl").lower()
    if fmt not in export.FORMATS:
        raise ValidationFailed(
            _("Unknown export format “%(format)s”: use csv or jsonl.") % {"format": fmt[:20]},
            errors={"format": [_("Use csv or jsonl.")]},
        )
    return fmt


def _streamed(qs: Any, fmt: str, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(export.batched(export.export_lines(qs, fmt)), content_type=export.FORMATS[fmt])
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


class ExportView(APIView):
    permission_classes = [HistoryPermission]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # `?format=` names the export format here, not a DRF renderer; errors are JSON.
        return (JSONRenderer(), JSONRenderer.media_type)


class PlanHistoryExportView(ExportView):
    """The plan's whole history with hashes, streamed oldest first as CSV or JSON Lines."""

    @extend_schema(
        parameters=[*FILTER_PARAMS, OpenApiParameter("format", OpenApiTypes.STR, enum=["csv", "jsonl"])],
        responses={200: OpenApiTypes.BINARY},
    )
    def get(self, request: Request, pk: int) -> StreamingHttpResponse:
        plan = history_plan(request, pk)
        fmt = _export_format(request)
        seal_before_reading()
        qs = timeline.filter_events(timeline.plan_events(plan.pk), request.query_params)
        return _streamed(qs, fmt, f"plan-{plan.pk}-history")


class ChainExportView(ExportView):
    """A whole chain (a cluster's; 0 = programme-wide) in position order, for a complete
    offline check of every link against a published head."""

    @extend_schema(
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=["csv", "jsonl"])],
        responses={200: OpenApiTypes.BINARY},
    )
    def get(self, request: Request, chain_id: int) -> StreamingHttpResponse:
        access = access_for(request.user)
        if chain_id == 0:
            if not (access.is_admin or access.global_roles & HISTORY_ROLES):
                raise exceptions.PermissionDenied(_("Only global auditors may export the programme-wide chain."))
        else:
            get_object_or_404(Cluster.objects.only("id"), pk=chain_id)
            check_history_access(request.user, chain_id)
        fmt = _export_format(request)
        seal_before_reading()
        qs = HistoryEvent.objects.filter(chain_id=chain_id).order_by("chain_seq")
        return _streamed(qs, fmt, f"chain-{chain_id}")


class PlanCompareView(APIView):
    """What changed in the plan between two moments: per object, each field's old -> new."""

    permission_classes = [HistoryPermission]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATETIME, required=True),
            OpenApiParameter("to", OpenApiTypes.DATETIME, description="Default: now."),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, pk: int) -> Response:
        plan = history_plan(request, pk)
        start = _instant(request, "from")
        end = _instant(request, "to", required=False) or timezone.now()
        if start > end:
            raise ValidationFailed(_("“from” must be before “to”."), errors={"from": [_("Must be before “to”.")]})
        seal_before_reading()
        return Response(asof.compare(plan.pk, start, end))


class AuditVerifyView(APIView):
    """Recompute the hash chains the user may audit (all for a global auditor or admin), after
    sealing captured changes; with the guards' state, as `verify_history` reports it."""

    permission_classes = [HistoryPermission]

    @extend_schema(
        parameters=[OpenApiParameter("chain", OpenApiTypes.STR, description="Chain ids (cluster ids, 0 = "
                                     "programme-wide), comma-separated; default: every chain the user may audit.")],
        responses={
            200: OpenApiTypes.OBJECT,
            400: OpenApiResponse(ErrorSerializer, description="A chain id that is not a non-negative integer."),
            404: OpenApiResponse(ErrorSerializer, description="A chain that does not exist or the user may not audit."),
        },
    )
    def get(self, request: Request) -> Response:
        access = access_for(request.user)
        allowed = access.cluster_ids(HISTORY_ROLES)
        if allowed is not None and not allowed:
            raise exceptions.PermissionDenied(_("Only auditors and coordinators may verify the history."))
        # None = every chain, programme-wide chain 0 included; otherwise the user's clusters.
        chain_ids = None if allowed is None else sorted(allowed)
        wanted = (request.query_params.get("chain") or "").strip()
        if wanted:
            requested = _chain_ids(wanted)
            # Unknown chains and chains outside the user's scope look alike: 404 (no probing).
            known = {0} | set(Cluster.objects.filter(pk__in=requested).values_list("pk", flat=True))
            known |= set(HistoryChainHead.objects.filter(chain_id__in=requested).values_list("chain_id", flat=True))
            if any(c not in known or (allowed is not None and c not in allowed) for c in requested):
                raise Http404
            chain_ids = sorted(requested)
        return Response(audit(chain_ids, seal_batches=SEAL_BATCHES_PER_REQUEST).as_dict())


MAX_CHAIN_ID = 2**63 - 1  # the chain column is a 64-bit integer


def _chain_ids(text: str) -> set[int]:
    """The ids of `?chain=`: non-negative integers in the column's range, or 400."""
    try:
        requested = {int(part) for part in text.split(",") if part.strip()}
    except ValueError:
        requested = set()
    if not requested or any(not 0 <= c <= MAX_CHAIN_ID for c in requested):
        raise ValidationFailed(
            _("“chain” is a comma-separated list of chain ids."), errors={"chain": [_("Enter integers.")]}
        )
    return requested
