"""The plan dashboard (`GET /plans/{id}/dashboard/` and the top of the plan page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from plans.access import READ_ROLES, access_for
from plans.models import Forum, HistoryEvent, Phase, Plan, StrategicLine
from projects.models import (
    Milestone,
    Project,
)

from .common import _pop_counts, milestone_count_annotations


DASHBOARD_PLAN_FIELDS = (
    "id", "cluster", "cluster__name", "title", "edition", "vision", "status", "grant_amount",
    "grant_currency", "approved_on", "progress", "version",
)
DASHBOARD_PHASE_FIELDS = (
    "id", "order", "kind", "title", "status", "planned_start", "planned_end", "actual_start", "actual_end",
    "version",
)
DASHBOARD_PROJECT_FIELDS = ("id", "code", "title", "category", "status", "strategic_line", "progress", "version")
DASHBOARD_FORUM_FIELDS = ("id", "phase", "title", "starts_at", "ends_at", "venue", "address", "status")
DASHBOARD_HISTORY_FIELDS = (
    "id", "occurred_at", "actor", "actor_label", "source", "action", "object_type", "object_id",
    "object_repr", "changes", "reason",
)
HISTORY_LIMIT = 20


def plan_row_visible(user: Any, plan_id: int, roles: frozenset[str] = READ_ROLES) -> dict[str, Any] | None:
    """The plan's dashboard row if the user holds one of `roles` in its cluster (None answers 404
    without revealing it)."""
    row = Plan.objects.filter(access_for(user).scope(Plan, roles), pk=plan_id).values(*DASHBOARD_PLAN_FIELDS).first()
    if row is not None:
        row["cluster_name"] = row.pop("cluster__name")
    return row


def plan_dashboard(plan_row: dict[str, Any], *, now: dt.datetime | None = None) -> dict[str, Any]:
    """One plan page in 7 queries after the plan row, whatever the number of projects."""
    now = now or timezone.now()
    on = timezone.localdate(now)
    plan_id = plan_row["id"]
    phases = list(Phase.objects.filter(plan_id=plan_id).values(*DASHBOARD_PHASE_FIELDS).order_by("order"))
    lines = list(
        StrategicLine.objects.filter(plan_id=plan_id).values("id", "code", "title", "order", "version")
        .order_by("order", "code")
    )
    projects = list(
        Project.objects.filter(plan_id=plan_id).values(*DASHBOARD_PROJECT_FIELDS)
        .annotate(**milestone_count_annotations("milestones__", on)).order_by("code")
    )
    for row in projects:
        row["milestone_counts"] = _pop_counts(row)
    totals = Milestone.objects.filter(plan_id=plan_id).aggregate(**milestone_count_annotations("", on))
    next_forum = (
        Forum.objects.filter(plan_id=plan_id, status=Forum.Status.SCHEDULED, starts_at__gte=now)
        .values(*DASHBOARD_FORUM_FIELDS).order_by("starts_at", "id").first()
    )
    history = list(
        HistoryEvent.objects.filter(plan_id=plan_id).values(*DASHBOARD_HISTORY_FIELDS)
        .order_by("-id")[:HISTORY_LIMIT]
    )
    return {
        "plan": plan_row,
        "phases": phases,
        "strategic_lines": lines,
        "projects": projects,
        "milestone_counts": _pop_counts(totals),
        "next_forum": next_forum,
        "history": history,
        "as_of": None,
        "generated_at": now,
    }
