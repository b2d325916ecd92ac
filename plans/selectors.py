"""Reads of the plans app, scoped to what the user may see (rules from `plans.access`).

Each list selector returns a queryset with the joins and prefetches its serializer needs,
so a page costs the same number of queries whatever its size. Detail routes use the same
querysets: an object outside the user's clusters is simply not found (404).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet

from plans.access import OVERSIGHT_ROLES, access_for
from plans.models import (
    Agreement,
    Cluster,
    Forum,
    ForumAttendance,
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

# Who sees every stakeholder / role assignment of a cluster; other readers see only their own.


def user_list() -> QuerySet[Any]:
    """Programme administrators only (the view enforces it)."""
    return get_user_model()._default_manager.order_by("id")


def cluster_list(*, user: Any) -> QuerySet[Cluster]:
    return (
        Cluster.objects.filter(access_for(user).scope(Cluster))
        .prefetch_related(Prefetch("key_figures", queryset=KeyFigure.objects.order_by("name")))
    )


def organization_list(*, user: Any) -> QuerySet[Organization]:
    return Organization.objects.filter(access_for(user).scope(Organization))


def _own_or_overseen(user: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
    access = access_for(user)
    if access.cluster_ids(OVERSIGHT_ROLES) is None:
        return queryset
    own = Q(user_id=user.pk) & access.scope(queryset.model) if user.is_authenticated else Q(pk__in=[])
    return queryset.filter(access.scope(queryset.model, OVERSIGHT_ROLES) | own)


def stakeholder_list(*, user: Any) -> QuerySet[Stakeholder]:
    """Coordinators and auditors see their clusters' stakeholders; a stakeholder sees themself."""
    return _own_or_overseen(user, Stakeholder.objects.select_related("organization"))


def role_assignment_list(*, user: Any) -> QuerySet[RoleAssignment]:
    """Coordinators and auditors see their clusters' assignments; others their own."""
    queryset = RoleAssignment.objects.select_related("user")
    access = access_for(user)
    if access.cluster_ids(OVERSIGHT_ROLES) is None:
        return queryset
    own = Q(user_id=user.pk) if user.is_authenticated else Q(pk__in=[])
    return queryset.filter(access.scope(queryset.model, OVERSIGHT_ROLES) | own)


def plan_list(*, user: Any) -> QuerySet[Plan]:
    active = Prefetch(
        "phases", queryset=Phase.objects.filter(status=Phase.Status.ACTIVE), to_attr="active_phases"
    )
    return Plan.objects.filter(access_for(user).scope(Plan)).select_related("cluster").prefetch_related(active)


def strategic_line_list(*, user: Any) -> QuerySet[StrategicLine]:
    return StrategicLine.objects.filter(access_for(user).scope(StrategicLine)).select_related("plan")


def phase_list(*, user: Any) -> QuerySet[Phase]:
    return Phase.objects.filter(access_for(user).scope(Phase)).select_related("plan")


def forum_list(*, user: Any) -> QuerySet[Forum]:
    return Forum.objects.filter(access_for(user).scope(Forum)).select_related("plan__cluster", "phase")


def attendance_list(*, forum: Forum) -> QuerySet[ForumAttendance]:
    """The forum was loaded through `forum_list`, so it is already in scope."""
    return ForumAttendance.objects.filter(forum=forum).select_related("organization", "stakeholder")


def agreement_list(*, user: Any) -> QuerySet[Agreement]:
    return Agreement.objects.filter(access_for(user).scope(Agreement)).select_related("plan")


def position_list(*, agreement: Agreement) -> QuerySet[Position]:
    return Position.objects.filter(agreement=agreement).select_related("organization", "recorded_by")


def roles_by_cluster(*, user: Any) -> list[dict[str, Any]]:
    """`me`: the user's roles per cluster (cluster None = every cluster)."""
    rows = (
        RoleAssignment.objects.filter(user_id=user.pk)
        .select_related("cluster").order_by("cluster__name", "role")
    )
    grouped: dict[int | None, dict[str, Any]] = {}
    for row in rows:
        entry = grouped.setdefault(
            row.cluster_id,
            {"cluster": row.cluster_id, "cluster_name": row.cluster.name if row.cluster else None, "roles": []},
        )
        entry["roles"].append(row.role)
    return list(grouped.values())


# --- Front door (web pages) -------------------------------------------------------------


def username_for_login(identifier: str) -> str | None:
    """The username of the one active account with this email (login by email), else None."""
    if "@" not in identifier:
        return None
    matches = list(
        get_user_model()._default_manager.filter(email__iexact=identifier.strip(), is_active=True)
        .values_list("username", flat=True)[:2]
    )
    return matches[0] if len(matches) == 1 else None


def home_clusters(*, user: Any) -> list[dict[str, Any]]:
    """The clusters a user holds a role in, each with the user's roles and its plans (newest
    edition first), for the home page. Three queries whatever the number of clusters."""
    access = access_for(user)
    plans = Prefetch("plans", queryset=Plan.objects.order_by("-edition", "-id"), to_attr="plans_newest_first")
    clusters = Cluster.objects.filter(access.scope_q("")).prefetch_related(plans).order_by("name", "id")
    return [
        {
            "cluster": cluster,
            "roles": sorted(access.roles_in(cluster.pk)),
            "plans": cluster.plans_newest_first,  # type: ignore[attr-defined]
            "current_plan": current_plan(cluster.plans_newest_first),  # type: ignore[attr-defined]
        }
        for cluster in clusters
    ]


def is_only_stakeholder(*, user: Any) -> bool:
    """A person whose every role is `stakeholder` and who has a stakeholder record in one of
    those clusters: /home/ sends them to their own home (notifications' `me`, same rule)."""
    access = access_for(user)
    if access.is_admin or access.global_roles:
        return False
    held = {cid: roles for cid, roles in access.by_cluster.items() if roles}
    if not held or any(roles != {Role.STAKEHOLDER} for roles in held.values()):
        return False
    return Stakeholder.objects.filter(user_id=user.pk, is_active=True, cluster_id__in=list(held)).exists()


def current_plan(plans_newest_first: list[Plan]) -> Plan | None:
    """The plan a cluster works on now: the newest open edition, else the newest one."""
    for plan in plans_newest_first:
        if plan.status in Plan.OPEN_STATUSES:
            return plan
    return plans_newest_first[0] if plans_newest_first else None


def active_stakeholder_ids(*, email: str | None = None, pk: int | None = None) -> list[int]:
    """Who a fresh personal link goes to: the active stakeholders with that address (in any
    cluster), or the one named by an expired link."""
    rows = Stakeholder.objects.filter(is_active=True)
    if email is not None:
        rows = rows.filter(email__iexact=email)
    elif pk is not None:
        rows = rows.filter(pk=pk)
    else:
        return []
    return list(rows.values_list("pk", flat=True))
