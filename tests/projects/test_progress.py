"""Progress rolls up from milestone weights to the project and the plan, in the same transaction."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plans.models import Plan
from projects.models import Milestone, Project
from projects.services.milestones import (
    milestone_cancel,
    milestone_complete,
    milestone_create,
    milestone_update,
)
from projects.services.progress import recompute_progress
from projects.services.projects import project_transition
from tests import factories as f

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Today, read when the test runs (a constant read at import goes stale in a long or parallel run)."""
    return timezone.localdate()


def progress_of(obj: Project | Plan) -> Decimal:
    obj.refresh_from_db(fields=["progress"])
    return obj.progress


def add(project: Project, actor, weight: int) -> Milestone:  # type: ignore[no-untyped-def]
    return milestone_create(project_id=project.pk, actor=actor, title=f"w{weight}", due_date=today(), weight=weight)


def complete(milestone: Milestone, actor) -> None:  # type: ignore[no-untyped-def]
    milestone_complete(milestone_id=milestone.pk, actor=actor, completed_on=today())


def test_progress_is_zero_without_milestones(project, plan) -> None:
    assert recompute_progress(project_id=project.pk) == {}
    assert progress_of(project) == 0 and progress_of(plan) == 0


def test_weighted_progress_with_completion_cancellation_and_weight_change(project, plan, actor) -> None:
    one, two, three = add(project, actor, 1), add(project, actor, 2), add(project, actor, 3)
    assert progress_of(project) == 0
    complete(three, actor)
    assert progress_of(project) == Decimal("50.00")  # 3 / 6
    milestone_cancel(milestone_id=one.pk, actor=actor, reason="Not needed")
    assert progress_of(project) == Decimal("60.00")  # 3 / 5: cancelled weight leaves the total
    milestone_update(milestone_id=two.pk, actor=actor, values={"weight": 1})
    assert progress_of(project) == Decimal("75.00")  # 3 / 4
    add(project, actor, 4)
    assert progress_of(project) == Decimal("37.50")  # 3 / 8: a new milestone dilutes it
    assert progress_of(plan) == Decimal("37.50")


def test_plan_progress_spans_projects_and_drops_cancelled_projects(project, plan, actor) -> None:
    other = f.ProjectFactory.create(plan=plan, code="P2")
    done = add(project, actor, 1)
    add(project, actor, 1)
    late = add(other, actor, 2)
    complete(done, actor)
    assert progress_of(project) == Decimal("50.00")
    assert progress_of(other) == 0
    assert progress_of(plan) == Decimal("25.00")  # 1 / (2 + 2)
    complete(late, actor)
    assert progress_of(plan) == Decimal("75.00")  # 3 / 4
    project_transition(project_id=project.pk, to=Project.Status.CANCELLED, actor=actor, reason="No funding")
    assert progress_of(plan) == Decimal("100.00")  # only the other project counts now
    assert progress_of(project) == Decimal("50.00")  # the project's own figure is kept


def test_progress_of_another_plan_is_untouched(project, actor) -> None:
    elsewhere = f.MilestoneFactory.create()
    Milestone.objects.filter(pk=elsewhere.pk).update(status=Milestone.Status.COMPLETED, completed_on=today())
    complete(add(project, actor, 1), actor)
    assert progress_of(elsewhere.plan) == 0 and progress_of(elsewhere.project) == 0


def test_recompute_uses_a_fixed_number_of_queries(project, actor) -> None:
    """Aggregates, not a Python loop over the rows: 1 and 40 milestones cost the same."""
    complete(add(project, actor, 1), actor)
    with CaptureQueriesContext(connection) as few:
        recompute_progress(project_id=project.pk)
    Milestone.objects.bulk_create(
        Milestone(project=project, plan=project.plan, title=f"m{i}", due_date=today() + dt.timedelta(days=i),
                  baseline_due_date=today() + dt.timedelta(days=i), weight=1 + i % 3)
        for i in range(40)
    )
    with CaptureQueriesContext(connection) as many:
        recompute_progress(project_id=project.pk)
    assert len(many) == len(few) + 2  # the two UPDATEs, as the values now change
    assert len(few) == 4  # lock project, lock plan, one aggregate each


def test_progress_changes_write_no_event_of_their_own(project, actor, new_events) -> None:
    milestone = add(project, actor, 1)
    complete(milestone, actor)
    assert [e.object_type for e in new_events()] == ["projects.milestone", "projects.milestone"]
    assert progress_of(project) == Decimal("100.00")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.integers(1, 50), st.sampled_from(Milestone.Status.values)), max_size=12))
def test_progress_matches_the_formula_for_any_mix_of_weights_and_statuses(project, plan, rows) -> None:
    Milestone.objects.filter(project=project).delete()
    Milestone.objects.bulk_create(
        Milestone(project=project, plan=plan, title="m", due_date=today(), baseline_due_date=today(), weight=w,
                  status=s, completed_on=today() if s == Milestone.Status.COMPLETED else None)
        for w, s in rows
    )
    recompute_progress(project_id=project.pk)
    total = sum(w for w, s in rows if s != Milestone.Status.CANCELLED)
    done = sum(w for w, s in rows if s == Milestone.Status.COMPLETED)
    expected = (Decimal(100 * done) / total).quantize(Decimal("0.01"), ROUND_HALF_UP) if total else Decimal("0.00")
    assert progress_of(project) == expected == progress_of(plan)
    assert Decimal(0) <= expected <= Decimal(100)
