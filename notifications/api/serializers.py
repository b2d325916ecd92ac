"""Input and output shapes of the notifications API."""

from __future__ import annotations

from rest_framework import serializers

from notifications.kinds import SUBSCRIBABLE_KINDS
from notifications.models import Delivery, Frequency, ReminderPolicy, Subscription
from plans.access import WRITE_ROLES
from plans.api.base.fields import ScopedPrimaryKeyRelatedField
from plans.models import Plan, Stakeholder


class SubscriptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Subscription
        fields = ["id", "stakeholder", "scope", "scope_id", "events", "frequency", "is_active", "version",
                  "created_at", "updated_at"]
        read_only_fields = fields


class SubscriptionCreateSerializer(serializers.Serializer):
    # Own stakeholder rows resolve for stakeholders; the service checks ownership or coordination.
    stakeholder = ScopedPrimaryKeyRelatedField(queryset=Stakeholder.objects.all())
    scope = serializers.ChoiceField(choices=Subscription.Scope.choices)
    scope_id = serializers.IntegerField(min_value=1)
    events = serializers.ListField(child=serializers.ChoiceField(choices=sorted(SUBSCRIBABLE_KINDS)), required=False)
    frequency = serializers.ChoiceField(choices=Frequency.choices, default=Frequency.IMMEDIATE)


class SubscriptionUpdateSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=Subscription.Scope.choices, required=False)
    scope_id = serializers.IntegerField(min_value=1, required=False)
    events = serializers.ListField(child=serializers.ChoiceField(choices=sorted(SUBSCRIBABLE_KINDS)), required=False)
    frequency = serializers.ChoiceField(choices=Frequency.choices, required=False)
    is_active = serializers.BooleanField(required=False)


class ReminderPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = ReminderPolicy
        fields = ["id", "plan", "due_soon_days", "overdue_every_days", "escalate_after_days", "forum_reminder_days",
                  "agreement_after_days", "agreement_before_days", "version", "updated_at"]
        read_only_fields = fields


class _PolicyValues(serializers.Serializer):
    due_soon_days = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=365), required=False)
    overdue_every_days = serializers.IntegerField(min_value=1, max_value=365, required=False)
    escalate_after_days = serializers.IntegerField(min_value=1, max_value=365, required=False)
    forum_reminder_days = serializers.IntegerField(min_value=0, max_value=60, required=False)
    agreement_after_days = serializers.IntegerField(min_value=0, max_value=60, required=False)
    agreement_before_days = serializers.IntegerField(min_value=0, max_value=60, required=False)


class ReminderPolicyCreateSerializer(_PolicyValues):
    plan = ScopedPrimaryKeyRelatedField(queryset=Plan.objects.all(), roles=WRITE_ROLES)


class ReminderPolicyUpdateSerializer(_PolicyValues):
    pass


class DeliverySerializer(serializers.ModelSerializer):
    recipient = serializers.IntegerField(source="stakeholder_id", read_only=True, allow_null=True)

    class Meta:
        model = Delivery
        fields = ["id", "kind", "channel", "event_id", "recipient", "user", "to_email", "language", "cluster",
                  "plan_id", "object_type", "object_id", "scheduled_for", "status", "attempts", "last_error",
                  "message_id", "needs_review", "next_attempt_at", "created_at", "claimed_at", "sent_at", "dedup_key"]
        read_only_fields = fields
