"""Reads of the notifications app, scoped by plans.access, plus the calendar feed's rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from notifications.models import Delivery, NotificationProfile, ReminderPolicy, Subscription
from plans.access import OVERSIGHT_ROLES, READ_ROLES, access_for
from plans.models import Agreement, Cluster, Forum, HistoryEvent, Phase, Plan, Position, Stakeholder
from projects.models import Milestone, Project


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


# --- Reads of the notification pages (notifications/web) ------------------------------
# Each builds on the scoped lists above, so the pages and the API see the same rows.

IN_DOUBT = "in_doubt"  # the log's status filter: rows a person must decide on (needs_review)


@dataclass(frozen=True)
class DeliveryFilters:
    status: str = ""
    recipient: str = ""  # part of the name or the email address
    kind: str = ""
    date_from: dt.date | None = None  # created on or after, in the current time zone
    date_to: dt.date | None = None  # created on or before


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def delivery_log(*, user: Any, cluster_id: int, filters: DeliveryFilters | None = None) -> QuerySet[Delivery]:
    """One cluster's deliveries, newest first, filtered; bounds on created_at keep the index usable."""
    filters = filters or DeliveryFilters()
    qs = delivery_list(user=user).filter(cluster_id=cluster_id).select_related("stakeholder")
    if filters.status == IN_DOUBT:
        qs = qs.filter(needs_review=True)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.recipient:
        qs = qs.filter(Q(to_email__icontains=filters.recipient) | Q(stakeholder__name__icontains=filters.recipient))
    if filters.date_from:
        qs = qs.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    return qs


def delivery_in_cluster(*, user: Any, cluster_id: int, delivery_id: int) -> Delivery | None:
    return delivery_log(user=user, cluster_id=cluster_id).filter(pk=delivery_id).first()


def notification_clusters(*, user: Any) -> QuerySet[Cluster]:
    """Clusters whose notifications the user oversees, with their plans and the rows in doubt."""
    access = access_for(user)
    in_doubt = (
        # needs_review rows are `sending` ones: the status index finds them without a scan.
        Delivery.objects.filter(cluster=OuterRef("pk"), status=Delivery.Status.SENDING, needs_review=True)
        .order_by().values("cluster").annotate(n=Count("pk")).values("n")
    )
    return (
        Cluster.objects.filter(access.scope_q("", OVERSIGHT_ROLES))
        .annotate(in_doubt=Coalesce(Subquery(in_doubt), 0))
        .prefetch_related(Prefetch("plans", queryset=Plan.objects.order_by("-edition", "pk")))
        .order_by("name")
    )


def cluster_subscriptions(*, user: Any, cluster_id: int) -> QuerySet[Subscription]:
    return (
        subscription_list(user=user).filter(stakeholder__cluster_id=cluster_id)
        .order_by("stakeholder__name", "stakeholder_id", "scope", "scope_id")
    )


def subscription_in_cluster(*, user: Any, cluster_id: int, subscription_id: int) -> Subscription | None:
    return cluster_subscriptions(user=user, cluster_id=cluster_id).filter(pk=subscription_id).first()


def cluster_stakeholders(*, cluster_id: int) -> QuerySet[Stakeholder]:
    """Who may be subscribed: the cluster's active stakeholders (the page checked the role)."""
    return Stakeholder.objects.filter(cluster_id=cluster_id, is_active=True).order_by("name", "pk")


def subscription_targets(*, cluster: Cluster) -> dict[tuple[str, int], str]:
    """What a subscription of the cluster can be about, (scope, id) -> name: two queries."""
    targets: dict[tuple[str, int], str] = {(Subscription.Scope.CLUSTER, cluster.pk): cluster.name}
    for pk, title in Plan.objects.filter(cluster=cluster).order_by("-edition", "pk").values_list("pk", "title"):
        targets[(Subscription.Scope.PLAN, pk)] = title
    projects = Project.objects.filter(plan__cluster=cluster).order_by("code", "pk").values_list("pk", "code", "title")
    for pk, code, title in projects:
        targets[(Subscription.Scope.PROJECT, pk)] = f"{code} {title}"
    return targets


def reminder_policy_of(*, plan_id: int) -> ReminderPolicy | None:
    """The plan's own policy, or None when it uses the defaults (the page checked the plan)."""
    return ReminderPolicy.objects.filter(plan_id=plan_id).first()


# --- The stakeholder's own pages (/me/, /me/preferences/) --------------------------------

HOME_MILESTONE_LIMIT = 20
HOME_UPDATES_LIMIT = 8


def own_stakeholders(*, user: Any, link_stakeholder: Stakeholder | None = None) -> list[Stakeholder]:
    """Whom a person is on their own pages: the stakeholder whose personal link opened the
    session, else the user's stakeholder records in clusters where they hold a role."""
    if link_stakeholder is not None:
        return [link_stakeholder]
    if not getattr(user, "is_authenticated", False):
        return []
    clusters = access_for(user).cluster_ids(READ_ROLES)
    qs = Stakeholder.objects.filter(user=user, is_active=True).select_related("cluster")
    if clusters is not None:
        qs = qs.filter(cluster_id__in=clusters)
    return list(qs.order_by("cluster__name", "pk"))


def profile_of(stakeholder: Stakeholder) -> NotificationProfile | None:
    return NotificationProfile.objects.filter(stakeholder=stakeholder).first()


def own_subscriptions(stakeholder: Stakeholder) -> dict[tuple[str, int], Subscription]:
    return {(s.scope, s.scope_id): s for s in Subscription.objects.filter(stakeholder=stakeholder).order_by("pk")}


def preference_targets(
    stakeholder: Stakeholder, *, own: dict[tuple[str, int], Subscription], extra_project: int | None = None
) -> dict[str, Any]:
    """What the preferences page offers a choice for: the cluster, its plans (newest first), the
    projects with a subscription of their own or a milestone the person answers for (and the one
    asked for), and the other projects to pick from. Three queries."""
    plans = list(Plan.objects.filter(cluster_id=stakeholder.cluster_id).order_by("-edition", "-pk"))
    projects = list(
        Project.objects.filter(plan__cluster_id=stakeholder.cluster_id).values("pk", "code", "title", "plan_id")
        .order_by("code", "pk")
    )
    responsible = set(
        Milestone.objects.filter(responsible=stakeholder).values_list("project_id", flat=True).distinct()
    )
    shown = {pk for scope, pk in own if scope == Subscription.Scope.PROJECT} | responsible
    if extra_project is not None:
        shown.add(extra_project)
    return {
        "plans": plans,
        "projects": [p for p in projects if p["pk"] in shown],
        "other_projects": [p for p in projects if p["pk"] not in shown],
    }


def stakeholder_home(stakeholder: Stakeholder, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The person's home: their cluster's current plan in brief (active phase, progress, next
    forum), their organization's open agreements (answered or not), the milestones they answer
    for and the plan's recent changes. Six queries whatever the size of the plan."""
    from plans.selectors import current_plan

    now = now or timezone.now()
    plan = current_plan(list(Plan.objects.filter(cluster_id=stakeholder.cluster_id).order_by("-edition", "-pk")))
    phase = forum = None
    history: list[dict[str, Any]] = []
    if plan is not None:
        phase = Phase.objects.filter(plan=plan, status=Phase.Status.ACTIVE).order_by("order").first()
        forum = (
            Forum.objects.filter(plan=plan, status=Forum.Status.SCHEDULED, starts_at__gte=now)
            .order_by("starts_at", "pk").first()
        )
        history = list(
            HistoryEvent.objects.filter(plan_id=plan.pk).values(*HISTORY_FIELDS).order_by("-id")[:HOME_UPDATES_LIMIT]
        )
    agreements: list[Agreement] = []
    if stakeholder.organization_id is not None:
        taken = Position.objects.filter(agreement=OuterRef("pk"), organization_id=stakeholder.organization_id)
        agreements = list(
            Agreement.objects.filter(plan__cluster_id=stakeholder.cluster_id, status=Agreement.Status.OPEN)
            .annotate(own_position=Subquery(taken.values("position")[:1]))
            .select_related("plan").order_by("pk")
        )
    on = timezone.localdate(now)
    milestones = list(
        Milestone.objects.filter(responsible=stakeholder).exclude(status=Milestone.Status.CANCELLED)
        .select_related("project")
        .order_by(Case(When(status__in=Milestone.OPEN_STATUSES, then=Value(0)), default=Value(1)), "due_date", "pk")
        [:HOME_MILESTONE_LIMIT]
    )
    for milestone in milestones:
        milestone.overdue = milestone.status in Milestone.OPEN_STATUSES and milestone.due_date < on  # type: ignore[attr-defined]
    return {"plan": plan, "phase": phase, "forum": forum, "agreements": agreements, "milestones": milestones,
            "history": history}


HISTORY_FIELDS = (
    "id", "occurred_at", "actor", "actor_label", "source", "action", "object_type", "object_id",
    "object_repr", "changes", "reason",
)
