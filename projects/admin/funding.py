"""Funding lines with their expenditures, and indicators with their measurements."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from plans.admin.base import (
    ServiceAdmin,
    ServiceInline,
    cluster_filter,
    model_values,
    pk_of,
)
from plans.services.history import Actor
from projects.models import (
    Expenditure,
    FundingLine,
    Indicator,
    Measurement,
)
from projects.services import funding as funding_services
from projects.services import indicators as indicator_services


class ExpenditureInline(ServiceInline):
    model = Expenditure
    fields = ("spent_on", "amount", "description", "over_budget_reason")

    def service_create(self, request: HttpRequest, actor: Actor, parent: Any, form: Any) -> Any:
        data = form.cleaned_data
        return funding_services.expenditure_record(
            funding_line_id=parent.pk, actor=actor, amount=data["amount"], spent_on=data["spent_on"],
            description=data.get("description", ""), over_budget_reason=data.get("over_budget_reason", ""),
        )


@admin.register(FundingLine)
class FundingLineAdmin(ServiceAdmin):
    list_display = ("project", "source", "currency", "budget", "executed", "pending")
    list_filter = ("source", "currency", cluster_filter("project__plan__cluster"))
    search_fields = ("project__code", "project__title", "description")
    list_select_related = ("project",)
    raw_id_fields = ("project",)
    fields = ("project", "source", "currency", "budget", "executed", "description")
    readonly_fields = ("executed",)
    inlines = (ExpenditureInline,)

    @admin.display(description=_("pending"))
    def pending(self, obj: FundingLine) -> Any:
        return obj.pending

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("executed", "project") if obj else ("executed",)

    def service_create(self, request: HttpRequest, actor: Actor, form: Any) -> Any:
        values = model_values(form, changed_only=False)
        return funding_services.funding_line_create(project_id=values.pop("project").pk, actor=actor, **values)

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        funding_services.funding_line_update(funding_line_id=obj.pk, actor=actor, values=values)


class MeasurementInline(ServiceInline):
    model = Measurement
    fields = ("measured_on", "value", "note")
    show_change_link = False

    def service_create(self, request: HttpRequest, actor: Actor, parent: Any, form: Any) -> Any:
        data = form.cleaned_data
        return indicator_services.measurement_record(
            indicator_id=parent.pk, actor=actor, measured_on=data["measured_on"], value=data["value"],
            note=data.get("note", ""),
        )


@admin.register(Indicator)
class IndicatorAdmin(ServiceAdmin):
    list_display = ("name", "plan", "project", "unit", "baseline_value", "target_value", "target_date")
    list_filter = (cluster_filter("plan__cluster"),)
    search_fields = ("name",)
    list_select_related = ("plan", "project")
    fields = ("plan", "project", "name", "unit", "baseline_value", "baseline_date", "target_value", "target_date")
    inlines = (MeasurementInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("plan", "project") if obj else ()

    def service_create(self, request: HttpRequest, actor: Actor, form: Any) -> Any:
        values = model_values(form, changed_only=False)
        return indicator_services.indicator_create(
            plan_id=values.pop("plan").pk, project_id=pk_of(values.pop("project", None)), actor=actor, **values
        )

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        indicator_services.indicator_update(indicator_id=obj.pk, actor=actor, values=values)
