"""Indicators and measurements: dates in order, one measurement per day, one event per change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from plans.errors import ValidationFailed
from projects.models import Indicator, Measurement
from projects.services.indicators import indicator_create, indicator_update, measurement_record
from tests import factories as f

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Today, read when the test runs (a constant read at import goes stale in a long or parallel run)."""
    return timezone.localdate()


def year_ago() -> dt.date:
    return today() - dt.timedelta(days=365)


@pytest.fixture
def indicator(plan) -> Indicator:  # type: ignore[no-untyped-def]
    return f.IndicatorFactory.create(plan=plan, baseline_date=year_ago(), target_date=today() + dt.timedelta(days=365))


def test_create_writes_one_event(plan, project, actor, new_events) -> None:
    indicator = indicator_create(
        plan_id=plan.pk, actor=actor, name="Milk processed in the province", unit="l/day",
        baseline_value="50000", baseline_date=year_ago(), target_value=Decimal("75000"), target_date=today(),
        project_id=project.pk,
    )
    assert indicator.project_id == project.pk and indicator.baseline_value == Decimal("50000")
    [event] = new_events()
    assert (event.action, event.object_type) == ("create", "projects.indicator")
    assert event.changes["target_value"] == [None, "75000.0000"] and event.plan_id == plan.pk


def test_create_refuses_a_target_before_the_baseline_and_a_foreign_project(plan, actor, new_events) -> None:
    with pytest.raises(ValidationFailed) as exc:
        indicator_create(plan_id=plan.pk, actor=actor, name="x", unit="u", baseline_value=1, baseline_date=today(),
                         target_value=2, target_date=year_ago())
    assert "target_date" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        indicator_create(plan_id=plan.pk, actor=actor, name="x", unit="u", baseline_value=1, baseline_date=year_ago(),
                         target_value=2, target_date=today(), project_id=f.ProjectFactory.create().pk)
    assert "project" in exc.value.errors
    assert new_events() == [] and not Indicator.objects.exists()


def test_update_checks_the_date_order_and_records_old_and_new(indicator, actor, new_events) -> None:
    with pytest.raises(ValidationFailed) as exc:
        indicator_update(indicator_id=indicator.pk, actor=actor, values={"target_date": year_ago() - dt.timedelta(1)})
    assert "target_date" in exc.value.errors
    indicator_update(indicator_id=indicator.pk, actor=actor, values={"target_value": "80000"}, expected_version=1)
    [event] = new_events()
    assert event.changes == {"target_value": ["75000.0000", "80000.0000"]}


def test_measurements_one_per_day_not_before_baseline_nor_in_future(indicator, actor, new_events) -> None:
    measurement = measurement_record(indicator_id=indicator.pk, actor=actor, measured_on=today(), value="61000.5")
    [event] = new_events()
    assert (event.action, event.object_id, event.changes["value"]) == ("create", measurement.pk, [None, "61000.5000"])
    for day in (today(), year_ago() - dt.timedelta(days=1), today() + dt.timedelta(days=2)):
        with pytest.raises(ValidationFailed) as exc:
            measurement_record(indicator_id=indicator.pk, actor=actor, measured_on=day, value="1")
        assert "measured_on" in exc.value.errors
    assert Measurement.objects.count() == 1 and len(new_events()) == 1


def test_baseline_cannot_move_after_existing_measurements(indicator, actor, new_events) -> None:
    measurement_record(indicator_id=indicator.pk, actor=actor, measured_on=year_ago(), value="1")
    with pytest.raises(ValidationFailed) as exc:
        indicator_update(indicator_id=indicator.pk, actor=actor, values={"baseline_date": today()})
    assert "baseline_date" in exc.value.errors and len(new_events()) == 1
