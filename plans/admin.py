"""Coordinator screens for clusters, plans, phases, forums and agreements; history is read-only.

Every save calls a service (see `plans.admin_base`), so the admin obeys the same rules and
writes the same history as the API, with source "admin".
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from plans.access import access_for
from plans.admin_base import (
    ReadOnlyInline,
    RoleScopedMixin,
    ServiceAdmin,
    ServiceForm,
    ServiceInline,
    model_values,
    service_action,
)
from plans.errors import ValidationFailed
from plans.models import (
    Agreement,
    Cluster,
    Forum,
    ForumAttendance,
    HistoryEvent,
    KeyFigure,
    Organization,
    Phase,
    Plan,
    Position,
    Role,
    RoleAssignment,
    Stakeholder,
    StrategicLine,
)
from plans.services import agreements as agreement_services
from plans.services import clusters as cluster_services
from plans.services import forums as forum_services
from plans.services import phases as phase_services
from plans.services import plans as plan_services
from plans.services.history import Actor

admin.site.site_header = _("PMC Tracker — Competitive Improvement Plans")
admin.site.site_title = _("PMC Tracker")
admin.site.index_title = _("Clusters, plans and projects")


def _pk(value: Any) -> int | None:
    return value.pk if value is not None else None


def _require(form: forms.BaseForm, name: str) -> Any:
    value = form.cleaned_data.get(name)
    if value in (None, ""):
        raise ValidationFailed(_("This field is required for the change."), errors={name: [_("Required.")]})
    return value


# --- Clusters and their members --------------------------------------------------------------


class KeyFigureInline(ServiceInline):
    model = KeyFigure
    fields = ("name", "value", "unit", "as_of")

    def service_create(self, request: HttpRequest, actor: Actor, parent: Any, form: Any) -> Any:
        data = form.cleaned_data
        return cluster_services.key_figure_set(
            cluster_id=parent.pk, actor=actor, name=data["name"], value=data["value"], unit=data["unit"],
            as_of=data.get("as_of"),
        )

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        if "name" in values:
            raise ValidationFailed(_("A key figure is identified by its name; add a new one instead."),
                                   errors={"name": [_("Not editable here.")]})
        data = form.cleaned_data
        cluster_services.key_figure_set(
            cluster_id=obj.cluster_id, actor=actor, name=obj.name, value=data["value"], unit=data["unit"],
            as_of=data.get("as_of"),
        )


@admin.register(Cluster)
class ClusterAdmin(ServiceAdmin):
    list_display = ("name", "province", "sector", "started_on", "is_sample")
    list_filter = ("province", "is_sample")
    search_fields = ("name", "slug", "province", "localities")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "sector", "province", "localities", "description", "programme", "time_zone",
              "started_on", "is_sample")
    inlines = (KeyFigureInline,)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access_for(request.user).is_admin  # programme administrators create clusters

    def service_create(self, request: HttpRequest, actor: Actor, form: Any) -> Any:
        values = model_values(form, changed_only=False)
        return cluster_services.cluster_create(actor=actor, **values)

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        cluster_services.cluster_update(cluster_id=obj.pk, actor=actor, values=values)


class ClusterChildAdmin(ServiceAdmin):
    """Rows that hang directly from a cluster: the cluster is chosen once, on creation."""

    cluster_path = "cluster"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*super().get_readonly_fields(request, obj), *(("cluster",) if obj else ()))


@admin.register(Organization)
class OrganizationAdmin(ClusterChildAdmin):
    list_display = ("name", "cluster", "kind", "membership", "locality", "is_active", "is_sample")
    list_filter = ("cluster", "kind", "membership", "is_active", "is_sample")
    search_fields = ("name", "locality", "contact_email")
    list_select_related = ("cluster",)
    fields = ("cluster", "name", "kind", "membership", "chain_link", "locality", "contact_email", "is_active",
              "is_sample")

    def service_create(self, request: HttpRequest, actor: Actor, form: Any) -> Any:
        values = model_values(form, changed_only=False)
        return cluster_services.organization_create(cluster_id=values.pop("cluster").pk, actor=actor, **values)

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        cluster_services.organization_update(organization_id=obj.pk, actor=actor, values=values)


@admin.register(Stakeholder)
class StakeholderAdmin(ClusterChildAdmin):
    list_display = ("name", "email", "cluster", "organization", "language", "is_active", "is_sample")
    list_filter = ("cluster", "language", "is_active", "is_sample")
    search_fields = ("name", "email", "organization__name")
    list_select_related = ("cluster", "organization")
    fields = ("cluster", "name", "email", "organization", "language", "time_zone", "is_active", "user", "is_sample")
    raw_id_fields = ("user",)

    def service_create(self, request: HttpRequest, actor: Actor, form: Any) -> Any:
        values = model_values(form, changed_only=False)
        return cluster_services.stakeholder_create(cluster_id=values.pop("cluster").pk, actor=actor, **values)

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        cluster_services.stakeholder_update(stakeholder_id=obj.pk, actor=actor, values=values)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ClusterChildAdmin):
    list_display = ("user", "role", "cluster")
    list_filter = ("role", "cluster")
    search_fields = ("user__username", "user__email")
    list_select_related = ("user", "cluster")
    fields = ("user", "cluster", "role")
    raw_id_fields = ("user",)
    admin_only_writes = True
    can_delete = True

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("user", "cluster", "role") if obj else ()

    def service_create(self, request: HttpRequest, actor: Actor, form: Any) -> Any:
        data = form.cleaned_data
        return cluster_services.role_assign(
            user_id=data["user"].pk, cluster_id=_pk(data.get("cluster")), role=data["role"], actor=actor
        )

    def service_delete(self, request: HttpRequest, actor: Actor, obj: Any) -> None:
        cluster_services.role_revoke(assignment_id=obj.pk, actor=actor)


# --- Plans, strategic lines and phases -------------------------------------------------------


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
    cluster_path = "cluster"
    list_display = ("title", "cluster", "edition", "status", "progress", "approved_on")
    list_filter = ("cluster", "status")
    search_fields = ("title", "vision", "cluster__name")
    list_select_related = ("cluster",)
    fieldsets = (
        (None, {"fields": ("cluster", "title", "vision", "grant_amount", "grant_currency")}),
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
    cluster_path = "plan__cluster"
    form = PhaseForm
    list_display = ("title", "plan", "order", "kind", "status", "planned_start", "planned_end", "actual_end")
    list_filter = ("plan__cluster", "kind", "status")
    search_fields = ("title", "plan__title")
    list_select_related = ("plan",)
    fieldsets = (
        (None, {"fields": ("plan", "order", "kind", "title", "description", "planned_start", "planned_end")}),
        (_("Status"), {"fields": ("status", "transition_reason", "completing_agreement", "actual_start",
                                  "actual_end", "skip_reason", "outcome_agreement")}),
    )
    actions = (service_action(_("Start the selected phases"), _start_phase, _("%(count)d phase(s) started.")),)

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
            agreement = _require(form, "completing_agreement")
            phase_services.phase_complete(phase_id=obj.pk, agreement_id=agreement.pk, actor=actor)
        elif to == Phase.Status.SKIPPED:
            phase_services.phase_skip(phase_id=obj.pk, reason=reason, actor=actor)
        else:
            raise ValidationFailed(_("A phase cannot go back to pending."), errors={"status": [_("Not allowed.")]})


# --- Forums and agreements -------------------------------------------------------------------


class AttendanceInline(ServiceInline):
    model = ForumAttendance
    fields = ("organization", "stakeholder")
    can_delete = True

    def service_create(self, request: HttpRequest, actor: Actor, parent: Any, form: Any) -> Any:
        data = form.cleaned_data
        return forum_services.attendance_add(
            forum_id=parent.pk, actor=actor, organization_id=_pk(data.get("organization")),
            stakeholder_id=_pk(data.get("stakeholder")),
        )

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        # A row names one attendee: another attendee is another row.
        forum_services.attendance_remove(attendance_id=obj.pk, actor=actor)
        self.service_create(request, actor, obj.forum, form)

    def service_delete(self, request: HttpRequest, actor: Actor, obj: Any) -> None:
        forum_services.attendance_remove(attendance_id=obj.pk, actor=actor)


@admin.register(Forum)
class ForumAdmin(ServiceAdmin):
    cluster_path = "plan__cluster"
    list_display = ("title", "plan", "phase", "starts_at", "venue", "status")
    list_filter = ("plan__cluster", "status")
    search_fields = ("title", "venue", "address", "organizer")
    date_hierarchy = "starts_at"
    list_select_related = ("plan", "phase")
    fieldsets = (
        (None, {"fields": ("phase", "title", "starts_at", "ends_at", "venue", "address", "organizer", "agenda")}),
        (_("Outcome"), {"fields": ("status", "transition_reason", "minutes", "sequence", "plan")}),
    )
    inlines = (AttendanceInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("sequence", "plan", "phase") if obj else ("sequence", "plan", "status")

    def service_create(self, request: HttpRequest, actor: Actor, form: Any) -> Any:
        values = model_values(form, changed_only=False)
        values.pop("minutes", None)
        return forum_services.forum_schedule(phase_id=values.pop("phase").pk, actor=actor, **values)

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        forum_services.forum_update(forum_id=obj.pk, actor=actor, values=values)

    def service_transition(
        self, request: HttpRequest, actor: Actor, obj: Any, to: str, form: Any, values: dict[str, Any]
    ) -> None:
        if to == Forum.Status.HELD:
            values.pop("minutes", None)
            forum_services.forum_hold(forum_id=obj.pk, minutes=form.cleaned_data.get("minutes", ""), actor=actor)
        elif to == Forum.Status.CANCELLED:
            forum_services.forum_cancel(
                forum_id=obj.pk, actor=actor, reason=form.cleaned_data.get("transition_reason", "")
            )
        else:
            raise ValidationFailed(_("A forum cannot go back to scheduled."), errors={"status": [_("Not allowed.")]})


class PositionInline(ServiceInline):
    model = Position
    fields = ("organization", "position", "comment", "recorded_by")
    readonly_fields = ("recorded_by",)

    def _record(self, actor: Actor, agreement_id: int, form: Any) -> Any:
        data = form.cleaned_data
        return agreement_services.position_record(
            agreement_id=agreement_id, organization_id=data["organization"].pk, position=data["position"],
            actor=actor, comment=data.get("comment", ""),
        )

    def service_create(self, request: HttpRequest, actor: Actor, parent: Any, form: Any) -> Any:
        return self._record(actor, parent.pk, form)

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        self._record(actor, obj.agreement_id, form)


def _close_agreement(request: HttpRequest, actor: Actor, agreement: Agreement) -> None:
    agreement_services.agreement_close(agreement_id=agreement.pk, actor=actor)


@admin.register(Agreement)
class AgreementAdmin(ServiceAdmin):
    cluster_path = "plan__cluster"
    list_display = ("title", "plan", "subject", "rule", "status", "decided_at")
    list_filter = ("plan__cluster", "subject", "rule", "status")
    search_fields = ("title", "text")
    list_select_related = ("plan",)
    fields = ("plan", "phase", "forum", "title", "text", "subject", "rule", "quorum_percent", "status", "tally",
              "decided_at")
    inlines = (PositionInline,)
    actions = (service_action(_("Close the selected agreements (count the positions)"), _close_agreement,
                              _("%(count)d agreement(s) closed.")),)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # An agreement's terms are fixed once opened: positions are recorded, then it is closed.
        return self.fields if obj else ("status", "tally", "decided_at")

    def service_create(self, request: HttpRequest, actor: Actor, form: Any) -> Any:
        values = model_values(form, changed_only=False)
        return agreement_services.agreement_create(
            plan_id=values.pop("plan").pk, actor=actor, phase_id=_pk(values.pop("phase", None)),
            forum_id=_pk(values.pop("forum", None)), **values,
        )


# --- History (read-only for everyone) --------------------------------------------------------


class ObjectTypeFilter(admin.SimpleListFilter):
    """Fixed choices: a DISTINCT over millions of events would slow every page."""

    title = _("object type")
    parameter_name = "object_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        from django.apps import apps

        labels = [m._meta for m in apps.get_models() if m._meta.app_label in {"plans", "projects", "notifications"}]
        return sorted((o.label_lower, str(o.verbose_name)) for o in labels)

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(object_type=self.value()) if self.value() else queryset


@admin.register(HistoryEvent)
class HistoryEventAdmin(RoleScopedMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """The event stream, for coordinators (their clusters) and auditors; nobody edits it."""

    read_roles = frozenset({Role.COORDINATOR, Role.AUDITOR})
    list_display = ("id", "occurred_at", "actor_label", "source", "action", "object_type", "object_repr", "plan_id")
    list_filter = ("occurred_at", "source", "action", ObjectTypeFilter)  # no date_hierarchy: DISTINCT on millions
    search_fields = ("object_repr", "reason", "actor_label")
    show_full_result_count = False
    list_per_page = 100

    def get_queryset(self, request: HttpRequest) -> Any:
        scope = access_for(request.user).scope_q("chain_id", self.read_roles)
        return super().get_queryset(request).filter(scope)

    def obj_cluster_id(self, obj: Any) -> int | None:
        return obj.chain_id or None

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in HistoryEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

