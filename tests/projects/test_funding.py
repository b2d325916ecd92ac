"""Funding lines and expenditures: Decimal money, budgets, and spending above the budget."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from plans.errors import RuleViolation, StaleVersion, ValidationFailed
from projects.models import Currency, Expenditure, FundingLine, Project
from projects.services.funding import expenditure_record, funding_line_create, funding_line_update
from tests import factories as f

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Today, read when the test runs (a constant read at import goes stale in a long or parallel run)."""
    return timezone.localdate()
GRANT = FundingLine.Source.PROGRAMME_GRANT


@pytest.fixture
def line(project: Project) -> FundingLine:
    return f.FundingLineFactory.create(project=project, source=GRANT, currency=Currency.ARS, budget=Decimal("1000.00"))


def test_create_line_writes_one_event_with_decimal_strings(project, actor, new_events) -> None:
    line = funding_line_create(project_id=project.pk, actor=actor, source=GRANT, currency=Currency.USD,
                               budget="1185000.50", description="ANR")
    line.refresh_from_db()
    assert line.budget == Decimal("1185000.50") and line.executed == 0
    [event] = new_events()
    assert (event.action, event.object_type) == ("create", "projects.fundingline")
    assert event.changes["budget"] == [None, "1185000.50"] and event.changes["currency"] == [None, "USD"]


@pytest.mark.parametrize(
    ("budget", "message"),
    [(Decimal("-1"), "negative"), ("-0.01", "negative"), (100.5, "float"), ("abc", "not a number"),
     ("1.001", "decimals")],
)
def test_create_line_refuses_negative_float_and_garbage_budgets(project, actor, new_events, budget,
                                                               message) -> None:
    with pytest.raises(ValidationFailed) as exc:
        funding_line_create(project_id=project.pk, actor=actor, source=GRANT, currency="ARS", budget=budget)
    assert "budget" in exc.value.errors and message in str(exc.value)
    assert new_events() == [] and not FundingLine.objects.exists()


def test_the_database_refuses_a_negative_budget(project) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        FundingLine.objects.create(project=project, source=GRANT, budget=Decimal("-5"))


def test_create_line_refuses_a_second_line_for_source_and_currency(line, actor, new_events) -> None:
    with pytest.raises(ValidationFailed) as exc:
        funding_line_create(project_id=line.project_id, actor=actor, source=GRANT, currency="ARS", budget="1")
    assert "source" in exc.value.errors and new_events() == []
    funding_line_create(project_id=line.project_id, actor=actor, source=GRANT, currency="USD", budget="1")


def test_expenditure_within_budget_adds_to_executed_in_one_event(line, actor, new_events) -> None:
    spent = expenditure_record(funding_line_id=line.pk, actor=actor, amount=Decimal("400.00"), spent_on=today(),
                               description="Cold room deposit", over_budget_reason="ignored")
    line.refresh_from_db()
    assert line.executed == Decimal("400.00") and line.pending == Decimal("600.00") and line.version == 2
    assert spent.over_budget_reason == ""
    [event] = new_events()
    assert (event.action, event.object_type, event.object_id) == ("create", "projects.expenditure", spent.pk)
    assert event.changes["amount"] == [None, "400.00"]
    assert event.changes["funding_line.executed"] == ["0.00", "400.00"]
    assert event.reason == "" and event.context["over_budget"] is False


def test_expenditure_above_budget_without_a_reason_changes_nothing(line, actor, new_events) -> None:
    expenditure_record(funding_line_id=line.pk, actor=actor, amount="900", spent_on=today())
    with pytest.raises(ValidationFailed) as exc:
        expenditure_record(funding_line_id=line.pk, actor=actor, amount="100.01", spent_on=today())
    assert "over_budget_reason" in exc.value.errors
    line.refresh_from_db()
    assert line.executed == Decimal("900.00") and Expenditure.objects.count() == 1 and len(new_events()) == 1


def test_expenditure_up_to_exactly_the_budget_needs_no_reason(line, actor) -> None:
    expenditure_record(funding_line_id=line.pk, actor=actor, amount="1000.00", spent_on=today())
    line.refresh_from_db()
    assert line.executed == line.budget


def test_expenditure_above_budget_with_a_reason_is_recorded(line, actor, new_events) -> None:
    expenditure_record(funding_line_id=line.pk, actor=actor, amount="600", spent_on=today())
    spent = expenditure_record(funding_line_id=line.pk, actor=actor, amount="578.00", spent_on=today(),
                               over_budget_reason="Steel prices rose 40%")
    line.refresh_from_db()
    assert line.executed == Decimal("1178.00") and line.pending == Decimal("-178.00")
    assert spent.over_budget_reason == "Steel prices rose 40%"
    event = new_events()[-1]
    assert event.reason == "Steel prices rose 40%" and event.context["over_budget"] is True
    assert event.changes["funding_line.executed"] == ["600.00", "1178.00"]


@pytest.mark.parametrize(
    ("amount", "days", "field"),
    [
        ("0", 0, "amount"),
        ("-3", 0, "amount"),
        (12.5, 0, "amount"),
        ("1.005", 0, "amount"),
        ("10", 2, "spent_on"),
    ],
)
def test_expenditure_refuses_bad_amounts_and_future_dates(line, actor, new_events, amount, days, field) -> None:
    spent_on = today() + dt.timedelta(days=days)
    with pytest.raises(ValidationFailed) as exc:
        expenditure_record(funding_line_id=line.pk, actor=actor, amount=amount, spent_on=spent_on)
    assert field in exc.value.errors and new_events() == [] and not Expenditure.objects.exists()


def test_update_line_budget_records_old_and_new(line, actor, new_events) -> None:
    funding_line_update(funding_line_id=line.pk, actor=actor, values={"budget": "1500"}, expected_version=1)
    [event] = new_events()
    assert event.action == "update" and event.changes == {"budget": ["1000.00", "1500.00"]}
    with pytest.raises(StaleVersion):
        funding_line_update(funding_line_id=line.pk, actor=actor, values={"budget": "1"}, expected_version=1)


def test_update_line_refuses_executed_and_cutting_below_executed_without_reason(line, actor, new_events) -> None:
    expenditure_record(funding_line_id=line.pk, actor=actor, amount="800", spent_on=today())
    with pytest.raises(ValidationFailed) as exc:
        funding_line_update(funding_line_id=line.pk, actor=actor, values={"executed": "0"})
    assert "executed" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        funding_line_update(funding_line_id=line.pk, actor=actor, values={"budget": "700"})
    assert "reason" in exc.value.errors
    with pytest.raises(ValidationFailed):
        funding_line_update(funding_line_id=line.pk, actor=actor, values={"budget": "-1"})
    with pytest.raises(RuleViolation):
        funding_line_update(funding_line_id=line.pk, actor=actor, values={"currency": "USD"})
    assert len(new_events()) == 1
    funding_line_update(funding_line_id=line.pk, actor=actor, values={"budget": "700"}, reason="Grant cut")
    event = new_events()[-1]
    assert event.reason == "Grant cut" and event.changes == {"budget": ["1000.00", "700.00"]}
