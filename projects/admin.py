"""Coordinator screens for projects, milestones, funding and indicators; saves call the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans.admin_base import (
    ServiceAdmin,
    ServiceForm,
    ServiceInline,
    errors_as,
    model_values,
    service_action,
)
from plans.errors import ValidationFailed
from plans.services.history import Actor
from projects.models import (
    Expenditure,
    FundingLine,
    Indicator,
    Measurement,
    Milestone,
    MilestoneUpdate,
    Project,
    ProjectBeneficiary,
)
from projects.services import funding as funding_services
from projects.services import indicators as indicator_services
from projects.services import milestones as milestone_services
from projects.services import projects as project_services


def _pk(value: Any) -> int | None:
    return value.pk if value is not None else None


def overdue_q(today: dt.date) -> Q:
    return Q(status__in=Milestone.OPEN_STATUSES, due_date__lt=today)


class MilestoneDueFilter(admin.SimpleListFilter):
    title = _("due")
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("overdue", _("overdue")), ("soon", _("due in the next 14 days"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Milestone]) -> QuerySet[Milestone]:
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(overdue_q(today))
        if self.value() == "soon":
            return queryset.filter(
                status__in=Milestone.OPEN_STATUSES, due_date__gte=today,
                due_date__lte=today + dt.timedelta(days=14),
            )
        return queryset


class ProjectOverdueFilter(admin.SimpleListFilter):
    title = _("overdue milestones")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("has overdue milestones")), ("no", _("none overdue"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Project]) -> QuerySet[Project]:
        late = Milestone.objects.filter(overdue_q(timezone.localdate()), project=OuterRef("pk"))
        if self.value() == "yes":
            return queryset.filter(Exists(late))
        if self.value() == "no":
            return queryset.exclude(Exists(late))
        return queryset


# --- Milestones ------------------------------------------------------------------------------


class MilestoneRowForm(forms.ModelForm):
    reschedule_reason = forms.CharField(label=_("reason for a new due date"), required=False)

    class Meta:
        model = Milestone
        fields = ("title", "due_date", "weight", "responsible")


def _milestone_create(actor: Actor, project_id: int, form: Any) -> Milestone:
    data = form.cleaned_data
    return milestone_services.milestone_create(
        project_id=project_id, actor=actor, title=data["title"], due_date=data["due_date"],
        weight=data.get("weight") or 1, responsible_id=_pk(data.get("responsible")),
        description=data.get("description", ""),
    )


def _milestone_update(actor: Actor, obj: Milestone, form: Any, values: dict[str, Any]) -> None:
    """A new due date is a reschedule (baseline kept, reason required); the rest an update."""
    if "due_date" in values:
        with errors_as(reason="reschedule_reason"):
            milestone_services.milestone_reschedule(
                milestone_id=obj.pk, actor=actor, due_date=values.pop("due_date"),
                reason=form.cleaned_data.get("reschedule_reason", ""),
            )
    if values:
        milestone_services.milestone_update(milestone_id=obj.pk, actor=actor, values=values)


class MilestoneInline(ServiceInline):
    model = Milestone
    form = MilestoneRowForm
    fk_name = "project"
    fields = ("title", "due_date", "reschedule_reason", "weight", "responsible", "status", "baseline_due_date")
    readonly_fields = ("status", "baseline_due_date")

    def service_create(self, request: HttpRequest, actor: Actor, parent: Any, form: Any) -> Any:
        return _milestone_create(actor, parent.pk, form)

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        _milestone_update(actor, obj, form, values)


class FundingLineInline(ServiceInline):
    model = FundingLine
    fields = ("source", "currency", "budget", "executed", "pending", "description")
    readonly_fields = ("executed", "pending")

    @admin.display(description=_("pending"))
    def pending(self, obj: FundingLine) -> Any:
        return obj.pending if obj.pk else "—"

    def service_create(self, request: HttpRequest, actor: Actor, parent: Any, form: Any) -> Any:
        data = form.cleaned_data
        return funding_services.funding_line_create(
            project_id=parent.pk, actor=actor, source=data["source"], currency=data["currency"],
            budget=data["budget"], description=data.get("description", ""),
        )

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        funding_services.funding_line_update(funding_line_id=obj.pk, actor=actor, values=values)


class BeneficiaryInline(ServiceInline):
    model = ProjectBeneficiary
    fields = ("organization",)
    can_delete = True
    show_change_link = False

    def service_create(self, request: HttpRequest, actor: Actor, parent: Any, form: Any) -> Any:
        return project_services.beneficiary_add(
            project_id=parent.pk, organization_id=form.cleaned_data["organization"].pk, actor=actor
        )

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        project_services.beneficiary_remove(project_id=obj.project_id, organization_id=obj.organization_id,
                                            actor=actor)
        project_services.beneficiary_add(project_id=obj.project_id, organization_id=values["organization"].pk,
                                         actor=actor)

    def service_delete(self, request: HttpRequest, actor: Actor, obj: Any) -> None:
        project_services.beneficiary_remove(project_id=obj.project_id, organization_id=obj.organization_id,
                                            actor=actor)


def _start_execution(request: HttpRequest, actor: Actor, project: Project) -> None:
    project_services.project_transition(project_id=project.pk, to=Project.Status.IN_EXECUTION, actor=actor)


def _complete_project(request: HttpRequest, actor: Actor, project: Project) -> None:
    project_services.project_transition(project_id=project.pk, to=Project.Status.COMPLETED, actor=actor)


@admin.register(Project)
class ProjectAdmin(ServiceAdmin):
    cluster_path = "plan__cluster"
    list_display = ("code", "title", "plan", "category", "status", "progress", "executing_body")
    list_filter = ("plan__cluster", "status", "category", ProjectOverdueFilter)
    search_fields = ("code", "title", "objective", "executing_body")
    list_select_related = ("plan",)
    fieldsets = (
        (None, {"fields": ("plan", "strategic_line", "code", "title", "objective", "category", "good_type",
                           "executing_organization", "executing_body", "priority")}),
        (_("Dates"), {"fields": ("planned_start", "planned_end", "actual_start", "actual_end")}),
        (_("Status"), {"fields": ("status", "transition_reason", "collective_benefit_override_reason",
                                  "progress")}),
    )
    inlines = (BeneficiaryInline, FundingLineInline, MilestoneInline)
    actions = (
        service_action(_("Start the execution of the selected projects"), _start_execution,
                       _("%(count)d project(s) in execution.")),
        service_action(_("Complete the selected projects"), _complete_project, _("%(count)d project(s) completed.")),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fixed = ("collective_benefit_override_reason", "progress")
        return (*fixed, "plan") if obj else (*fixed, "status")

    def service_create(self, request: HttpRequest, actor: Actor, form: Any) -> Any:
        values = model_values(form, changed_only=False)
        return project_services.project_create(
            plan_id=values.pop("plan").pk, actor=actor, code=values.pop("code"), title=values.pop("title"),
            category=values.pop("category"), **values,
        )

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        project_services.project_update(project_id=obj.pk, actor=actor, values=values)

    def service_transition(
        self, request: HttpRequest, actor: Actor, obj: Any, to: str, form: Any, values: dict[str, Any]
    ) -> None:
        project_services.project_transition(
            project_id=obj.pk, to=to, actor=actor, reason=form.cleaned_data.get("transition_reason", "")
        )


class MilestoneForm(ServiceForm):
    reschedule_reason = forms.CharField(
        label=_("reason for a new due date"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MilestoneUpdateInline(ServiceInline):
    model = MilestoneUpdate
    fields = ("posted_on", "note", "author")
    readonly_fields = ("author",)
    show_change_link = False

    def service_create(self, request: HttpRequest, actor: Actor, parent: Any, form: Any) -> Any:
        data = form.cleaned_data
        return milestone_services.milestone_update_post(
            milestone_id=parent.pk, actor=actor, note=data["note"], posted_on=data.get("posted_on")
        )


def _start(request: HttpRequest, actor: Actor, milestone: Milestone) -> None:
    milestone_services.milestone_start(milestone_id=milestone.pk, actor=actor)


def _complete_today(request: HttpRequest, actor: Actor, milestone: Milestone) -> None:
    milestone_services.milestone_complete(milestone_id=milestone.pk, actor=actor, completed_on=timezone.localdate())


@admin.register(Milestone)
class MilestoneAdmin(ServiceAdmin):
    cluster_path = "plan__cluster"
    form = MilestoneForm
    list_display = ("title", "project", "due_date", "baseline_due_date", "status", "overdue", "weight", "responsible")
    # A date filter, not date_hierarchy: its DISTINCT over a million due dates costs seconds per page.
    list_filter = (MilestoneDueFilter, "status", "due_date", "plan__cluster")
    search_fields = ("title", "project__code", "project__title")
    list_select_related = ("project", "responsible")
    raw_id_fields = ("project",)
    fieldsets = (
        (None, {"fields": ("project", "title", "description", "weight", "responsible")}),
        (_("Due date"), {"fields": ("due_date", "reschedule_reason", "baseline_due_date")}),
        (_("Status"), {"fields": ("status", "transition_reason", "completed_on", "completion_note",
                                  "evidence_url")}),
    )
    inlines = (MilestoneUpdateInline,)
    actions = (
        service_action(_("Start the selected milestones"), _start, _("%(count)d milestone(s) started.")),
        service_action(_("Complete the selected milestones today"), _complete_today,
                       _("%(count)d milestone(s) completed.")),
    )

    @admin.display(boolean=True, description=_("overdue"))
    def overdue(self, obj: Milestone) -> bool:
        return obj.is_overdue

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("baseline_due_date", "status", "completed_on", "completion_note", "evidence_url")
        return ("project", "baseline_due_date")

    def service_create(self, request: HttpRequest, actor: Actor, form: Any) -> Any:
        return _milestone_create(actor, form.cleaned_data["project"].pk, form)

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        for done_field in ("completed_on", "completion_note", "evidence_url"):
            if done_field in values:
                raise ValidationFailed(_("The completion is recorded when the status becomes completed."),
                                       errors={done_field: [_("Not editable here.")]})
        _milestone_update(actor, obj, form, values)

    def service_transition(
        self, request: HttpRequest, actor: Actor, obj: Any, to: str, form: Any, values: dict[str, Any]
    ) -> None:
        data = form.cleaned_data
        reason = data.get("transition_reason", "")
        if to == Milestone.Status.IN_PROGRESS:
            milestone_services.milestone_start(milestone_id=obj.pk, actor=actor)
        elif to == Milestone.Status.PENDING:
            milestone_services.milestone_pause(milestone_id=obj.pk, actor=actor, reason=reason)
        elif to == Milestone.Status.CANCELLED:
            milestone_services.milestone_cancel(milestone_id=obj.pk, actor=actor, reason=reason)
        elif to == Milestone.Status.COMPLETED:
            for name in ("completed_on", "completion_note", "evidence_url"):
                values.pop(name, None)
            milestone_services.milestone_complete(
                milestone_id=obj.pk, actor=actor, completed_on=data.get("completed_on") or timezone.localdate(),
                note=data.get("completion_note", ""), evidence_url=data.get("evidence_url", ""),
            )


# --- Funding and indicators ------------------------------------------------------------------


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
    cluster_path = "project__plan__cluster"
    list_display = ("project", "source", "currency", "budget", "executed", "pending")
    list_filter = ("source", "currency", "project__plan__cluster")
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
    cluster_path = "plan__cluster"
    list_display = ("name", "plan", "project", "unit", "baseline_value", "target_value", "target_date")
    list_filter = ("plan__cluster",)
    search_fields = ("name",)
    list_select_related = ("plan", "project")
    fields = ("plan", "project", "name", "unit", "baseline_value", "baseline_date", "target_value", "target_date")
    inlines = (MeasurementInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("plan", "project") if obj else ()

    def service_create(self, request: HttpRequest, actor: Actor, form: Any) -> Any:
        values = model_values(form, changed_only=False)
        return indicator_services.indicator_create(
            plan_id=values.pop("plan").pk, project_id=_pk(values.pop("project", None)), actor=actor, **values
        )

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        indicator_services.indicator_update(indicator_id=obj.pk, actor=actor, values=values)

