"""What every read of the projects app shares: the clock, the field lists of the rows, the
milestone windows (overdue, due within 14 days) and their counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Count,
    Q,
)
from django.utils import timezone

from projects.models import (
    Milestone,
)

DUE_SOON_DAYS = 14
HISTORY_PAGE_LIMIT = 50  # events shown on an object's page
OPEN = Milestone.OPEN_STATUSES

PROJECT_FIELDS: tuple[str, ...] = (
    "id", "plan", "strategic_line", "code", "title", "objective", "category", "good_type",
    "executing_organization", "executing_body", "planned_start", "planned_end", "actual_start",
    "actual_end", "status", "priority", "collective_benefit_override_reason", "progress", "version",
)
MILESTONE_FIELDS: tuple[str, ...] = (
    "id", "project", "plan", "title", "description", "due_date", "baseline_due_date", "weight",
    "responsible", "status", "completed_on", "completion_note", "evidence_url", "version",
)
FUNDING_FIELDS: tuple[str, ...] = ("id", "source", "currency", "budget", "executed", "description", "version")
EXPENDITURE_FIELDS: tuple[str, ...] = (
    "id", "funding_line", "amount", "spent_on", "description", "over_budget_reason", "created_at", "version",
)
INDICATOR_FIELDS: tuple[str, ...] = (
    "id", "plan", "project", "name", "unit", "baseline_value", "baseline_date", "target_value",
    "target_date", "version",
)
MEASUREMENT_FIELDS: tuple[str, ...] = ("id", "indicator", "measured_on", "value", "note", "version")
UPDATE_FIELDS: tuple[str, ...] = (
    "id", "milestone", "author", "posted_on", "note", "evidence_url", "proposes_completion", "version",
)


def today() -> dt.date:
    return timezone.localdate()


def _overdue_q(prefix: str, on: dt.date) -> Q:
    return Q(**{f"{prefix}status__in": OPEN, f"{prefix}due_date__lt": on})


def _due_soon_q(prefix: str, on: dt.date) -> Q:
    """Open and due from `on` to 14 days later (the plan page's and the lists' "due soon")."""
    soon = on + dt.timedelta(days=DUE_SOON_DAYS)
    return Q(**{f"{prefix}status__in": OPEN, f"{prefix}due_date__gte": on, f"{prefix}due_date__lte": soon})


def milestone_count_annotations(prefix: str, on: dt.date) -> dict[str, Any]:
    """Counts of milestones (total, completed, overdue, due within 14 days) as aggregates."""
    path = prefix.rstrip("_") or "id"
    return {
        "mc_total": Count(path),
        "mc_completed": Count(path, filter=Q(**{f"{prefix}status": Milestone.Status.COMPLETED})),
        "mc_overdue": Count(path, filter=_overdue_q(prefix, on)),
        "mc_due_soon": Count(path, filter=_due_soon_q(prefix, on)),
    }


def _pop_counts(row: dict[str, Any]) -> dict[str, int]:
    return {
        "total": row.pop("mc_total"),
        "completed": row.pop("mc_completed"),
        "overdue": row.pop("mc_overdue"),
        "due_soon": row.pop("mc_due_soon"),
    }
