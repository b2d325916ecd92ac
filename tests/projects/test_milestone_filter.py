"""selectors.milestone_filter: the list rules, on rows and on model instances alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from plans.models import Plan
from projects import selectors
from projects.models import Milestone
from tests.factories import MilestoneFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def milestones(plan: Plan) -> dict[str, Milestone]:
    project = ProjectFactory.create(plan=plan)
    today = timezone.localdate()

    def make(title: str, days: int, status: str = Milestone.Status.PENDING, **kw: object) -> Milestone:
        due = today + dt.timedelta(days=days)
        completed = today if status == Milestone.Status.COMPLETED else None
        return MilestoneFactory.create(project=project, title=title, due_date=due, baseline_due_date=due,
                                       status=status, completed_on=completed, **kw)

    return {
        "late": make("Late tank", -1),
        "today": make("Due today", 0),
        "edge": make("Due in 14 days", 14, Milestone.Status.IN_PROGRESS),
        "beyond": make("Due in 15 days", 15),
        "done_late": make("Done tank", -5, Milestone.Status.COMPLETED),
        "cancelled": make("Dropped", 3, Milestone.Status.CANCELLED, description="tank"),
    }


def titles(queryset: object) -> set[str]:
    return {m.title for m in queryset}  # type: ignore[attr-defined]


def test_overdue_and_due_soon_agree_with_the_plan_pages_counts(plan: Plan, milestones: dict[str, Milestone]) -> None:
    base = Milestone.objects.filter(plan=plan)
    assert titles(selectors.milestone_filter(base, overdue=True)) == {"Late tank"}
    assert titles(selectors.milestone_filter(base, due_soon=True)) == {"Due today", "Due in 14 days"}
    counts = base.aggregate(**selectors.milestone_count_annotations("", timezone.localdate()))
    assert counts["mc_overdue"] == 1 and counts["mc_due_soon"] == 2


def test_text_words_must_all_appear_in_title_or_description(plan: Plan, milestones: dict[str, Milestone]) -> None:
    base = Milestone.objects.filter(plan=plan)
    assert titles(selectors.milestone_filter(base, text="tank")) == {"Late tank", "Done tank", "Dropped"}
    assert titles(selectors.milestone_filter(base, text="tank, late")) == {"Late tank"}
    assert titles(selectors.milestone_filter(base, text="  ")) == titles(base)


def test_conditions_combine(plan: Plan, milestones: dict[str, Milestone]) -> None:
    rows = selectors.milestone_filter(
        Milestone.objects.filter(plan=plan).values("id", "title"), statuses=["pending", "in_progress"],
        due_after=timezone.localdate(), due_before=timezone.localdate() + dt.timedelta(days=14),
    )
    assert {row["title"] for row in rows} == {"Due today", "Due in 14 days"}
