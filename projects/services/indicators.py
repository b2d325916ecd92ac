"""Indicators of a plan or one of its projects, and their measurements over time.

Dates keep their order: target date on or after the baseline date, measurements neither
before the baseline nor in the future, and at most one measurement per indicator and day.
Indicators of a closed or cancelled plan no longer change (`lock_open_plan`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from plans.errors import ValidationFailed
from plans.services.history import (
    Actor,
    check_version,
    create_with_history,
    lock,
    update_with_history,
)
from projects.models import Indicator, Measurement, Project

from .common import lock_open_plan, normalize_values, refuse_future, to_date, to_decimal

EDITABLE = frozenset({"name", "unit", "baseline_value", "baseline_date", "target_value", "target_date"})
PLACES = 4  # the decimals the indicator and measurement columns keep
HINTS = {
    "plan": _("An indicator cannot move to another plan."),
    "project": _("An indicator cannot move to another project."),
}


def _check_dates(baseline_date: dt.date, target_date: dt.date) -> None:
    if target_date < baseline_date:
        raise ValidationFailed(
            _("The target date %(target)s is before the baseline date %(baseline)s."),
            errors={"target_date": [_("Must be on or after the baseline date.")]},
            target=target_date.isoformat(), baseline=baseline_date.isoformat(),
        )


@transaction.atomic
def indicator_create(
    *, plan_id: int, actor: Actor, name: str, unit: str, baseline_value: Any, baseline_date: dt.date | str,
    target_value: Any, target_date: dt.date | str, project_id: int | None = None,
) -> Indicator:
    plan = lock_open_plan(plan_id)
    if project_id is not None and not Project.objects.filter(pk=project_id, plan_id=plan.pk).exists():
        raise ValidationFailed(_("The project must belong to the indicator's plan."),
                               errors={"project": [_("Not a project of this plan.")]})
    start = to_date(baseline_date, field="baseline_date")
    end = to_date(target_date, field="target_date")
    _check_dates(start, end)
    indicator = Indicator(
        plan=plan, project_id=project_id, name=name, unit=unit,
        baseline_value=to_decimal(baseline_value, field="baseline_value", places=PLACES), baseline_date=start,
        target_value=to_decimal(target_value, field="target_value", places=PLACES), target_date=end,
    )
    return create_with_history(indicator, actor=actor)


@transaction.atomic
def indicator_update(
    *, indicator_id: int, actor: Actor, values: dict[str, Any], expected_version: int | None = None
) -> Indicator:
    indicator = lock(Indicator, indicator_id)
    check_version(indicator, expected_version)
    lock_open_plan(indicator.plan_id)
    clean = normalize_values(values, editable=EDITABLE, hints=HINTS)
    for field in ("baseline_value", "target_value"):
        if field in clean:
            clean[field] = to_decimal(clean[field], field=field, places=PLACES)
    for field in ("baseline_date", "target_date"):
        if field in clean:
            clean[field] = to_date(clean[field], field=field)
    start = clean.get("baseline_date", indicator.baseline_date)
    _check_dates(start, clean.get("target_date", indicator.target_date))
    if "baseline_date" in clean and indicator.measurements.filter(measured_on__lt=start).exists():
        raise ValidationFailed(_("Some measurements are dated before the new baseline date."),
                               errors={"baseline_date": [_("Measurements exist before this date.")]})
    update_with_history(indicator, actor=actor, values=clean)
    return indicator


@transaction.atomic
def measurement_record(
    *, indicator_id: int, actor: Actor, measured_on: dt.date | str, value: Any, note: str = ""
) -> Measurement:
    """Record one value per day; the indicator is locked so two same-day records cannot both pass."""
    indicator = lock(Indicator, indicator_id)
    lock_open_plan(indicator.plan_id)
    day = to_date(measured_on, field="measured_on")
    if day < indicator.baseline_date:
        raise ValidationFailed(
            _("The measurement date %(day)s is before the indicator's baseline date %(baseline)s."),
            errors={"measured_on": [_("Must be on or after the baseline date.")]},
            day=day.isoformat(), baseline=indicator.baseline_date.isoformat(),
        )
    refuse_future(day, cluster_id=indicator.history_cluster_id() or 0, field="measured_on")
    if indicator.measurements.filter(measured_on=day).exists():
        raise ValidationFailed(_("There is already a measurement on %(day)s."),
                               errors={"measured_on": [_("One measurement per day.")]}, day=day.isoformat())
    measurement = Measurement(
        indicator=indicator, measured_on=day, value=to_decimal(value, field="value", places=PLACES), note=note
    )
    return create_with_history(measurement, actor=actor)
