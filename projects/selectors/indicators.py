"""Indicators and their measurements."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    QuerySet,
)

from plans.access import access_for
from projects.models import (
    Indicator,
    Measurement,
)

from .common import INDICATOR_FIELDS, MEASUREMENT_FIELDS


def indicator_queryset(user: Any) -> QuerySet[Indicator]:
    return Indicator.objects.filter(access_for(user).scope(Indicator)).select_related("plan")


def indicator_list(user: Any) -> QuerySet[Any]:
    return indicator_queryset(user).values(*INDICATOR_FIELDS).order_by("plan_id", "name", "id")


def measurement_list(indicator_id: int) -> QuerySet[Any]:
    return Measurement.objects.filter(indicator_id=indicator_id).values(*MEASUREMENT_FIELDS).order_by(
        "measured_on", "id"
    )
