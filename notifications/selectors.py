"""Reads of the notifications app, scoped by plans.access, plus the calendar feed's rows."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from notifications.models import Delivery, NotificationProfile, ReminderPolicy, Subscription
from plans.access import OVERSIGHT_ROLES, access_for
from plans.models import Forum, Stakeholder
from projects.models import Milestone


def subscription_list(*, user: Any) -> QuerySet[Subscription]:
    """Own subscriptions (a stakeholder's login) plus those of clusters the user coordinates or audits."""
    if not getattr(user, "is_authenticated", False):
        return Subscription.objects.none()
    access = access_for(user)
    qs = Subscription.objects.select_related("stakeholder").order_by("pk")
    clusters = access.cluster_ids(OVERSIGHT_ROLES)
    if clusters is None:
        return qs
    return qs.filter(Q(stakeholder__user=user) | Q(stakeholder__cluster_id__in=clusters))


def reminder_policy_list(*, user: Any) -> QuerySet[ReminderPolicy]:
    access = access_for(user)
    return ReminderPolicy.objects.filter(access.scope(ReminderPolicy)).select_related("plan").order_by("plan_id")


def delivery_list(*, user: Any) -> QuerySet[Delivery]:
    """The delivery log for coordinators and auditors of the cluster; nobody else sees it."""
    access = access_for(user)
    if access.cluster_ids(OVERSIGHT_ROLES) == set():
        return Delivery.objects.none()
    return Delivery.objects.filter(access.scope(Delivery, OVERSIGHT_ROLES)).order_by("-pk")


def profile_by_token(*, kind: str, token: str) -> NotificationProfile | None:
    field = {"unsubscribe": "unsubscribe_token", "calendar": "calendar_token"}[kind]
    if not token or len(token) > 64:
        return None
    return NotificationProfile.objects.select_related("stakeholder__cluster").filter(**{field: token}).first()


def calendar_rows(stakeholder: Stakeholder) -> tuple[QuerySet[Forum], QuerySet[Milestone]]:
    """Forums of the stakeholder's cluster and the milestones they are responsible for."""
    forums = Forum.objects.filter(plan__cluster_id=stakeholder.cluster_id).select_related("plan__cluster")
    milestones = Milestone.objects.filter(responsible=stakeholder).select_related("project").order_by("due_date")
    return forums.order_by("starts_at"), milestones
