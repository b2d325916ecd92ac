"""Milestones: rows, the one home of the list filters, and the milestone pages' reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    F,
    Q,
    QuerySet,
    Value,
    When,
)

from plans.access import access_for
from plans.models import HistoryEvent, Stakeholder
from projects.models import (
    Milestone,
    MilestoneUpdate,
    Project,
)

from .common import HISTORY_PAGE_LIMIT, MILESTONE_FIELDS, UPDATE_FIELDS, _due_soon_q, _overdue_q, today


def milestone_queryset(user: Any) -> QuerySet[Milestone]:
    return Milestone.objects.filter(access_for(user).scope(Milestone)).select_related("plan")


def milestone_list(user: Any, *, on: dt.date | None = None) -> QuerySet[Any]:
    """Rows of visible milestones with `is_overdue` computed by the database."""
    overdue = Case(When(_overdue_q("", on or today()), then=Value(True)), default=Value(False),
                   output_field=BooleanField())
    return (
        Milestone.objects.filter(access_for(user).scope(Milestone))
        .values(*MILESTONE_FIELDS)
        .annotate(is_overdue=overdue)
        .order_by("due_date", "id")
    )


def milestone_row(user: Any, milestone_id: int) -> dict[str, Any] | None:
    return milestone_list(user).filter(pk=milestone_id).first()


def filter_overdue(queryset: QuerySet[Any], overdue: bool, *, on: dt.date | None = None) -> QuerySet[Any]:
    q = _overdue_q("", on or today())
    return queryset.filter(q) if overdue else queryset.exclude(q)


def milestone_update_list(milestone_id: int) -> QuerySet[Any]:
    return MilestoneUpdate.objects.filter(milestone_id=milestone_id).values(*UPDATE_FIELDS).order_by(
        "-posted_on", "-id"
    )


# --- Milestone filters: the one home of the list rules (the pages use it; the API may) ---


def search_terms(text: str) -> list[str]:
    """Words of a free-text search, split as DRF's SearchFilter splits them (spaces, commas)."""
    return [term for term in (text or "").replace(",", " ").split() if term][:10]


def milestone_filter(
    queryset: QuerySet[Any], *, project_id: int | None = None, responsible_id: int | None = None,
    statuses: tuple[str, ...] | list[str] = (), overdue: bool | None = None, due_soon: bool = False,
    text: str = "", due_after: dt.date | None = None, due_before: dt.date | None = None,
    on: dt.date | None = None,
) -> QuerySet[Any]:
    """Narrow a milestone queryset (rows or instances): every given condition must hold.

    `overdue` True keeps open milestones past their due date, False the others; `due_soon`
    keeps open ones due within 14 days; each word of `text` must appear in the title or the
    description (as the API's `search`).
    """
    on = on or today()
    if project_id is not None:
        queryset = queryset.filter(project_id=project_id)
    if responsible_id is not None:
        queryset = queryset.filter(responsible_id=responsible_id)
    if statuses:
        queryset = queryset.filter(status__in=list(statuses))
    if overdue is not None:
        queryset = filter_overdue(queryset, overdue, on=on)
    if due_soon:
        queryset = queryset.filter(_due_soon_q("", on))
    if due_after is not None:
        queryset = queryset.filter(due_date__gte=due_after)
    if due_before is not None:
        queryset = queryset.filter(due_date__lte=due_before)
    for term in search_terms(text):
        queryset = queryset.filter(Q(title__icontains=term) | Q(description__icontains=term))
    return queryset


# --- Pages (projects/web): reads the templates need beyond the API's rows ----------------


def plan_milestone_rows(user: Any, plan_id: int, *, on: dt.date | None = None) -> QuerySet[Any]:
    """A plan's visible milestones as rows, with the names a page shows beside the ids."""
    return milestone_list(user, on=on).filter(plan_id=plan_id).annotate(
        project_code=F("project__code"), project_title=F("project__title"),
        responsible_name=F("responsible__name"),
    )


def milestone_filter_choices(plan_id: int) -> dict[str, list[tuple[int, str]]]:
    """The plan's projects and the people answering for its milestones (two queries)."""
    projects = [
        (pk, f"{code} {title}")
        for pk, code, title in Project.objects.filter(plan_id=plan_id).order_by("code").values_list(
            "id", "code", "title"
        )
    ]
    # An IN over the plan's milestones (their plan index), not a DISTINCT join: at 1M milestones the
    # join walked the responsible index over every row (docs/benchmarks.md, "Load", growth).
    responsibles = list(
        Stakeholder.objects.filter(pk__in=Milestone.objects.filter(plan_id=plan_id).values("responsible_id"))
        .order_by("name", "id").values_list("id", "name")
    )
    return {"projects": projects, "responsibles": responsibles}


def milestone_page_queryset(user: Any) -> QuerySet[Milestone]:
    """Visible milestones with what their detail page shows (project, responsible, cluster)."""
    return milestone_queryset(user).select_related("project", "responsible", "plan__cluster")


def milestone_update_rows(milestone_id: int) -> QuerySet[Any]:
    return milestone_update_list(milestone_id).annotate(author_name=F("author__username"))


def object_history(object_type: str, object_id: int, *, limit: int = HISTORY_PAGE_LIMIT) -> list[HistoryEvent]:
    """The latest events of one row (uses the history's object index), newest first."""
    return list(HistoryEvent.objects.filter(object_type=object_type, object_id=object_id).order_by("-id")[:limit])
