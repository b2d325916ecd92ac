"""Indicators of a plan or project, and their measurements over time."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from plans.models import Plan, VersionedModel

from .project import Project


class Indicator(VersionedModel):
    cluster_path = "plan__cluster"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("plan"))
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="indicators", verbose_name=_("project")
    )
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=60)
    baseline_value = models.DecimalField(_("baseline value"), max_digits=18, decimal_places=4)
    baseline_date = models.DateField(_("baseline date"))
    target_value = models.DecimalField(_("target value"), max_digits=18, decimal_places=4)
    target_date = models.DateField(_("target date"))

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["plan_id", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_date__gte=F("baseline_date")), name="indicator_target_after_baseline",
                    violation_error_message=_("The target date cannot be before the baseline date.")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"

    def history_plan_id(self) -> int | None:
        return self.plan_id


class Measurement(VersionedModel):
    cluster_path = "indicator__plan__cluster"

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="measurements",
        verbose_name=_("indicator"),
    )
    measured_on = models.DateField(_("date"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    note = models.CharField(_("note"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["indicator_id", "measured_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "measured_on"], name="measurement_one_per_day",
                violation_error_message=_("This indicator already has a measurement on this day."))
        ]

    def __str__(self) -> str:
        return f"{self.measured_on}: {self.value}"

    def history_plan_id(self) -> int | None:
        return self.indicator.plan_id
