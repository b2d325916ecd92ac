"""projects.selectors.plan_page: what the plan page shows beyond the API dashboard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from plans.models import Agreement, Organization, Phase, Plan
from projects import selectors
from projects.models import FundingLine, Milestone
from tests import factories as f

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 6, 15, 12, 0))
TODAY = timezone.localdate(NOW)


def page_of(plan: Plan) -> dict:
    row = selectors.plan_row_visible(f.UserFactory.create(is_superuser=True), plan.pk)
    assert row is not None
    return selectors.plan_page(row, now=NOW)


def milestone(plan: Plan, days: int, status: str = Milestone.Status.PENDING, **kwargs) -> Milestone:
    project = kwargs.pop("project", None) or f.ProjectFactory.create(plan=plan)
    due = TODAY + dt.timedelta(days=days)
    return f.MilestoneFactory.create(
        project=project, due_date=due, baseline_due_date=kwargs.pop("baseline", due), status=status,
        completed_on=TODAY if status == Milestone.Status.COMPLETED else None, **kwargs,
    )


def test_overdue_and_due_soon_hold_open_milestones_in_their_windows(plan: Plan) -> None:
    person = f.StakeholderFactory.create(cluster=plan.cluster, name="Ana Ruiz")
    late = milestone(plan, -3, responsible=person, baseline=TODAY - dt.timedelta(days=10))
    started_late = milestone(plan, -1, Milestone.Status.IN_PROGRESS)
    milestone(plan, -5, Milestone.Status.COMPLETED)
    milestone(plan, -5, Milestone.Status.CANCELLED)
    today = milestone(plan, 0)
    edge = milestone(plan, selectors.DUE_SOON_DAYS)
    milestone(plan, selectors.DUE_SOON_DAYS + 1)

    page = page_of(plan)

    overdue = page["milestones_overdue"]
    assert [m["id"] for m in overdue] == [late.pk, started_late.pk]
    assert overdue[0]["days_late"] == 3
    assert overdue[0]["responsible_name"] == "Ana Ruiz"
    assert overdue[0]["project_code"] == late.project.code
    assert overdue[0]["rescheduled"] is True and overdue[1]["rescheduled"] is False
    assert [m["id"] for m in page["milestones_due_soon"]] == [today.pk, edge.pk]
    assert page["milestones_due_soon"][1]["days_left"] == selectors.DUE_SOON_DAYS
    assert page["milestone_counts"]["overdue"] == 2
    assert page["today"] == TODAY


def test_the_lists_are_capped_and_the_counts_stay_exact(plan: Plan) -> None:
    project = f.ProjectFactory.create(plan=plan)
    for i in range(selectors.PLAN_PAGE_MILESTONE_LIMIT + 3):
        milestone(plan, -1 - i, project=project)
    soon = [milestone(plan, 2, project=project), milestone(plan, 1, project=project)]

    page = page_of(plan)

    # The due-soon list is cut on its own: many overdue milestones do not push it off the page.
    assert [m["id"] for m in page["milestones_due_soon"]] == [soon[1].pk, soon[0].pk]

    assert len(page["milestones_overdue"]) == selectors.PLAN_PAGE_MILESTONE_LIMIT
    assert page["milestone_counts"]["overdue"] == selectors.PLAN_PAGE_MILESTONE_LIMIT + 3
    days = [m["days_late"] for m in page["milestones_overdue"]]
    assert days == sorted(days, reverse=True)  # the longest late first


def test_money_is_summed_per_currency_and_source_with_every_source_shown(plan: Plan) -> None:
    a, b = f.ProjectFactory.create(plan=plan), f.ProjectFactory.create(plan=plan)
    f.FundingLineFactory.create(project=a, source="programme_grant", currency="ARS", budget=Decimal("100.00"),
                                executed=Decimal("40.00"))
    f.FundingLineFactory.create(project=b, source="programme_grant", currency="ARS", budget=Decimal("50.00"),
                                executed=Decimal("60.00"))
    f.FundingLineFactory.create(project=a, source="private", currency="USD", budget=Decimal("10.00"))
    f.FundingLineFactory.create(project=f.ProjectFactory.create(), source="private", currency="ARS",
                                budget=Decimal("999.00"))  # another plan's

    money = page_of(plan)["money"]

    assert [block["currency"] for block in money] == ["ARS", "USD"]
    ars = {s["source"]: s for s in money[0]["sources"]}
    assert list(ars) == list(FundingLine.Source.values)
    assert ars["programme_grant"]["budget"] == Decimal("150.00")
    assert ars["programme_grant"]["executed"] == Decimal("100.00")
    assert ars["programme_grant"]["pending"] == Decimal("50.00")
    assert ars["private"]["budget"] == Decimal("0.00")
    assert money[0]["total"] == {"budget": Decimal("150.00"), "executed": Decimal("100.00"),
                                 "pending": Decimal("50.00")}
    assert money[1]["total"]["budget"] == Decimal("10.00")


def test_indicators_carry_their_last_measurements_oldest_first(plan: Plan) -> None:
    indicator = f.IndicatorFactory.create(plan=plan, target_value=Decimal("90"))
    for i in range(selectors.TREND_POINTS + 2):
        f.MeasurementFactory.create(indicator=indicator, measured_on=TODAY - dt.timedelta(days=30 * i),
                                    value=Decimal(100 - i))
    empty = f.IndicatorFactory.create(plan=plan, name="ZZ never measured")

    rows = {row["id"]: row for row in page_of(plan)["indicators"]}

    points = rows[indicator.pk]["measurements"]
    assert len(points) == selectors.TREND_POINTS
    assert [p["measured_on"] for p in points] == sorted(p["measured_on"] for p in points)
    assert rows[indicator.pk]["latest"]["value"] == Decimal(100)
    assert rows[empty.pk]["measurements"] == [] and rows[empty.pk]["latest"] is None


def test_open_agreements_show_the_tally_so_far_and_the_quorum(plan: Plan) -> None:
    members = [f.OrganizationFactory.create(cluster=plan.cluster) for _ in range(4)]
    adherent = f.OrganizationFactory.create(cluster=plan.cluster, membership=Organization.Membership.ADHERENT)
    f.OrganizationFactory.create(cluster=plan.cluster, is_active=False)
    agreement = f.AgreementFactory.create(plan=plan, quorum_percent=75)
    for org, value in ((members[0], "agree"), (members[1], "block"), (adherent, "agree")):
        f.PositionFactory.create(agreement=agreement, organization=org, position=value)
    f.AgreementFactory.create(plan=plan, status=Agreement.Status.ADOPTED)

    rows = page_of(plan)["open_agreements"]

    assert [row["id"] for row in rows] == [agreement.pk]
    row = rows[0]
    assert row["tally"] == {"agree": 2, "abstain": 0, "disagree": 0, "block": 1}
    assert row["member_positions"] == 2  # the adherent's position does not count toward the quorum
    assert row["members"] == 4
    assert row["quorum"] == 3
    assert row["quorum_reached"] is False


def test_projects_are_grouped_by_line_in_order_with_the_unlined_last(plan: Plan) -> None:
    second = f.StrategicLineFactory.create(plan=plan, code="B", order=2)
    first = f.StrategicLineFactory.create(plan=plan, code="A", order=1)
    p1 = f.ProjectFactory.create(plan=plan, strategic_line=second, code="P1")
    p2 = f.ProjectFactory.create(plan=plan, code="P2")
    f.PhaseFactory.create(plan=plan, order=1, status=Phase.Status.SKIPPED, skip_reason="Done before")
    active = f.PhaseFactory.create(plan=plan, order=2, status=Phase.Status.ACTIVE)

    page = page_of(plan)

    assert [(line["id"], [p["id"] for p in line["projects"]]) for line in page["lines"]] == [
        (first.pk, []), (second.pk, [p1.pk]), (None, [p2.pk]),
    ]
    assert page["active_phase"]["id"] == active.pk


def test_the_page_row_carries_the_lists_the_separate_queries_give(plan: Plan) -> None:
    project = f.ProjectFactory.create(plan=plan)
    person = f.StakeholderFactory.create(cluster=plan.cluster, name="Ana Ruiz")
    for days in (-20, -3, 0, 5, 40):
        milestone(plan, days, project=project, responsible=person if days < 0 else None)
    f.FundingLineFactory.create(project=project, source="programme_grant", currency="ARS", budget=Decimal("100.10"),
                                executed=Decimal("40.05"))
    f.FundingLineFactory.create(project=project, source="private", currency="USD", budget=Decimal("7.00"))
    indicator = f.IndicatorFactory.create(plan=plan, project=project, baseline_value=Decimal("1.5"))
    for i in range(3):
        f.MeasurementFactory.create(indicator=indicator, measured_on=TODAY - dt.timedelta(days=i), value=Decimal(i))
    f.IndicatorFactory.create(plan=plan, name="Sin medir")
    member = f.OrganizationFactory.create(cluster=plan.cluster)
    f.PositionFactory.create(agreement=f.AgreementFactory.create(plan=plan), organization=member, position="agree")
    f.AgreementFactory.create(plan=plan)
    admin = f.UserFactory.create(is_superuser=True)

    folded_row = selectors.plan_row_for_page(admin, plan.pk, now=NOW)
    assert folded_row is not None and "page_extras" in folded_row
    folded = selectors.plan_page(folded_row, now=NOW)
    plain_row = selectors.plan_row_visible(admin, plan.pk)
    assert plain_row is not None
    separate = selectors.plan_page(plain_row, now=NOW)

    for key in ("milestones_overdue", "milestones_due_soon", "money", "indicators", "open_agreements"):
        assert folded[key] == separate[key], key
    assert [m["responsible_name"] for m in folded["milestones_overdue"]] == ["Ana Ruiz", "Ana Ruiz"]
    assert folded["indicators"][0]["measurements"][-1]["measured_on"] == TODAY  # a date, as from the ORM
    assert folded["money"][0]["total"]["pending"] == Decimal("60.05")


def test_a_page_row_read_on_another_day_is_not_used(plan: Plan) -> None:
    milestone(plan, -1)
    admin = f.UserFactory.create(is_superuser=True)
    row = selectors.plan_row_for_page(admin, plan.pk, now=NOW - dt.timedelta(days=3))
    assert row is not None

    page = selectors.plan_page(row, now=NOW)  # the lists are read again for the page's own day

    assert len(page["milestones_overdue"]) == 1
