"""Projects with beneficiaries, funding lines and milestones inline."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from plans.admin.base import (
    ServiceAdmin,
    ServiceForm,
    ServiceInline,
    cluster_filter,
    model_values,
    service_action,
)
from plans.errors import ValidationFailed
from plans.services.history import Actor
from projects.models import (
    FundingLine,
    Project,
    ProjectBeneficiary,
)
from projects.services import funding as funding_services
from projects.services import projects as project_services

from .filters import ProjectOverdueFilter
from .milestones import MilestoneInline


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


class ProjectAdminForm(ServiceForm):
    """The collective-benefit override is its own act, apart from the status change's reason."""

    collective_benefit_override = forms.CharField(
        label=_("collective-benefit override: the reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only to approve a project with fewer than two beneficiary organizations."),
    )
    confirm_override = forms.BooleanField(label=_("I override the collective-benefit rule"), required=False)


@admin.register(Project)
class ProjectAdmin(ServiceAdmin):
    form = ProjectAdminForm
    list_display = ("code", "title", "plan", "category", "status", "progress", "executing_body")
    list_filter = (cluster_filter("plan__cluster"), "status", "category", ProjectOverdueFilter)
    search_fields = ("code", "title", "objective", "executing_body")
    list_select_related = ("plan",)
    fieldsets = (
        (None, {"fields": ("plan", "strategic_line", "code", "title", "objective", "category", "good_type",
                           "executing_organization", "executing_body", "priority")}),
        (_("Dates"), {"fields": ("planned_start", "planned_end", "actual_start", "actual_end")}),
        (_("Status"), {"fields": ("status", "transition_reason", "collective_benefit_override_reason",
                                  "collective_benefit_override", "confirm_override", "progress")}),
    )
    inlines = (BeneficiaryInline, FundingLineInline, MilestoneInline)
    actions = (
        service_action(_("Start the execution of the selected projects"), _start_execution,
                       ngettext_lazy("%(count)d project in execution.", "%(count)d projects in execution.", "count")),
        service_action(_("Complete the selected projects"), _complete_project,
                       ngettext_lazy("%(count)d project completed.", "%(count)d projects completed.", "count")),
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
        data = form.cleaned_data
        override = (data.get("collective_benefit_override") or "").strip()
        if override and not data.get("confirm_override"):
            raise ValidationFailed(_("Confirm the override, or leave its reason empty."),
                                   errors={"confirm_override": [_("Confirm the override, or leave its reason empty.")]})
        project_services.project_transition(
            project_id=obj.pk, to=to, actor=actor, reason=data.get("transition_reason", ""),
            collective_benefit_override=override if data.get("confirm_override") else "",
        )
