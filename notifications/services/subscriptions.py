"""Subscriptions, reminder policies and the public-link actions (unsubscribe, new calendar link)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.kinds import SUBSCRIBABLE_KINDS
from notifications.models import Frequency, NotificationProfile, ReminderPolicy, Subscription, new_token
from plans.access import access_for
from plans.errors import Conflict, PermissionDeniedError, ValidationFailed
from plans.models import Plan, Role, Source, Stakeholder
from plans.services.history import (
    Actor,
    create_with_history,
    delete_with_history,
    lock,
    record_event,
    update_with_history,
)
from projects.models import Project

from .recipients import ensure_profiles

SUBSCRIPTION_FIELDS = frozenset({"scope", "scope_id", "events", "frequency", "is_active"})
POLICY_FIELDS = frozenset({
    "due_soon_days", "overdue_every_days", "escalate_after_days", "forum_reminder_days", "agreement_after_days",
    "agreement_before_days",
})
# The actions of the events a person's notification choices write on their stakeholder row.
UNSUBSCRIBE = "unsubscribe"
RESUBSCRIBE = "resubscribe"
ROTATE_CALENDAR_TOKEN = "rotate_calendar_token"  # noqa: S105 - an action name, not a secret


def _check_may_manage(actor: Actor, stakeholder: Stakeholder) -> None:
    """A stakeholder manages their own subscriptions; coordinators (and admins) their cluster's."""
    access = access_for(actor.user)
    if access.is_admin or Role.COORDINATOR in access.roles_in(stakeholder.cluster_id):
        return
    if actor.user_id is not None and stakeholder.user_id == actor.user_id:
        return
    raise PermissionDeniedError(_("You may only manage your own subscriptions."))


def _check_scope(stakeholder: Stakeholder, scope: str, scope_id: int) -> None:
    cluster_of: dict[str, Callable[[], int | None]] = {
        Subscription.Scope.CLUSTER: lambda: scope_id,
        Subscription.Scope.PLAN: lambda: Plan.objects.filter(pk=scope_id).values_list("cluster_id", flat=True).first(),
        Subscription.Scope.PROJECT: lambda: (
            Project.objects.filter(pk=scope_id).values_list("plan__cluster_id", flat=True).first()
        ),
    }
    if scope not in cluster_of:
        raise ValidationFailed(errors={"scope": [_("Choose cluster, plan or project.")]})
    if cluster_of[scope]() != stakeholder.cluster_id:
        raise ValidationFailed(
            errors={"scope_id": [_("No such %(scope)s in the stakeholder's cluster.") % {"scope": scope}]}
        )


def _check_events(events: Any) -> list[str]:
    if not isinstance(events, list) or any(e not in SUBSCRIBABLE_KINDS for e in events):
        raise ValidationFailed(
            errors={"events": [_("Choose among: %(kinds)s.") % {"kinds": ", ".join(sorted(SUBSCRIBABLE_KINDS))}]}
        )
    return sorted(set(events))


@transaction.atomic
def subscription_create(
    *,
    stakeholder_id: int,
    actor: Actor,
    scope: str,
    scope_id: int,
    events: list[str] | None = None,
    frequency: str = Frequency.IMMEDIATE,
) -> Subscription:
    stakeholder = lock(Stakeholder, stakeholder_id)
    _check_may_manage(actor, stakeholder)
    _check_scope(stakeholder, scope, scope_id)
    ensure_profiles(stakeholder_ids=[stakeholder.pk], actor=actor)
    if Subscription.objects.filter(stakeholder=stakeholder, scope=scope, scope_id=scope_id).exists():
        raise Conflict(
            _("The stakeholder already has a subscription for this %(scope)s; edit it instead."), scope=scope
        )
    chosen = _check_events(events if events is not None else sorted(SUBSCRIBABLE_KINDS))
    return create_with_history(
        Subscription(stakeholder=stakeholder, scope=scope, scope_id=scope_id, events=chosen, frequency=frequency),
        actor=actor,
    )


@transaction.atomic
def subscription_update(
    *, subscription_id: int, actor: Actor, values: dict[str, Any], expected_version: int | None = None
) -> Subscription:
    subscription = lock(Subscription, subscription_id)
    _check_may_manage(actor, subscription.stakeholder)
    values = {k: v for k, v in values.items() if k in SUBSCRIPTION_FIELDS}
    if "events" in values:
        values["events"] = _check_events(values["events"])
    if "scope" in values or "scope_id" in values:
        _check_scope(
            subscription.stakeholder,
            values.get("scope", subscription.scope),
            values.get("scope_id", subscription.scope_id),
        )
    update_with_history(subscription, actor=actor, values=values, expected_version=expected_version)
    return subscription


@transaction.atomic
def subscription_delete(*, subscription_id: int, actor: Actor) -> None:
    subscription = lock(Subscription, subscription_id)
    _check_may_manage(actor, subscription.stakeholder)
    delete_with_history(subscription, actor=actor)


@transaction.atomic
def reminder_policy_set(
    *, plan_id: int, actor: Actor, values: dict[str, Any], expected_version: int | None = None
) -> ReminderPolicy:
    """Create the plan's policy on first use (with the defaults), then apply `values`."""
    plan = lock(Plan, plan_id)
    values = {k: v for k, v in values.items() if k in POLICY_FIELDS}
    if "due_soon_days" in values:
        days = values["due_soon_days"]
        if not isinstance(days, list) or not all(isinstance(d, int) and 0 <= d <= 365 for d in days):
            raise ValidationFailed(errors={"due_soon_days": [_("A list of whole days between 0 and 365.")]})
        values["due_soon_days"] = sorted(set(days), reverse=True)
    policy = ReminderPolicy.objects.select_for_update().filter(plan=plan).first()
    if policy is None:
        return create_with_history(ReminderPolicy(plan=plan, **values), actor=actor)
    update_with_history(policy, actor=actor, values=values, expected_version=expected_version)
    return policy


def _profile_event(profile: NotificationProfile, *, actor: Actor, action: str, changes: dict[str, Any]) -> None:
    """One event on the stakeholder for a change of their notification profile (never a token)."""
    record_event(actor=actor, action=action, instance=profile.stakeholder, changes=changes)


def token_actor(profile: NotificationProfile) -> Actor:
    """Who acts through a secret link of an email: the stakeholder (their user when they have one)."""
    return Actor(user=profile.stakeholder.user, source=Source.EMAIL)


@transaction.atomic
def unsubscribe(*, token: str) -> NotificationProfile | None:
    """The one-click unsubscribe: stop every email to the stakeholder (escalations to a coordinator excepted).

    One `unsubscribe` event on the stakeholder; none when they had already unsubscribed.
    """
    profile = (
        NotificationProfile.objects.select_for_update(of=("self",)).select_related("stakeholder__user")
        .filter(unsubscribe_token=token).first()
    )
    if profile is not None and profile.unsubscribed_at is None:
        profile.unsubscribed_at = timezone.now()
        profile.save(update_fields=["unsubscribed_at"])
        _profile_event(profile, actor=token_actor(profile), action=UNSUBSCRIBE, changes={"unsubscribed": [False, True]})
    return profile


def _resubscribe(profile: NotificationProfile, actor: Actor) -> NotificationProfile:
    if profile.unsubscribed_at is not None:
        profile.unsubscribed_at = None
        profile.save(update_fields=["unsubscribed_at"])
        _profile_event(profile, actor=actor, action=RESUBSCRIBE, changes={"unsubscribed": [True, False]})
    return profile


@transaction.atomic
def resubscribe(*, stakeholder_id: int, actor: Actor) -> NotificationProfile:
    """Undo an unsubscribe: the subscriptions the person had apply again, as they were.

    One `resubscribe` event; none when the person was not unsubscribed.
    """
    stakeholder = lock(Stakeholder, stakeholder_id)
    _check_may_manage(actor, stakeholder)
    ensure_profiles(stakeholder_ids=[stakeholder.pk], actor=actor)
    profile = NotificationProfile.objects.select_for_update().select_related("stakeholder").get(
        stakeholder=stakeholder)
    return _resubscribe(profile, actor)


@transaction.atomic
def resubscribe_by_token(*, token: str) -> NotificationProfile | None:
    """"Resubscribe" on the page shown after unsubscribing, proven by the same secret token."""
    profile = (
        NotificationProfile.objects.select_for_update(of=("self",)).select_related("stakeholder__user")
        .filter(unsubscribe_token=token).first()
    )
    return _resubscribe(profile, token_actor(profile)) if profile is not None else None


@transaction.atomic
def calendar_token_rotate(*, stakeholder_id: int, actor: Actor) -> NotificationProfile:
    """Revoke the old calendar link by issuing a new secret; one event (without either secret)."""
    stakeholder = lock(Stakeholder, stakeholder_id)
    _check_may_manage(actor, stakeholder)
    ensure_profiles(stakeholder_ids=[stakeholder.pk], actor=actor)
    profile = NotificationProfile.objects.select_for_update().select_related("stakeholder").get(
        stakeholder=stakeholder)
    profile.calendar_token = new_token()
    profile.save(update_fields=["calendar_token"])
    _profile_event(profile, actor=actor, action=ROTATE_CALENDAR_TOKEN, changes={})
    return profile
