"""Participatory forums, their attendance and the replies to their invitations (RSVP).

`sequence` is the iCalendar SEQUENCE: it rises whenever invitees' calendars must update (a
new time, a new place, a cancellation), so the invitations sent after commit replace the
earlier ones instead of adding a second entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans.access import access_for
from plans.errors import PermissionDeniedError, RuleViolation, ValidationFailed
from plans.models import Agreement, Forum, ForumAttendance, ForumResponse, Organization, Phase, Plan, Stakeholder
from plans.permissions import FORUM, may

from .common import ensure_aware, ensure_member, ensure_plan_open, only_fields, related
from .history import (
    Actor,
    check_version,
    create_with_history,
    delete_with_history,
    ensure_transition_allowed,
    lock,
    transition,
    update_with_history,
)

FORUM_FIELDS = frozenset({"title", "starts_at", "ends_at", "venue", "address", "organizer", "agenda"})
TIME_FIELDS = frozenset({"starts_at", "ends_at"})
# Changes that invitees' calendars must pick up.
CALENDAR_FIELDS = TIME_FIELDS | {"venue", "address", "title"}


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime | None) -> None:
    ensure_aware(starts_at, "starts_at")
    ensure_aware(ends_at, "ends_at")
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationFailed(
            _("The forum must end after it starts."), errors={"ends_at": [_("Not after the start.")]}
        )


def _lock_forum(forum_id: int, *, plan_open: bool = True) -> tuple[Forum, Plan]:
    plan_id = Forum.objects.values_list("plan_id", flat=True).get(pk=forum_id)
    plan = lock(Plan, plan_id)
    if plan_open:
        ensure_plan_open(plan)
    return lock(Forum, forum_id), plan


@transaction.atomic
def forum_schedule(
    *, phase_id: int, actor: Actor, title: str, starts_at: dt.datetime, ends_at: dt.datetime | None = None,
    venue: str = "", address: str = "", organizer: str = "", agenda: str = "",
) -> Forum:
    """Schedule a forum in a phase that is not finished yet."""
    plan_id = Phase.objects.values_list("plan_id", flat=True).get(pk=phase_id)
    plan = lock(Plan, plan_id)
    ensure_plan_open(plan)
    phase = Phase.objects.get(pk=phase_id)
    if phase.status in (Phase.Status.COMPLETED, Phase.Status.SKIPPED):
        raise RuleViolation(_("The phase “%(phase)s” is finished; schedule the forum in another phase."),
                            phase=phase.title)
    _check_times(starts_at, ends_at)
    forum = Forum(
        plan=plan, phase=phase, title=title, starts_at=starts_at, ends_at=ends_at, venue=venue, address=address,
        organizer=organizer, agenda=agenda,
    )
    return create_with_history(forum, actor=actor)


@transaction.atomic
def forum_update(
    *, forum_id: int, actor: Actor, values: dict[str, Any], expected_version: int | None = None
) -> Forum:
    """Edit a scheduled forum. A new time is a reschedule (action "reschedule").

    Any change invitees' calendars must show (time, place, title) raises `sequence`.
    """
    forum, _plan = _lock_forum(forum_id)
    check_version(forum, expected_version)
    values = only_fields(values, FORUM_FIELDS)
    if forum.status != Forum.Status.SCHEDULED:
        raise RuleViolation(_("Only a scheduled forum can be edited; this one is %(status)s."),
                            status=forum.get_status_display())
    changed = {k for k, v in values.items() if getattr(forum, k) != v}
    if changed & TIME_FIELDS:
        _check_times(values.get("starts_at", forum.starts_at), values.get("ends_at", forum.ends_at))
    if changed & CALENDAR_FIELDS:
        values["sequence"] = forum.sequence + 1
    action = "reschedule" if changed & TIME_FIELDS else "update"
    update_with_history(forum, actor=actor, values=values, action=action, expected_version=expected_version)
    return forum


@transaction.atomic
def forum_hold(*, forum_id: int, minutes: str, actor: Actor, expected_version: int | None = None) -> Forum:
    """Record that the forum took place, with its minutes (acta)."""
    forum, _plan = _lock_forum(forum_id)
    check_version(forum, expected_version)
    ensure_transition_allowed(forum, Forum.Status.HELD)
    if not (minutes or "").strip():
        raise ValidationFailed(_("The minutes of the forum are required."), errors={"minutes": [_("Required.")]})
    if forum.status == Forum.Status.SCHEDULED and forum.starts_at > timezone.now():
        raise RuleViolation(_("A forum cannot be recorded as held before it starts."))
    transition(forum, to=Forum.Status.HELD, actor=actor, extra={"minutes": minutes.strip()},
               expected_version=expected_version)
    return forum


@transaction.atomic
def forum_cancel(*, forum_id: int, actor: Actor, reason: str = "", expected_version: int | None = None) -> Forum:
    """Cancel a scheduled forum; allowed even once the plan is closed or cancelled, so invitees hear."""
    forum, _plan = _lock_forum(forum_id, plan_open=False)
    transition(forum, to=Forum.Status.CANCELLED, actor=actor, reason=reason,
               extra={"sequence": forum.sequence + 1}, expected_version=expected_version)
    return forum


@transaction.atomic
def attendance_add(
    *, forum_id: int, actor: Actor, organization_id: int | None = None, stakeholder_id: int | None = None
) -> ForumAttendance:
    """Record one organization or one person present (or registered) at a forum."""
    forum, plan = _lock_forum(forum_id)
    if (organization_id is None) == (stakeholder_id is None):
        raise ValidationFailed(
            _("Give either an organization or a person, not both."),
            errors={"organization": [_("Give exactly one.")], "stakeholder": [_("Give exactly one.")]},
        )
    if forum.status == Forum.Status.CANCELLED:
        raise RuleViolation(_("The forum was cancelled."))
    attendance = ForumAttendance(forum=forum)
    if organization_id is not None:
        organization = related(Organization, organization_id, "organization")
        ensure_member(organization, plan.cluster_id)
        if ForumAttendance.objects.filter(forum=forum, organization=organization).exists():
            raise ValidationFailed(
                _("%(name)s is already on the attendance list."),
                errors={"organization": [_("Already attending.")]}, name=organization.name,
            )
        attendance.organization = organization
    else:
        stakeholder = related(Stakeholder, stakeholder_id, "stakeholder")
        if stakeholder.cluster_id != plan.cluster_id:
            raise ValidationFailed(
                _("%(name)s is not a stakeholder of this cluster."),
                errors={"stakeholder": [_("Not in the cluster.")]}, name=stakeholder.name,
            )
        if ForumAttendance.objects.filter(forum=forum, stakeholder=stakeholder).exists():
            raise ValidationFailed(
                _("%(name)s is already on the attendance list."),
                errors={"stakeholder": [_("Already attending.")]}, name=stakeholder.name,
            )
        attendance.stakeholder = stakeholder
    return create_with_history(attendance, actor=actor)


@transaction.atomic
def attendance_remove(*, attendance_id: int, actor: Actor) -> None:
    """Remove an attendance row, unless it is evidence of a decision the forum took."""
    forum_id = ForumAttendance.objects.values_list("forum_id", flat=True).get(pk=attendance_id)
    forum, _plan = _lock_forum(forum_id)
    if Agreement.objects.filter(
        forum=forum, rule=Agreement.Rule.FORUM_CONSENSUS, status=Agreement.Status.ADOPTED
    ).exists():
        raise RuleViolation(_("The attendance list is the evidence of an adopted agreement and cannot change."))
    delete_with_history(lock(ForumAttendance, attendance_id), actor=actor)


@transaction.atomic
def forum_rsvp(
    *, forum_id: int, answer: str, actor: Actor, stakeholder_id: int | None = None, comment: str | None = None,
) -> ForumResponse:
    """Record a stakeholder's reply (yes / no / maybe) to a scheduled forum's invitation.

    A stakeholder acting for themselves (no writing role in the cluster, e.g. a session opened
    by their personal link) answers only for their own stakeholder record there: another
    person's id, or none of their own, is refused (403). Coordinators record for any active
    stakeholder of the cluster. `comment=None` keeps the comment already given.

    One "rsvp" event per change; the same answer again writes nothing (a double click, a
    second tab), so the history shows what people actually said.
    """
    # Only the forum is locked (plan -> forum is the order elsewhere; this takes one lock):
    # replies to one forum queue behind each other and behind a cancellation.
    forum = lock(Forum, forum_id)
    plan = Plan.objects.select_related("cluster").get(pk=forum.plan_id)
    ensure_plan_open(plan)
    cluster_id = plan.cluster_id
    if actor.user is not None and not may(access_for(actor.user), FORUM, "rsvp", cluster_id):
        raise PermissionDeniedError(_("You may not reply to this forum's invitation."))
    if answer not in ForumResponse.Answer.values:
        raise ValidationFailed(_("Unknown answer."), errors={"answer": [_("Answer yes, no or maybe.")]})
    if forum.status != Forum.Status.SCHEDULED:
        raise RuleViolation(_("Replies are taken only while the forum is scheduled; this one is %(status)s."),
                            status=forum.get_status_display())
    stakeholder = _replying_stakeholder(actor, cluster_id, stakeholder_id)
    existing = ForumResponse.objects.select_for_update().filter(forum=forum, stakeholder=stakeholder).first()
    if existing is None:
        return create_with_history(
            ForumResponse(forum=forum, stakeholder=stakeholder, answer=answer, comment=(comment or "").strip()),
            actor=actor, action="rsvp",
        )
    values: dict[str, Any] = {"answer": answer}
    if comment is not None:
        values["comment"] = comment.strip()
    update_with_history(existing, actor=actor, values=values, action="rsvp")  # no change: no event
    return existing


def _replying_stakeholder(actor: Actor, cluster_id: int, stakeholder_id: int | None) -> Stakeholder:
    """Whose reply it is: one's own record for a stakeholder, any person of the cluster for a coordinator."""
    user_id = actor.user_id
    own = Stakeholder.objects.filter(user_id=user_id or 0, cluster_id=cluster_id, is_active=True).order_by("pk")
    if user_id is not None and access_for(actor.user).acts_only_for_self(cluster_id):
        found = (own.filter(pk=stakeholder_id) if stakeholder_id is not None else own).first()
        if found is None:
            raise PermissionDeniedError(_("You may reply only for yourself."))
        return found
    if stakeholder_id is None:  # a coordinator replying for themselves, if they are a stakeholder too
        own_record = own.first() if user_id is not None else None
        if own_record is None:
            raise ValidationFailed(_("Say whose reply this is."), errors={"stakeholder": [_("Required.")]})
        return own_record
    stakeholder = related(Stakeholder, stakeholder_id, "stakeholder")
    if stakeholder.cluster_id != cluster_id or not stakeholder.is_active:
        raise ValidationFailed(
            _("%(name)s is not an active stakeholder of this cluster."),
            errors={"stakeholder": [_("Not in the cluster.")]}, name=stakeholder.name,
        )
    return stakeholder
