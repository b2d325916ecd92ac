"""Coordinator screens: subscriptions, reminder policies and the delivery log (read-only).

Deliveries flagged `needs_review` (claimed, outcome unknown) wait here for a person:
"resend" puts them back to pending, "mark as sent" records that the server had them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from notifications.models import Delivery, DispatchRecord, NotificationProfile, ReminderPolicy, Subscription
from notifications.services import outbox
from notifications.services.subscriptions import calendar_token_rotate
from plans.access import WRITE_ROLES, access_for
from plans.models import Source
from plans.models.base import cluster_id_of
from plans.services.history import Actor


class WritesByRoleMixin:
    """Django's model permissions AND a writing role (plans.access): auditors only look.

    Actions are declared with permissions=["change"], so they obey this too, and they act
    only on rows of clusters where the user may write. The way to the cluster is the model's
    `cluster_path`.
    """

    model: Any

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_change_permission(request, obj):  # type: ignore[misc]
            return False
        access = access_for(request.user)
        if access.is_admin:
            return True
        if obj is None:
            return bool(access.cluster_ids(WRITE_ROLES))
        return access.can_write(self.obj_cluster_id(obj))

    def obj_cluster_id(self, obj: Any) -> int | None:
        return cluster_id_of(obj)

    def writable(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(access_for(request.user).scope(self.model, WRITE_ROLES))


@admin.register(Subscription)
class SubscriptionAdmin(WritesByRoleMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["stakeholder", "scope", "scope_id", "frequency", "is_active", "updated_at"]
    list_filter = ["scope", "frequency", "is_active"]
    search_fields = ["stakeholder__name", "stakeholder__email"]
    raw_id_fields = ["stakeholder"]


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(WritesByRoleMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["plan", "due_soon_days", "overdue_every_days", "escalate_after_days", "forum_reminder_days"]
    raw_id_fields = ["plan"]


@admin.register(NotificationProfile)
class NotificationProfileAdmin(WritesByRoleMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["stakeholder", "notify_own_changes", "unsubscribed_at", "created_at"]
    list_filter = ["notify_own_changes"]
    search_fields = ["stakeholder__name", "stakeholder__email"]
    readonly_fields = ["stakeholder", "unsubscribe_token", "calendar_token", "created_at"]
    actions = ["new_calendar_link"]

    @admin.action(description=_("Revoke the calendar link (issue a new one)"), permissions=["change"])
    def new_calendar_link(self, request: HttpRequest, queryset: QuerySet[NotificationProfile]) -> None:
        actor = Actor(user=request.user, source=Source.ADMIN)  # type: ignore[arg-type]
        for profile in self.writable(request, queryset):
            calendar_token_rotate(stakeholder_id=profile.stakeholder_id, actor=actor)
        self.message_user(request, _("New calendar links issued."), messages.SUCCESS)


@admin.register(Delivery)
class DeliveryAdmin(WritesByRoleMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["id", "created_at", "kind", "to_email", "status", "needs_review", "attempts", "sent_at", "cluster"]
    list_filter = ["status", "needs_review", "kind", "cluster"]
    search_fields = ["to_email", "dedup_key", "message_id"]
    date_hierarchy = "created_at"
    list_select_related = ["cluster"]
    actions = ["resend", "mark_sent"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Resend (after checking it did not arrive)"), permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        from notifications.tasks import enqueue_send

        ids = outbox.resend(self.writable(request, queryset).values_list("pk", flat=True))
        enqueue_send(ids)
        self.message_user(request, _("%(count)d deliveries queued again.") % {"count": len(ids)}, messages.SUCCESS)

    @admin.action(description=_("Mark as sent (the mail server has it)"), permissions=["change"])
    def mark_sent(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = outbox.mark_reviewed_as_sent(self.writable(request, queryset).values_list("pk", flat=True))
        self.message_user(request, _("%(count)d deliveries marked as sent.") % {"count": count}, messages.SUCCESS)


@admin.register(DispatchRecord)
class DispatchRecordAdmin(admin.ModelAdmin):
    list_display = ["event_id", "kind", "deliveries", "digest_entries", "dispatched_at"]
    list_filter = ["kind"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
