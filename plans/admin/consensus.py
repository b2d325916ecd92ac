"""Admin of forums (with attendance) and agreements (with positions)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from plans.admin.base import (
    ServiceAdmin,
    ServiceInline,
    cluster_filter,
    model_values,
    pk_of,
    service_action,
)
from plans.forum_selectors import agreement_tally
from plans.models import (
    Agreement,
    Forum,
    ForumAttendance,
    Position,
)
from plans.services import agreements as agreement_services
from plans.services import forums as forum_services
from plans.services.history import Actor, ensure_transition_allowed


class AttendanceInline(ServiceInline):
    model = ForumAttendance
    fields = ("organization", "stakeholder")
    can_delete = True

    def service_create(self, request: HttpRequest, actor: Actor, parent: Any, form: Any) -> Any:
        data = form.cleaned_data
        return forum_services.attendance_add(
            forum_id=parent.pk, actor=actor, organization_id=pk_of(data.get("organization")),
            stakeholder_id=pk_of(data.get("stakeholder")),
        )

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        # A row names one attendee: another attendee is another row.
        forum_services.attendance_remove(attendance_id=obj.pk, actor=actor)
        self.service_create(request, actor, obj.forum, form)

    def service_delete(self, request: HttpRequest, actor: Actor, obj: Any) -> None:
        forum_services.attendance_remove(attendance_id=obj.pk, actor=actor)


@admin.register(Forum)
class ForumAdmin(ServiceAdmin):
    list_display = ("title", "plan", "phase", "starts_at", "venue", "status")
    list_filter = (cluster_filter("plan__cluster"), "status")
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
            ensure_transition_allowed(obj, to)  # no move back exists: the one gate refuses it
            raise NotImplementedError(f"no service moves a forum to {to}")


class PositionInline(ServiceInline):
    model = Position
    fields = ("organization", "position", "comment", "recorded_by")
    readonly_fields = ("recorded_by",)
    classes = ("collapse",)  # 70-odd members: folded, so the agreement itself stays on the first screen
    extra = 0

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
    list_display = ("title", "plan", "subject", "rule", "status", "decided_at")
    list_filter = (cluster_filter("plan__cluster"), "subject", "rule", "status")
    search_fields = ("title", "text")
    list_select_related = ("plan",)
    fields = ("plan", "phase", "forum", "title", "text", "subject", "rule", "quorum_percent", "status",
              "tally_summary", "decided_at")
    inlines = (PositionInline,)
    actions = (service_action(_("Close the selected agreements (count the positions)"), _close_agreement,
                              ngettext_lazy("%(count)d agreement closed.", "%(count)d agreements closed.", "count")),)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # An agreement's terms are fixed once opened: positions are recorded, then it is closed.
        return self.fields if obj else ("status", "tally_summary", "decided_at")

    @admin.display(description=_("tally"))
    def tally_summary(self, obj: Agreement) -> Any:
        """The positions counted (stored once decided, so far while open), as words, not JSON."""
        if obj is None or obj.pk is None:
            return "—"
        tally = agreement_tally(agreement=obj)
        return format_html_join(", ", "{}: {}", ((capfirst(row.label), row.count) for row in tally.rows)) or "—"

    def service_create(self, request: HttpRequest, actor: Actor, form: Any) -> Any:
        values = model_values(form, changed_only=False)
        return agreement_services.agreement_create(
            plan_id=values.pop("plan").pk, actor=actor, phase_id=pk_of(values.pop("phase", None)),
            forum_id=pk_of(values.pop("forum", None)), **values,
        )
