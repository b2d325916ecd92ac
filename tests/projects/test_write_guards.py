"""Write guards in the projects services: closed plans and projects, date bounds, versions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from plans.errors import RuleViolation, StaleVersion, ValidationFailed
from plans.models import HistoryEvent, Organization, Plan, Source
from plans.services.history import Actor
from projects.models import Milestone, Project, ProjectBeneficiary
from projects.services import funding, indicators, milestones, projects
from tests import factories as f
from tests.plans.helpers import NewEvents

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Today, read when the test runs (a constant read at import goes stale in a long or parallel run)."""
    return timezone.localdate()


def _close(plan: Plan, status: str) -> None:
    Plan.objects.filter(pk=plan.pk).update(status=status)


def _writes(project: Project, members: list[Organization]) -> dict[str, Callable[[Actor], Any]]:
    """One call per write service of the app, each valid on an open plan."""
    milestone = f.MilestoneFactory.create(project=project)
    line = f.FundingLineFactory.create(project=project)
    indicator = f.IndicatorFactory.create(plan=project.plan, baseline_date=today() - dt.timedelta(days=30))
    f.ProjectBeneficiaryFactory.create(project=project, organization=members[1])
    return {
        "project_create": lambda a: projects.project_create(
            plan_id=project.plan_id, actor=a, code="NEW", title="New", category="quality"),
        "project_update": lambda a: projects.project_update(project_id=project.pk, actor=a, values={"title": "T"}),
        "project_transition": lambda a: projects.project_transition(project_id=project.pk, to="formulated", actor=a),
        "beneficiary_add": lambda a: projects.beneficiary_add(
            project_id=project.pk, organization_id=members[0].pk, actor=a),
        "beneficiary_remove": lambda a: projects.beneficiary_remove(
            project_id=project.pk, organization_id=members[1].pk, actor=a),
        "milestone_create": lambda a: milestones.milestone_create(
            project_id=project.pk, actor=a, title="M", due_date=today()),
        "milestone_update": lambda a: milestones.milestone_update(
            milestone_id=milestone.pk, actor=a, values={"title": "T"}),
        "milestone_start": lambda a: milestones.milestone_start(milestone_id=milestone.pk, actor=a),
        "milestone_complete": lambda a: milestones.milestone_complete(
            milestone_id=milestone.pk, actor=a, completed_on=today()),
        "milestone_reschedule": lambda a: milestones.milestone_reschedule(
            milestone_id=milestone.pk, actor=a, due_date=today() + dt.timedelta(days=90), reason="r"),
        "milestone_cancel": lambda a: milestones.milestone_cancel(milestone_id=milestone.pk, actor=a, reason="r"),
        "milestone_update_post": lambda a: milestones.milestone_update_post(milestone_id=milestone.pk, actor=a,
                                                                            note="n"),
        "funding_line_create": lambda a: funding.funding_line_create(
            project_id=project.pk, actor=a, source="private", currency="USD", budget="10.00"),
        "funding_line_update": lambda a: funding.funding_line_update(
            funding_line_id=line.pk, actor=a, values={"description": "d"}),
        "expenditure_record": lambda a: funding.expenditure_record(
            funding_line_id=line.pk, actor=a, amount="1.00", spent_on=today()),
        "indicator_create": lambda a: indicators.indicator_create(
            plan_id=project.plan_id, actor=a, name="I", unit="u", baseline_value="1", baseline_date=today(),
            target_value="2", target_date=today()),
        "indicator_update": lambda a: indicators.indicator_update(indicator_id=indicator.pk, actor=a,
                                                                  values={"unit": "x"}),
        "measurement_record": lambda a: indicators.measurement_record(
            indicator_id=indicator.pk, actor=a, measured_on=today(), value="1"),
    }


SERVICES = sorted(
    ["project_create", "project_update", "project_transition", "beneficiary_add", "beneficiary_remove",
     "milestone_create", "milestone_update", "milestone_start", "milestone_complete", "milestone_reschedule",
     "milestone_cancel", "milestone_update_post", "funding_line_create", "funding_line_update",
     "expenditure_record", "indicator_create", "indicator_update", "measurement_record"]
)


# The one history event each write records: (object type, action).
RECORDS = {
    "project_create": ("projects.project", "create"),
    "project_update": ("projects.project", "update"),
    "project_transition": ("projects.project", "transition"),
    "beneficiary_add": ("projects.projectbeneficiary", "create"),
    "beneficiary_remove": ("projects.projectbeneficiary", "delete"),
    "milestone_create": ("projects.milestone", "create"),
    "milestone_update": ("projects.milestone", "update"),
    "milestone_start": ("projects.milestone", "transition"),
    "milestone_complete": ("projects.milestone", "complete"),
    "milestone_reschedule": ("projects.milestone", "reschedule"),
    "milestone_cancel": ("projects.milestone", "transition"),
    "milestone_update_post": ("projects.milestoneupdate", "create"),
    "funding_line_create": ("projects.fundingline", "create"),
    "funding_line_update": ("projects.fundingline", "update"),
    "expenditure_record": ("projects.expenditure", "create"),
    "indicator_create": ("projects.indicator", "create"),
    "indicator_update": ("projects.indicator", "update"),
    "measurement_record": ("projects.measurement", "create"),
}
assert sorted(RECORDS) == SERVICES


@pytest.mark.parametrize("status", [Plan.Status.CANCELLED, Plan.Status.CLOSED])
@pytest.mark.parametrize("name", SERVICES)
def test_no_write_in_a_closed_or_cancelled_plan(
    project: Project, members: list[Organization], actor: Actor, name: str, status: str
) -> None:
    calls = _writes(project, members)
    _close(project.plan, status)
    before = HistoryEvent.objects.count()
    with pytest.raises(RuleViolation):
        calls[name](actor)
    assert HistoryEvent.objects.count() == before


@pytest.mark.parametrize("name", SERVICES)
def test_every_write_works_in_an_open_plan(
    project: Project, members: list[Organization], actor: Actor, name: str
) -> None:
    """The counterpart of the test above: the same calls pass while the plan is open."""
    calls = _writes(project, members)
    with NewEvents() as new:
        calls[name](actor)
    event = new.one()
    assert (event.object_type, event.action) == RECORDS[name]
    assert (event.actor_id, event.source) == (actor.user_id, Source.API)


@pytest.mark.parametrize("status", [Project.Status.CANCELLED, Project.Status.COMPLETED])
@pytest.mark.parametrize("name", ["milestone_start", "milestone_complete", "milestone_reschedule"])
def test_milestones_of_a_finished_project_do_not_move(
    project: Project, members: list[Organization], actor: Actor, name: str, status: str
) -> None:
    calls = _writes(project, members)
    Project.objects.filter(pk=project.pk).update(status=status)
    with pytest.raises(RuleViolation):
        calls[name](actor)
    assert not Milestone.objects.exclude(status="pending").exists()
    assert not Milestone.objects.exclude(due_date=today() + dt.timedelta(days=30)).exists()


def test_project_completes_only_without_open_milestones(project: Project, actor: Actor) -> None:
    Project.objects.filter(pk=project.pk).update(status=Project.Status.IN_EXECUTION)
    open_one = f.MilestoneFactory.create(project=project)
    f.MilestoneFactory.create(project=project, status="cancelled")
    with pytest.raises(RuleViolation, match="1 open milestones"):
        projects.project_transition(project_id=project.pk, to="completed", actor=actor)
    milestones.milestone_complete(milestone_id=open_one.pk, actor=actor, completed_on=today())
    assert projects.project_transition(project_id=project.pk, to="completed", actor=actor).status == "completed"


def _years(day: dt.date, years: int) -> dt.date:
    return day + relativedelta(years=years)  # 29 February -> 28 February


# Two days' slack on each side: the service's "today" is the cluster's, this test's the server's.
@pytest.mark.parametrize(("years", "days", "ok"), [(-5, 2, True), (50, -2, True), (50, 2, False), (-5, -2, False)])
def test_due_date_bounds(project: Project, actor: Actor, years: int, days: int, ok: bool) -> None:
    day = _years(today(), years) + dt.timedelta(days=days)
    if ok:
        assert milestones.milestone_create(project_id=project.pk, actor=actor, title="M", due_date=day).due_date == day
        return
    with pytest.raises(ValidationFailed) as info:
        milestones.milestone_create(project_id=project.pk, actor=actor, title="M", due_date=day)
    assert "due_date" in info.value.errors
    assert not Milestone.objects.exists()


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(9999, 12, 31)])
def test_reschedule_out_of_range_is_refused(project: Project, actor: Actor, day: dt.date) -> None:
    milestone = f.MilestoneFactory.create(project=project)
    with pytest.raises(ValidationFailed) as info:
        milestones.milestone_reschedule(milestone_id=milestone.pk, actor=actor, due_date=day, reason="typo")
    assert "due_date" in info.value.errors


def test_completed_on_bounds(project: Project, actor: Actor) -> None:
    milestone = f.MilestoneFactory.create(project=project)
    # Recorded in 1991: five years back from then is before 1990, so the 1990 floor is what refuses.
    Milestone.objects.filter(pk=milestone.pk).update(created_at=dt.datetime(1991, 1, 1, 12, 0, tzinfo=dt.UTC))
    with pytest.raises(ValidationFailed) as info:  # never before 1990, however old the record
        milestones.milestone_complete(milestone_id=milestone.pk, actor=actor, completed_on=dt.date(1989, 12, 31))
    assert "completed_on" in info.value.errors
    done = milestones.milestone_complete(milestone_id=milestone.pk, actor=actor, completed_on=dt.date(1990, 1, 1))
    assert done.completed_on == dt.date(1990, 1, 1)
    recent = f.MilestoneFactory.create(project=project)
    with pytest.raises(ValidationFailed):
        milestones.milestone_complete(milestone_id=recent.pk, actor=actor, completed_on=_years(today(), -6))


@pytest.mark.parametrize("name", ["beneficiary_add", "beneficiary_remove", "funding_line_create"])
def test_nested_writes_recheck_the_project_version_under_the_lock(
    project: Project, members: list[Organization], actor: Actor, name: str
) -> None:
    f.ProjectBeneficiaryFactory.create(project=project, organization=members[1])
    calls: dict[str, Callable[[int], Any]] = {
        "beneficiary_add": lambda v: projects.beneficiary_add(
            project_id=project.pk, organization_id=members[0].pk, actor=actor, expected_version=v),
        "beneficiary_remove": lambda v: projects.beneficiary_remove(
            project_id=project.pk, organization_id=members[1].pk, actor=actor, expected_version=v),
        "funding_line_create": lambda v: funding.funding_line_create(
            project_id=project.pk, actor=actor, source="private", currency="USD", budget=Decimal("1.00"),
            expected_version=v),
    }
    # Someone edited the project after the client read version 1.
    projects.project_update(project_id=project.pk, actor=actor, values={"title": "Renamed"})
    before = (ProjectBeneficiary.objects.count(), project.funding_lines.count())
    with pytest.raises(StaleVersion):
        calls[name](1)
    assert (ProjectBeneficiary.objects.count(), project.funding_lines.count()) == before
    calls[name](2)
