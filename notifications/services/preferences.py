"""A person's own email preferences (the page /me/preferences/): one history event per save.

What one save may change, all recorded together in ONE `preferences` event on the stakeholder
(nothing recorded when nothing changes):

- the stakeholder's language and time zone (their own fields, old -> new);
- "pause everything" (NotificationProfile.paused_at; recorded as `emails_paused` false/true);
- per scope (the cluster, a plan, a project): how often (immediately, daily or weekly digest,
  or off) and which kinds of message. A scope with no subscription of its own follows the one
  above it (recipients.SCOPE_RANK), so a choice equal to what already applies creates nothing;
  a different one creates or changes the scope's own subscription. Each is recorded under
  `subscription:<scope>:<id>` as {events, frequency, is_active}.

Subscriptions written here carry no event of their own: the stakeholder's event is the record
of the person's one decision (the coordinators' subscription pages keep one event per row).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.kinds import IMPORTANT_KINDS
from notifications.models import Frequency, NotificationProfile, Subscription
from plans.errors import ValidationFailed
from plans.models import HistoryEvent, Stakeholder
from plans.models.cluster import Language
from plans.services.history import Actor, diff, lock, record_event, snapshot, validate
from projects.models import Project

from .recipients import SCOPE_RANK, ensure_profiles, subscription_key, subscription_state
from .subscriptions import _check_events, _check_may_manage, _check_scope

PREFERENCES = "preferences"
OFF = "off"
HOW_OFTEN = (*Frequency.values, OFF)
STAKEHOLDER_FIELDS = ("language", "time_zone")


@dataclass(frozen=True)
class ScopeChoice:
    """What the person chose for one scope: how often (or off) and which kinds."""

    scope: str
    scope_id: int
    how_often: str
    events: tuple[str, ...]


@cache
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def parent_scopes(
    scope: str, scope_id: int, *, cluster_id: int, plan_id: int | None = None
) -> list[tuple[str, int]]:
    """The scopes whose subscription applies when `scope` has none of its own, nearest first
    (a project's plan is looked up unless given)."""
    parents: list[tuple[str, int]] = []
    if scope == Subscription.Scope.PROJECT:
        if plan_id is None:
            plan_id = Project.objects.filter(pk=scope_id).values_list("plan_id", flat=True).first()
        if plan_id is not None:
            parents.append((Subscription.Scope.PLAN, plan_id))
    if scope != Subscription.Scope.CLUSTER:
        parents.append((Subscription.Scope.CLUSTER, cluster_id))
    return parents


def effective_state(
    scope: str, scope_id: int, *, cluster_id: int, own: dict[tuple[str, int], Subscription],
    plan_id: int | None = None,
) -> dict[str, Any]:
    """What applies to the scope now: its own subscription, else the nearest one above, else nothing."""
    for key in [(scope, scope_id), *parent_scopes(scope, scope_id, cluster_id=cluster_id, plan_id=plan_id)]:
        found = own.get(key)
        if found is not None:
            return subscription_state(found.events, found.frequency, found.is_active)
    return subscription_state([], Frequency.IMMEDIATE, False)


def default_subscription(stakeholder: Stakeholder) -> Subscription:
    """The subscription a stakeholder without a profile will get (recipients.ensure_profiles), unsaved."""
    return Subscription(stakeholder=stakeholder, scope=Subscription.Scope.CLUSTER, scope_id=stakeholder.cluster_id,
                        events=list(IMPORTANT_KINDS), frequency=Frequency.IMMEDIATE)


def _chosen_state(choice: ScopeChoice, current: dict[str, Any]) -> dict[str, Any]:
    if choice.how_often not in HOW_OFTEN:
        raise ValidationFailed(errors={"how_often": [_("Choose immediately, a daily or weekly digest, or off.")]})
    events = _check_events(list(choice.events))
    if choice.how_often == OFF:  # off keeps the rest as it was, so switching back on restores it
        return subscription_state(events, current["frequency"], False)
    return subscription_state(events, choice.how_often, True)


def _check_stakeholder_values(language: str | None, time_zone: str | None) -> dict[str, str]:
    values: dict[str, str] = {}
    if language is not None:
        if language not in Language.values:
            raise ValidationFailed(errors={"language": [_("Choose Spanish or English.")]})
        values["language"] = language
    if time_zone is not None:
        if time_zone not in time_zones():
            raise ValidationFailed(errors={"time_zone": [_("Choose a time zone from the list.")]})
        values["time_zone"] = time_zone
    return values


@transaction.atomic
def preferences_save(
    *,
    stakeholder_id: int,
    actor: Actor,
    language: str | None = None,
    time_zone: str | None = None,
    paused: bool | None = None,
    scopes: Sequence[ScopeChoice] = (),
) -> HistoryEvent | None:
    """Apply the person's choices; one `preferences` event with everything that changed, or None."""
    stakeholder = lock(Stakeholder, stakeholder_id)
    _check_may_manage(actor, stakeholder)
    ensure_profiles(stakeholder_ids=[stakeholder.pk], actor=actor)
    profile = NotificationProfile.objects.select_for_update().get(stakeholder=stakeholder)
    own = {
        (s.scope, s.scope_id): s
        for s in Subscription.objects.select_for_update().filter(stakeholder=stakeholder).order_by("pk")
    }

    changes: dict[str, Any] = {}
    before = snapshot(stakeholder)
    for name, value in _check_stakeholder_values(language, time_zone).items():
        setattr(stakeholder, name, value)
    stakeholder_changes = diff(before, snapshot(stakeholder))
    changes.update(stakeholder_changes)

    if paused is not None and paused != (profile.paused_at is not None):
        profile.paused_at = timezone.now() if paused else None
        changes["emails_paused"] = [not paused, paused]

    writes: list[tuple[tuple[str, int], dict[str, Any]]] = []
    # Parents before children, so a plan chosen in the same save is what its projects follow.
    for choice in sorted(scopes, key=lambda c: -SCOPE_RANK.get(c.scope, 0)):
        _check_scope(stakeholder, choice.scope, choice.scope_id)
        key = (choice.scope, choice.scope_id)
        current = effective_state(choice.scope, choice.scope_id, cluster_id=stakeholder.cluster_id, own=own)
        chosen = _chosen_state(choice, current)
        if chosen == current:
            continue
        existing = own.get(key)
        old = subscription_state(existing.events, existing.frequency, existing.is_active) if existing else None
        changes[subscription_key(*key)] = [old, chosen]
        if existing is None:
            own[key] = Subscription(stakeholder=stakeholder, scope=choice.scope, scope_id=choice.scope_id)
        own[key].events, own[key].frequency, own[key].is_active = (
            chosen["events"], chosen["frequency"], chosen["is_active"])
        writes.append((key, chosen))

    if not changes:
        return None
    if stakeholder_changes:
        validate(stakeholder)
        stakeholder.version += 1
        stakeholder.save(update_fields=[*stakeholder_changes, "version", "updated_at"])
    if "emails_paused" in changes:
        profile.save(update_fields=["paused_at"])
    for key, _chosen in writes:
        subscription = own[key]
        if subscription.pk is None:
            validate(subscription)
            subscription.save(force_insert=True)
        else:
            subscription.version += 1
            subscription.save(update_fields=["events", "frequency", "is_active", "version", "updated_at"])
    return record_event(actor=actor, action=PREFERENCES, instance=stakeholder, changes=changes)
