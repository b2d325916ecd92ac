"""Milestones: inline on the project and on their own page; due dates move by rescheduling."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from plans.admin.base import (
    ServiceAdmin,
    ServiceForm,
    ServiceInline,
    cluster_filter,
    errors_as,
    pk_of,
    service_action,
)
from plans.errors import ValidationFailed
from plans.services.history import Actor
from projects.models import (
    Milestone,
    MilestoneUpdate,
)
from projects.services import milestones as milestone_services

from .filters import MilestoneDueFilter


class MilestoneRowForm(forms.ModelForm):
    reschedule_reason = forms.CharField(label=_("reason for a new due date"), required=False)

    class Meta:
        model = Milestone
        fields = ("title", "due_date", "weight", "responsible")


def _milestone_create(actor: Actor, project_id: int, form: Any) -> Milestone:
    data = form.cleaned_data
    return milestone_services.milestone_create(
        project_id=project_id, actor=actor, title=data["title"], due_date=data["due_date"],
        weight=data.get("weight") or 1, responsible_id=pk_of(data.get("responsible")),
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
    form = MilestoneForm
    list_display = ("title", "project", "due_date", "baseline_due_date", "status", "overdue", "weight", "responsible")
    # A date filter, not date_hierarchy: its DISTINCT over a million due dates costs seconds per page.
    list_filter = (MilestoneDueFilter, "status", "due_date", cluster_filter("plan__cluster"))
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
        service_action(_("Start the selected milestones"), _start,
                       ngettext_lazy("%(count)d milestone started.", "%(count)d milestones started.", "count")),
        service_action(_("Complete the selected milestones today"), _complete_today,
                       ngettext_lazy("%(count)d milestone completed.", "%(count)d milestones completed.", "count")),
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
