"""Who receives a message: subscribers of a scope, coordinators of a cluster, default profiles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from notifications.kinds import IMPORTANT_KINDS
from notifications.models import Frequency, NotificationProfile, Subscription
from plans.models import Cluster, Organization, Role, RoleAssignment, Stakeholder
from plans.services.history import Actor, record_event

# The most specific subscription decides: a project's own setting replaces its plan's, a plan's
# replaces the cluster's (so "weekly for this plan" or "off for this project" means just that).
SCOPE_RANK: dict[str, int] = {Subscription.Scope.PROJECT: 0, Subscription.Scope.PLAN: 1, Subscription.Scope.CLUSTER: 2}
DEFAULT_SUBSCRIPTION_ACTION = "default_subscription"


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str
    time_zone: str
    stakeholder_id: int | None = None
    user_id: int | None = None
    frequency: str = Frequency.IMMEDIATE

    @property
    def key(self) -> str:
        return f"s{self.stakeholder_id}" if self.stakeholder_id else f"u{self.user_id}"


def subscription_key(scope: str, scope_id: int) -> str:
    """How a subscription is named in a stakeholder's history event ("subscription:plan:12")."""
    return f"subscription:{scope}:{scope_id}"


def subscription_state(events: Any, frequency: str, is_active: bool) -> dict[str, Any]:
    return {"events": sorted(events or ()), "frequency": frequency, "is_active": bool(is_active)}


@transaction.atomic
def ensure_profiles(
    *, cluster_id: int | None = None, stakeholder_ids: list[int] | None = None, actor: Actor | None = None
) -> int:
    """Give stakeholders without a profile their profile and default subscription.

    The default: the stakeholder's cluster (in practice its current plan), the important
    kinds, immediately. Each stakeholder given one gets one history event saying so (no
    secret in it). Idempotent (unique constraints + ignore_conflicts), so concurrent
    dispatchers may both call it: the profiles this call inserted are told apart by their
    fresh tokens, so only those get a subscription event.
    """
    qs = Stakeholder.objects.filter(notification_profile__isnull=True)
    if cluster_id is not None:
        qs = qs.filter(cluster_id=cluster_id)
    if stakeholder_ids is not None:
        qs = qs.filter(pk__in=stakeholder_ids)
    missing = dict(qs.values_list("pk", "cluster_id"))
    if not missing:
        return 0
    profiles = [NotificationProfile(stakeholder_id=sid) for sid in missing]
    NotificationProfile.objects.bulk_create(profiles, ignore_conflicts=True, batch_size=1000)
    tokens = [p.unsubscribe_token for p in profiles]
    created: list[int] = []
    for start in range(0, len(tokens), 1000):
        created += NotificationProfile.objects.filter(unsubscribe_token__in=tokens[start:start + 1000]).values_list(
            "stakeholder_id", flat=True)
    Subscription.objects.bulk_create(
        [
            Subscription(
                stakeholder_id=sid, scope=Subscription.Scope.CLUSTER, scope_id=missing[sid],
                events=list(IMPORTANT_KINDS), frequency=Frequency.IMMEDIATE,
            )
            for sid in created
        ],
        ignore_conflicts=True, batch_size=1000,
    )
    actor = actor or Actor.system()
    for stakeholder in Stakeholder.objects.filter(pk__in=created).only("pk", "name", "cluster_id").order_by("pk"):
        key = subscription_key(Subscription.Scope.CLUSTER, stakeholder.cluster_id)
        record_event(
            actor=actor, action=DEFAULT_SUBSCRIPTION_ACTION, instance=stakeholder,
            changes={key: [None, subscription_state(IMPORTANT_KINDS, Frequency.IMMEDIATE, True)]},
        )
    return len(created)


def subscribers(
    *, cluster_id: int, plan_id: int | None, project_id: int | None, kind: str, actor_user_id: int | None = None
) -> list[Recipient]:
    """Active, subscribed stakeholders of the scope who want `kind`; one entry each.

    A stakeholder whose own change caused the event is left out unless their profile asks
    for it; so is one who unsubscribed or paused their emails. When several of a person's
    subscriptions cover the event, the most specific one decides (project, then plan, then
    cluster): if it is switched off or does not list the kind, nothing is sent.
    """
    scope = Q(scope=Subscription.Scope.CLUSTER, scope_id=cluster_id)
    if plan_id:
        scope |= Q(scope=Subscription.Scope.PLAN, scope_id=plan_id)
    if project_id:
        scope |= Q(scope=Subscription.Scope.PROJECT, scope_id=project_id)
    rows = (
        Subscription.objects.filter(scope, stakeholder__is_active=True,
                                    stakeholder__notification_profile__unsubscribed_at__isnull=True,
                                    stakeholder__notification_profile__paused_at__isnull=True)
        .values_list(
            "stakeholder_id", "scope", "is_active", "events", "frequency", "stakeholder__email",
            "stakeholder__language", "stakeholder__time_zone", "stakeholder__user_id",
            "stakeholder__notification_profile__notify_own_changes",
        )
    )
    deciding: dict[int, tuple[Any, ...]] = {}
    for row in rows:
        current = deciding.get(row[0])
        if current is None or SCOPE_RANK[row[1]] < SCOPE_RANK[current[1]]:
            deciding[row[0]] = row
    chosen: list[Recipient] = []
    for sid, _scope, is_active, events, frequency, email, language, tz, user_id, notify_own in deciding.values():
        if not is_active or kind not in (events or ()) or not email:
            continue
        if actor_user_id is not None and user_id == actor_user_id and not notify_own:
            continue
        chosen.append(Recipient(email=email, language=language, time_zone=tz, stakeholder_id=sid,
                                user_id=user_id, frequency=frequency))
    return chosen


@dataclass(frozen=True)
class MemberPerson:
    recipient: Recipient
    organization_id: int


def member_people(*, cluster_id: int, exclude_organizations: frozenset[int] = frozenset()) -> list[MemberPerson]:
    """The active people (with an email, not unsubscribed) of the cluster's active full member
    organizations, but those of `exclude_organizations`: who is asked for an organization's
    position on an agreement, whatever their subscriptions (one query)."""
    rows = (
        Stakeholder.objects.filter(
            cluster_id=cluster_id, is_active=True, organization__is_active=True,
            organization__membership=Organization.Membership.FULL,
        )
        .exclude(email="")
        .exclude(notification_profile__unsubscribed_at__isnull=False)
        .exclude(organization_id__in=exclude_organizations)
        .order_by("organization_id", "pk")
        .values_list("pk", "organization_id", "email", "language", "time_zone", "user_id")
    )
    return [
        MemberPerson(Recipient(email=email, language=language, time_zone=tz, stakeholder_id=sid, user_id=user_id),
                     organization_id=org_id)
        for sid, org_id, email, language, tz, user_id in rows
    ]


def coordinators(cluster_id: int) -> list[Recipient]:
    """The cluster's coordinators, reached through their stakeholder row when they have one."""
    cluster_tz = Cluster.objects.filter(pk=cluster_id).values_list("time_zone", flat=True).first() or settings.TIME_ZONE
    user_ids = list(
        RoleAssignment.objects.filter(cluster_id=cluster_id, role=Role.COORDINATOR).values_list("user_id", flat=True)
    )
    people = {
        s.user_id: s for s in Stakeholder.objects.filter(cluster_id=cluster_id, user_id__in=user_ids, is_active=True)
    }
    result = []
    for user in get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk"):
        person = people.get(user.pk)
        email = (person.email if person else "") or user.email
        if not email:
            continue
        result.append(Recipient(
            email=email, language=person.language if person else settings.LANGUAGE_CODE,
            time_zone=person.time_zone if person else cluster_tz,
            stakeholder_id=person.pk if person else None, user_id=user.pk,
        ))
    return result
