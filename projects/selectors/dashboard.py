"""The plan dashboard (`GET /plans/{id}/dashboard/` and the top of the plan page), live or as
the plan stood at a past moment: one shape for both (the API's one serializer,
projects/api/dashboard.py `DashboardSerializer`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import DateField, DecimalField, Model
from django.utils import timezone

from plans.access import READ_ROLES, access_for
from plans.audit import asof
from plans.models import Forum, HistoryEvent, Phase, Plan, StrategicLine
from projects.models import (
    Milestone,
    Project,
)

from .common import DUE_SOON_DAYS, OPEN, _pop_counts, milestone_count_annotations

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
DASHBOARD_LINE_FIELDS = ("id", "code", "title", "order", "version")
HISTORY_LIMIT = 20


def plan_row_visible(
    user: Any, plan_id: int, roles: frozenset[str] = READ_ROLES, *, extra: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The plan's dashboard row if the user holds one of `roles` in its cluster (None answers 404
    without revealing it); `extra` annotations ride along (the plan page's lists)."""
    row = (
        Plan.objects.filter(access_for(user).scope(Plan, roles), pk=plan_id).values(*DASHBOARD_PLAN_FIELDS)
        .annotate(**(extra or {})).first()
    )
    if row is not None:
        row["cluster_name"] = row.pop("cluster__name")
    return row


COUNT_KEYS = ("total", "completed", "overdue", "due_soon")


def plan_dashboard(plan_row: dict[str, Any], *, now: dt.datetime | None = None) -> dict[str, Any]:
    """One plan page in 5 queries after the plan row, whatever the number of projects.

    The plan's milestone counts are the sums of its projects' (every milestone belongs to a
    project of its plan), so they cost no query of their own."""
    now = now or timezone.now()
    on = timezone.localdate(now)
    plan_id = plan_row["id"]
    phases = list(Phase.objects.filter(plan_id=plan_id).values(*DASHBOARD_PHASE_FIELDS).order_by("order"))
    lines = list(
        StrategicLine.objects.filter(plan_id=plan_id).values(*DASHBOARD_LINE_FIELDS).order_by("order", "code")
    )
    projects = list(
        Project.objects.filter(plan_id=plan_id).values(*DASHBOARD_PROJECT_FIELDS)
        .annotate(**milestone_count_annotations("milestones__", on)).order_by("code")
    )
    for row in projects:
        row["milestone_counts"] = _pop_counts(row)
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
        "milestone_counts": _summed_counts(projects),
        "next_forum": next_forum,
        "history": history,
        "as_of": None,
        "generated_at": now,
    }


def _summed_counts(projects: list[dict[str, Any]]) -> dict[str, int]:
    return {key: sum(p["milestone_counts"][key] for p in projects) for key in COUNT_KEYS}


# --- As of a moment: the same keys and value types, rebuilt from the history -----------------


def _typed(model: type[Model], row: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """A rebuilt row (values as the history records them: ISO dates, decimal strings) with the
    dashboard's fields only, each as the live row's type (date, Decimal, aware datetime)."""
    out: dict[str, Any] = {}
    for name in fields:
        value = row.get(name)
        if value is not None and name not in ("id", "version"):
            field = model._meta.get_field(name)
            if isinstance(field, DateField | DecimalField):  # DateTimeField is a DateField
                value = field.to_python(value)
        out[name] = value
    return out


def weighted_progress(milestones: list[dict[str, Any]]) -> Decimal:
    """projects.services.progress's rule over rebuilt rows: completed weight over the weight of
    milestones not cancelled, 0 when nothing counts."""
    total = sum(m.get("weight") or 0 for m in milestones if m.get("status") != Milestone.Status.CANCELLED)
    done = sum(m.get("weight") or 0 for m in milestones if m.get("status") == Milestone.Status.COMPLETED)
    if not total:
        return Decimal("0.00")
    return (Decimal(100) * Decimal(done) / Decimal(total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _counts(milestones: list[dict[str, Any]], on: dt.date) -> dict[str, int]:
    """The live counts' rules (projects.selectors.common) over typed rows."""
    soon = on + dt.timedelta(days=DUE_SOON_DAYS)
    open_ = [m for m in milestones if m["status"] in OPEN and m["due_date"] is not None]
    return {
        "total": len(milestones),
        "completed": sum(1 for m in milestones if m["status"] == Milestone.Status.COMPLETED),
        "overdue": sum(1 for m in open_ if m["due_date"] < on),
        "due_soon": sum(1 for m in open_ if on <= m["due_date"] <= soon),
    }


AS_OF_MILESTONE_FIELDS = ("id", "project", "title", "due_date", "baseline_due_date", "weight", "responsible",
                          "status", "version")


def plan_dashboard_as_of(plan_row: dict[str, Any], at: dt.datetime) -> dict[str, Any]:
    """`plan_dashboard` as the plan stood at `at`, rebuilt from its history (plans.audit.asof):
    the same keys, the same value types, the same rules for counts and progress. `plan` is None
    (and the lists empty) before the plan existed. The rebuilt milestones ride along under
    `milestones` for the plan page (the API leaves them out)."""
    state = asof.plan_state(plan_row["id"], at)
    on = timezone.localdate(at)
    milestones = [_typed(Milestone, m, AS_OF_MILESTONE_FIELDS) for m in state["milestones"]]
    by_project: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for m in milestones:
        by_project[m["project"]].append(m)
    projects = []
    for rebuilt in state["projects"]:
        row = _typed(Project, rebuilt, DASHBOARD_PROJECT_FIELDS)
        row["progress"] = weighted_progress(by_project.get(row["id"], []))
        row["milestone_counts"] = _counts(by_project.get(row["id"], []), on)
        projects.append(row)
    plan = None
    if state["plan"] is not None:
        plan = {**_typed(Plan, state["plan"], DASHBOARD_PLAN_FIELDS[:2] + DASHBOARD_PLAN_FIELDS[3:]),
                "cluster_name": plan_row["cluster_name"]}
        counted = {p["id"] for p in projects if p["status"] != Project.Status.CANCELLED}
        plan["progress"] = weighted_progress([m for m in milestones if m["project"] in counted])
    forums = [_typed(Forum, f, DASHBOARD_FORUM_FIELDS) for f in state["forums"]]
    upcoming = sorted((f for f in forums if f["status"] == Forum.Status.SCHEDULED and f["starts_at"]
                       and f["starts_at"] >= at), key=lambda f: (f["starts_at"], f["id"]))
    history = list(
        HistoryEvent.objects.filter(plan_id=plan_row["id"], occurred_at__lte=at).values(*DASHBOARD_HISTORY_FIELDS)
        .order_by("-id")[:HISTORY_LIMIT]
    )
    return {
        "plan": plan,
        "phases": [_typed(Phase, p, DASHBOARD_PHASE_FIELDS) for p in state["phases"]],
        "strategic_lines": [_typed(StrategicLine, s, DASHBOARD_LINE_FIELDS) for s in state["strategic_lines"]],
        "projects": projects,
        "milestone_counts": _counts(milestones, on),
        "next_forum": upcoming[0] if upcoming else None,
        "history": history,
        "as_of": at,
        "generated_at": timezone.now(),
        "milestones": milestones,
    }
