"""Programme administrators' screens: subscriptions, reminder policies, profiles, the delivery log.

Coordinators and auditors work from the notification pages (notifications/web: delivery
log, subscriptions, reminder policies, scoped to their clusters); these screens show every
cluster at once, so they are for programme administrators only. Saves go through the same
services as the pages and the API, so they record the same history (source "admin").

Deliveries flagged `needs_review` (claimed, outcome unknown) wait for a person:
"resend" puts them back to pending, "mark as sent" records that the server had them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from notifications.models import Delivery, DispatchRecord, NotificationProfile, ReminderPolicy, Subscription
from notifications.services import outbox
from notifications.services.subscriptions import (
    calendar_token_rotate,
    reminder_policy_set,
    subscription_create,
    subscription_delete,
    subscription_update,
)
from plans.admin.base import RoleScopedMixin, ServiceAdmin, admin_actor, cluster_filter, model_values
from plans.services.history import Actor


class ProgrammeAdminsOnly(RoleScopedMixin):
    """No cluster role opens these screens: only programme administrators (RoleScopedMixin lets them in)."""

    read_roles: frozenset[str] = frozenset()
    admin_only_writes = True


@admin.register(Subscription)
class SubscriptionAdmin(ProgrammeAdminsOnly, ServiceAdmin):
    can_delete = True
    form = forms.ModelForm  # type: ignore[assignment]  # no status here: no transition reason to ask
    list_display = ["stakeholder", "scope", "scope_id", "frequency", "is_active", "updated_at"]
    list_filter = ["scope", "frequency", "is_active"]
    search_fields = ["stakeholder__name", "stakeholder__email"]
    list_select_related = ["stakeholder"]
    raw_id_fields = ["stakeholder"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A new subscription starts active (the create service takes no `is_active`).
        common = ["scope", "scope_id", "events", "frequency"]
        return ["stakeholder", *common, "is_active"] if obj else ["stakeholder", *common]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["stakeholder"] if obj else []

    def service_create(self, request: HttpRequest, actor: Actor, form: forms.ModelForm) -> Any:
        values = model_values(form, changed_only=False)
        return subscription_create(stakeholder_id=values.pop("stakeholder").pk, actor=actor, **values)

    def service_update(
        self, request: HttpRequest, actor: Actor, obj: Any, form: forms.ModelForm, values: dict[str, Any]
    ) -> None:
        subscription_update(subscription_id=obj.pk, actor=actor, values=values)

    def service_delete(self, request: HttpRequest, actor: Actor, obj: Any) -> None:
        subscription_delete(subscription_id=obj.pk, actor=actor)


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(ProgrammeAdminsOnly, ServiceAdmin):
    form = forms.ModelForm  # type: ignore[assignment]
    fields = ["plan", "due_soon_days", "overdue_every_days", "escalate_after_days", "forum_reminder_days",
              "agreement_after_days", "agreement_before_days"]
    list_display = ["plan", "due_soon_days", "overdue_every_days", "escalate_after_days", "forum_reminder_days"]
    list_select_related = ["plan"]
    raw_id_fields = ["plan"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["plan"] if obj else []

    def service_create(self, request: HttpRequest, actor: Actor, form: forms.ModelForm) -> Any:
        values = model_values(form, changed_only=False)
        return reminder_policy_set(plan_id=values.pop("plan").pk, actor=actor, values=values)

    def service_update(
        self, request: HttpRequest, actor: Actor, obj: Any, form: forms.ModelForm, values: dict[str, Any]
    ) -> None:
        reminder_policy_set(plan_id=obj.plan_id, actor=actor, values=values)


@admin.register(NotificationProfile)
class NotificationProfileAdmin(ProgrammeAdminsOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    can_add = False
    list_display = ["stakeholder", "notify_own_changes", "unsubscribed_at", "created_at"]
    list_filter = ["notify_own_changes"]
    search_fields = ["stakeholder__name", "stakeholder__email"]
    readonly_fields = ["stakeholder", "unsubscribe_token", "calendar_token", "created_at"]
    actions = ["new_calendar_link"]

    @admin.action(description=_("Revoke the calendar link (issue a new one)"), permissions=["change"])
    def new_calendar_link(self, request: HttpRequest, queryset: QuerySet[NotificationProfile]) -> None:
        actor = admin_actor(request)
        for profile in queryset:
            calendar_token_rotate(stakeholder_id=profile.stakeholder_id, actor=actor)
        self.message_user(request, _("New calendar links issued."), messages.SUCCESS)


@admin.register(Delivery)
class DeliveryAdmin(ProgrammeAdminsOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    can_add = False
    list_display = ["id", "created_at", "kind", "to_email", "status", "needs_review", "attempts", "sent_at", "cluster"]
    list_filter = ["status", "needs_review", "kind", cluster_filter("cluster")]
    search_fields = ["to_email", "dedup_key", "message_id"]
    date_hierarchy = "created_at"
    list_select_related = ["cluster"]
    actions = ["resend", "mark_sent"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Delivery._meta.fields]

    @admin.action(description=_("Resend (after checking it did not arrive)"), permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        from notifications.tasks import enqueue_send

        ids = outbox.resend(queryset.values_list("pk", flat=True))
        enqueue_send(ids)
        self.message_user(request, _("%(count)d deliveries queued again.") % {"count": len(ids)}, messages.SUCCESS)

    @admin.action(description=_("Mark as sent (the mail server has it)"), permissions=["change"])
    def mark_sent(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = outbox.mark_reviewed_as_sent(queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(count)d deliveries marked as sent.") % {"count": count}, messages.SUCCESS)


@admin.register(DispatchRecord)
class DispatchRecordAdmin(ProgrammeAdminsOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    can_add = False
    list_display = ["event_id", "kind", "deliveries", "digest_entries", "dispatched_at"]
    list_filter = ["kind"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
