"""The portfolio page: every visible cluster's current plan at a glance."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import (
    Sum,
)
from django.utils import timezone

from plans.access import access_for
from plans.models import Forum, Phase, Plan
from projects.models import (
    FundingLine,
    Milestone,
)

from .common import _pop_counts, milestone_count_annotations
from .dashboard import DASHBOARD_FORUM_FIELDS


def portfolio(user: Any, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Every visible cluster with its current plan: status, active phase, progress, overdue and
    due-soon milestones, next forum, and money budgeted / executed / pending per currency.

    Six queries whatever the number of clusters (clusters, plans, phases, milestone counts,
    forums, funding sums)."""

    from plans.models import Cluster
    from plans.selectors import current_plan

    now = now or timezone.now()
    on = timezone.localdate(now)
    clusters = list(Cluster.objects.filter(access_for(user).scope_q("")).order_by("name", "id"))
    by_cluster: dict[int, list[Plan]] = defaultdict(list)
    for edition in Plan.objects.filter(cluster_id__in=[c.pk for c in clusters]).order_by("-edition", "-id"):
        by_cluster[edition.cluster_id].append(edition)
    current = {cid: current_plan(plans) for cid, plans in by_cluster.items()}
    plan_ids = [plan.pk for plan in current.values() if plan is not None]
    active = {
        row["plan_id"]: row
        for row in Phase.objects.filter(plan_id__in=plan_ids, status=Phase.Status.ACTIVE)
        .values("plan_id", "id", "title", "kind", "order").order_by("order")
    }
    counts = {
        row.pop("plan_id"): _pop_counts(row)
        for row in Milestone.objects.filter(plan_id__in=plan_ids).values("plan_id").order_by()
        .annotate(**milestone_count_annotations("", on))
    }
    forums: dict[int, dict[str, Any]] = {}
    for row in (
        Forum.objects.filter(plan_id__in=plan_ids, status=Forum.Status.SCHEDULED, starts_at__gte=now)
        .values("plan_id", *DASHBOARD_FORUM_FIELDS).order_by("starts_at", "id")
    ):
        forums.setdefault(row.pop("plan_id"), row)
    money: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in (
        FundingLine.objects.filter(project__plan_id__in=plan_ids).values("project__plan_id", "currency")
        .order_by("project__plan_id", "currency").annotate(budget=Sum("budget"), executed=Sum("executed"))
    ):
        money[row["project__plan_id"]].append({
            "currency": row["currency"], "budget": row["budget"], "executed": row["executed"],
            "pending": row["budget"] - row["executed"],
        })
    empty = {"total": 0, "completed": 0, "overdue": 0, "due_soon": 0}
    rows = []
    for cluster in clusters:
        plan = current.get(cluster.pk)
        pid = plan.pk if plan is not None else None
        rows.append({
            "cluster": cluster,
            "plan": plan,
            "active_phase": active.get(pid) if pid else None,
            "milestone_counts": counts.get(pid, empty) if pid else empty,
            "next_forum": forums.get(pid) if pid else None,
            "money": money.get(pid, []) if pid else [],
        })
    return rows
