"""Admin of plans with their phases and strategic lines inline, and of phases."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from plans.admin.base import (
    ReadOnlyInline,
    ServiceAdmin,
    ServiceForm,
    ServiceInline,
    cluster_filter,
    model_values,
    required_value,
    service_action,
)
from plans.models import (
    Agreement,
    Forum,
    Phase,
    Plan,
    StrategicLine,
)
from plans.services import phases as phase_services
from plans.services import plans as plan_services
from plans.services.history import Actor, ensure_transition_allowed


class PhaseInline(ServiceInline):
    model = Phase
    fields = ("order", "kind", "title", "planned_start", "planned_end", "status", "actual_start", "actual_end")
    readonly_fields = ("status", "actual_start", "actual_end")

    def service_create(self, request: HttpRequest, actor: Actor, parent: Any, form: Any) -> Any:
        values = model_values(form, changed_only=False, exclude=["plan"])
        return phase_services.phase_create(
            plan_id=parent.pk, actor=actor, kind=values.pop("kind"), title=values.pop("title"), **values
        )

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        phase_services.phase_update(phase_id=obj.pk, actor=actor, values=values)


class StrategicLineInline(ServiceInline):
    model = StrategicLine
    fields = ("order", "code", "title", "description")
    can_delete = True

    def service_create(self, request: HttpRequest, actor: Actor, parent: Any, form: Any) -> Any:
        values = model_values(form, changed_only=False, exclude=["plan"])
        return plan_services.strategic_line_create(
            plan_id=parent.pk, actor=actor, code=values.pop("code"), title=values.pop("title"), **values
        )

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        plan_services.strategic_line_update(strategic_line_id=obj.pk, actor=actor, values=values)

    def service_delete(self, request: HttpRequest, actor: Actor, obj: Any) -> None:
        plan_services.strategic_line_delete(strategic_line_id=obj.pk, actor=actor)


class ForumListInline(ReadOnlyInline):
    model = Forum
    fields = ("title", "phase", "starts_at", "venue", "status")


@admin.register(Plan)
class PlanAdmin(ServiceAdmin):
    list_display = ("title", "cluster", "edition", "status", "progress", "approved_on")
    list_filter = (cluster_filter("cluster"), "status")
    search_fields = ("title", "vision", "cluster__name")
    list_select_related = ("cluster",)
    fieldsets = (
        (None, {"fields": ("cluster", "title", "vision", "grant_amount", "grant_currency", "forum_quorum_percent")}),
        (_("Status"), {"fields": ("status", "transition_reason", "edition", "previous", "approved_on", "progress")}),
    )
    inlines = (PhaseInline, StrategicLineInline, ForumListInline)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fixed = ("edition", "previous", "approved_on", "progress")
        return (*fixed, "cluster") if obj else (*fixed, "status")

    def service_create(self, request: HttpRequest, actor: Actor, form: Any) -> Any:
        values = model_values(form, changed_only=False)
        return plan_services.plan_create(
            cluster_id=values.pop("cluster").pk, actor=actor, title=values.pop("title"), **values
        )

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        plan_services.plan_update(plan_id=obj.pk, actor=actor, values=values)

    def service_transition(
        self, request: HttpRequest, actor: Actor, obj: Any, to: str, form: Any, values: dict[str, Any]
    ) -> None:
        plan_services.plan_transition(
            plan_id=obj.pk, to=to, actor=actor, reason=form.cleaned_data.get("transition_reason", "")
        )


class PhaseForm(ServiceForm):
    completing_agreement = forms.ModelChoiceField(
        queryset=Agreement.objects.none(), required=False, label=_("adopted agreement that completes the phase"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # only the adopted agreements of this phase's plan
            self.fields["completing_agreement"].queryset = Agreement.objects.filter(  # type: ignore[attr-defined]
                plan_id=self.instance.plan_id, status=Agreement.Status.ADOPTED
            )


def _start_phase(request: HttpRequest, actor: Actor, phase: Phase) -> None:
    phase_services.phase_start(phase_id=phase.pk, actor=actor)


@admin.register(Phase)
class PhaseAdmin(ServiceAdmin):
    form = PhaseForm
    list_display = ("title", "plan", "order", "kind", "status", "planned_start", "planned_end", "actual_end")
    list_filter = (cluster_filter("plan__cluster"), "kind", "status")
    search_fields = ("title", "plan__title")
    list_select_related = ("plan",)
    fieldsets = (
        (None, {"fields": ("plan", "order", "kind", "title", "description", "planned_start", "planned_end")}),
        (_("Status"), {"fields": ("status", "transition_reason", "completing_agreement", "actual_start",
                                  "actual_end", "skip_reason", "outcome_agreement")}),
    )
    actions = (service_action(_("Start the selected phases"), _start_phase,
                              ngettext_lazy("%(count)d phase started.", "%(count)d phases started.", "count")),)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fixed = ("actual_start", "actual_end", "skip_reason", "outcome_agreement")
        return (*fixed, "plan") if obj else (*fixed, "status")

    def service_create(self, request: HttpRequest, actor: Actor, form: Any) -> Any:
        values = model_values(form, changed_only=False)
        return phase_services.phase_create(
            plan_id=values.pop("plan").pk, actor=actor, kind=values.pop("kind"), title=values.pop("title"), **values
        )

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        phase_services.phase_update(phase_id=obj.pk, actor=actor, values=values)

    def service_transition(
        self, request: HttpRequest, actor: Actor, obj: Any, to: str, form: Any, values: dict[str, Any]
    ) -> None:
        reason = form.cleaned_data.get("transition_reason", "")
        if to == Phase.Status.ACTIVE:
            phase_services.phase_start(phase_id=obj.pk, actor=actor)
        elif to == Phase.Status.COMPLETED:
            agreement = required_value(form, "completing_agreement")
            phase_services.phase_complete(phase_id=obj.pk, agreement_id=agreement.pk, actor=actor)
        elif to == Phase.Status.SKIPPED:
            phase_services.phase_skip(phase_id=obj.pk, reason=reason, actor=actor)
        else:
            ensure_transition_allowed(obj, to)  # no move back exists: the one gate refuses it
            raise NotImplementedError(f"no service moves a phase to {to}")
