"""Thin views: subscriptions (own or the cluster's), reminder policies, the delivery log."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from notifications import permissions, selectors
from notifications.models import Delivery, ReminderPolicy, Subscription
from notifications.services.subscriptions import (
    reminder_policy_set,
    subscription_create,
    subscription_delete,
    subscription_update,
)
from plans.api.base.views import ClusterScopedViewSet

from .serializers import (
    DeliverySerializer,
    ReminderPolicyCreateSerializer,
    ReminderPolicySerializer,
    ReminderPolicyUpdateSerializer,
    SubscriptionCreateSerializer,
    SubscriptionSerializer,
    SubscriptionUpdateSerializer,
)


class SubscriptionFilter(filters.FilterSet):
    class Meta:
        model = Subscription
        fields = ["stakeholder", "scope", "scope_id", "frequency", "is_active"]


class SubscriptionViewSet(mixins.DestroyModelMixin, ClusterScopedViewSet):
    """A stakeholder manages their own; coordinators their cluster's; auditors read."""

    serializer_class = SubscriptionSerializer
    roles = permissions.SUBSCRIPTION
    filterset_class = SubscriptionFilter
    input_serializers: ClassVar = {
        "create": SubscriptionCreateSerializer,
        "partial_update": SubscriptionUpdateSerializer,
    }
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Subscription]:
        return selectors.subscription_list(user=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.parse()
        subscription = self.run_service(subscription_create, stakeholder_id=data.pop("stakeholder").pk, **data)
        return self.service_response(subscription, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update_with(subscription_update, "subscription_id")

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        self.run_service(subscription_delete, subscription_id=obj.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReminderPolicyViewSet(ClusterScopedViewSet):
    """`?plan=`: a plan's reminder policy (plans without one use the defaults 14/7/1, 7, 14, 1)."""

    serializer_class = ReminderPolicySerializer
    roles = permissions.REMINDER_POLICY
    filterset_fields = ["plan"]
    input_serializers: ClassVar = {
        "create": ReminderPolicyCreateSerializer,
        "partial_update": ReminderPolicyUpdateSerializer,
    }
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[ReminderPolicy]:
        return selectors.reminder_policy_list(user=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.parse()
        plan = data.pop("plan")
        self.check_cluster_write(plan.cluster_id)
        policy = self.run_service(reminder_policy_set, plan_id=plan.pk, values=data)
        return self.service_response(policy, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        values = self.parse(instance=obj, partial=True, action="partial_update")
        self.run_service(reminder_policy_set, obj=obj, plan_id=obj.plan_id, values=values)
        return self.service_response(obj)


class DeliveryFilter(filters.FilterSet):
    recipient = filters.NumberFilter(field_name="stakeholder_id")
    event = filters.NumberFilter(field_name="event_id")

    class Meta:
        model = Delivery
        fields = ["recipient", "status", "event", "kind", "needs_review", "cluster"]


class DeliveryViewSet(ClusterScopedViewSet):
    """The delivery log: coordinators and auditors of the cluster; read-only."""

    serializer_class = DeliverySerializer
    roles = permissions.DELIVERY
    filterset_class = DeliveryFilter
    ordering_fields = ["id", "created_at", "sent_at", "status"]
    search_fields = ["to_email", "dedup_key"]

    def get_queryset(self) -> QuerySet[Delivery]:
        return selectors.delivery_list(user=self.request.user)
