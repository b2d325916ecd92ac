"""Agreements, the positions member organizations take, and closing them under their rule."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from plans import consensus
from plans.access import acts_only_for_self
from plans.errors import IllegalTransition, PermissionDeniedError, RuleViolation, ValidationFailed
from plans.forum_selectors import forum_attendance
from plans.models import Agreement, Forum, Organization, Phase, Plan, Position, Stakeholder

from .common import ensure_member, ensure_plan_open, related
from .history import Actor, check_version, clock, create_with_history, lock, transition, update_with_history


def _lock_agreement(agreement_id: int) -> tuple[Agreement, Plan]:
    plan_id = Agreement.objects.values_list("plan_id", flat=True).get(pk=agreement_id)
    plan = lock(Plan, plan_id)
    return lock(Agreement, agreement_id), plan


@transaction.atomic
def agreement_create(
    *, plan_id: int, actor: Actor, title: str, subject: str = Agreement.Subject.OTHER, text: str = "",
    rule: str = Agreement.Rule.CONSENT, quorum_percent: int = 50, forum_id: int | None = None,
    phase_id: int | None = None, closes_on: dt.date | None = None,
) -> Agreement:
    """Open an agreement of the plan. Under forum_consensus the forum is its evidence, so required.

    Without a phase, an agreement taken at a forum belongs to the forum's phase. Without a
    closing date (the day by which the member organizations are asked for their position), it
    closes settings.PMC_AGREEMENT_OPEN_DAYS after today, in the cluster's time zone.
    """
    plan = lock(Plan, plan_id)
    ensure_plan_open(plan)
    opened_on = cluster_today(plan.cluster.time_zone)
    if closes_on is None:
        closes_on = opened_on + dt.timedelta(days=settings.PMC_AGREEMENT_OPEN_DAYS)
    elif closes_on < opened_on:
        raise ValidationFailed(_("The closing date cannot be before the agreement opens."),
                               errors={"closes_on": [_("Today or later.")]})
    if not 1 <= quorum_percent <= 100:
        raise ValidationFailed(_("The quorum is a percentage between 1 and 100."),
                               errors={"quorum_percent": [_("Between 1 and 100.")]})
    forum = phase = None
    if forum_id is not None:
        forum = Forum.objects.filter(pk=forum_id, plan=plan).first()
        if forum is None:
            raise ValidationFailed(_("The forum must belong to the same plan."),
                                   errors={"forum": [_("Not a forum of this plan.")]})
    if phase_id is not None:
        phase = Phase.objects.filter(pk=phase_id, plan=plan).first()
        if phase is None:
            raise ValidationFailed(_("The phase must belong to the same plan."),
                                   errors={"phase": [_("Not a phase of this plan.")]})
    elif forum is not None:
        phase = forum.phase
    if rule == Agreement.Rule.FORUM_CONSENSUS and forum is None:
        raise ValidationFailed(_("An agreement by forum consensus needs the forum that took it."),
                               errors={"forum": [_("Required for this rule.")]})
    agreement = Agreement(
        plan=plan, phase=phase, forum=forum, title=title, text=text, subject=subject, rule=rule,
        quorum_percent=quorum_percent, closes_on=closes_on,
    )
    return create_with_history(agreement, actor=actor)


@transaction.atomic
def position_record(
    *, agreement_id: int, organization_id: int, position: str, actor: Actor, comment: str = "",
    stakeholder_id: int | None = None, member_user_id: int | None = None,
) -> Position:
    """Record a member organization's position on an open agreement.

    `member_user_id`: the position is taken by that user as a person of the organization:
    refused (403) unless they are one; they become `recorded_by`. A stakeholder acting for
    themselves (no writing role in the cluster) always records this way; coordinators record
    for any member.

    A second position of the same organization replaces the first: one "position" event with
    the old and new values, so both stay in the history.
    """
    agreement, plan = _lock_agreement(agreement_id)
    ensure_plan_open(plan)
    if agreement.status != Agreement.Status.OPEN:
        raise RuleViolation(_("Positions are taken only on open agreements; this one is %(status)s."),
                            status=agreement.get_status_display())
    if position not in Position.Value.values:
        raise ValidationFailed(_("Unknown position."), errors={"position": [_("Unknown position.")]})
    organization = related(Organization, organization_id, "organization")
    ensure_member(organization, plan.cluster_id)
    if member_user_id is None and stakeholder_id is None and acts_only_for_self(actor.user, plan.cluster_id):
        member_user_id = actor.user_id
    recorded_by = None
    if member_user_id is not None:
        recorded_by = _own_stakeholder(member_user_id, plan.cluster_id, organization)
    elif stakeholder_id is not None:
        recorded_by = related(Stakeholder, stakeholder_id, "stakeholder")
        # A person records only their own organization's position; coordinators pass no stakeholder.
        if recorded_by.cluster_id != plan.cluster_id or recorded_by.organization_id != organization.pk:
            raise ValidationFailed(
                _("%(name)s cannot record a position for %(organization)s."),
                errors={"stakeholder": [_("Not a person of that organization.")]},
                name=recorded_by.name, organization=organization.name,
            )
    existing = Position.objects.select_for_update().filter(agreement=agreement, organization=organization).first()
    if existing is None:
        return create_with_history(
            Position(agreement=agreement, organization=organization, position=position, comment=comment,
                     recorded_by=recorded_by),
            actor=actor, action="position",
        )
    update_with_history(  # the same position and comment again changes nothing: no event
        existing, actor=actor, action="position",
        values={"position": position, "comment": comment, "recorded_by": recorded_by},
    )
    return existing


def cluster_today(time_zone: str) -> dt.date:
    """Today's date where the cluster is (an agreement's dates are the cluster's days)."""
    try:
        zone = ZoneInfo(time_zone)
    except (KeyError, ValueError):
        zone = ZoneInfo(settings.TIME_ZONE)
    return clock.now().astimezone(zone).date()


def _own_stakeholder(user_id: int, cluster_id: int, organization: Organization) -> Stakeholder:
    """The user's active stakeholder record in that organization: a person records only their
    own organization's position."""
    own = Stakeholder.objects.filter(
        user_id=user_id, cluster_id=cluster_id, organization=organization, is_active=True
    ).first()
    if own is None:
        raise PermissionDeniedError(_("You may record a position only for your own organization."))
    return own


def _consent_outcome(agreement: Agreement, counts: dict[str, int]) -> consensus.Outcome:
    full_members = Organization.objects.filter(
        cluster_id=agreement.plan.cluster_id, is_active=True, membership=Organization.Membership.FULL
    )
    member_positions = agreement.positions.filter(organization__in=full_members).count()
    return consensus.consent(
        counts=counts, members=full_members.count(), member_positions=member_positions,
        quorum_percent=agreement.quorum_percent,
    )


def _forum_outcome(agreement: Agreement, counts: dict[str, int], override_reason: str) -> consensus.Outcome:
    forum = agreement.forum
    if forum is None or forum.status != Forum.Status.HELD or not forum.minutes.strip():
        raise RuleViolation(
            _("A decision by forum consensus needs the forum held and its minutes recorded first.")
        )
    organizations = forum.attendance.filter(organization__isnull=False).count()
    people = forum.attendance.filter(stakeholder__isnull=False).count()
    if organizations + people == 0:
        raise RuleViolation(_("A decision by forum consensus needs the forum's attendance list."))
    attendance = forum_attendance(forum=forum)  # the figures the agreement page shows
    if not attendance.reached and not override_reason:
        raise RuleViolation(
            _("Only %(present)s of the cluster's %(members)s full member organizations attended the forum; a "
              "decision by forum consensus needs %(needed)s (%(percent)s%%). Record the positions under the "
              "consent rule instead, or override with a reason."),
            present=attendance.members_present, members=attendance.members, needed=attendance.needed,
            percent=attendance.quorum_percent,
        )
    return consensus.forum_consensus(
        counts=counts, forum_id=forum.pk, organizations_present=organizations, people_present=people,
        attendance=attendance, override_reason=override_reason,
    )


@transaction.atomic
def agreement_close(
    *, agreement_id: int, actor: Actor, expected_version: int | None = None, attendance_override_reason: str = "",
) -> Agreement:
    """Decide an open agreement under its rule; store the outcome, the tally and when.

    `attendance_override_reason` is the coordinator's explicit, recorded decision to let a forum
    below its attendance quorum decide by forum consensus (it has no effect otherwise).
    """
    override = (attendance_override_reason or "").strip()
    agreement, plan = _lock_agreement(agreement_id)
    ensure_plan_open(plan)
    check_version(agreement, expected_version)
    if agreement.status != Agreement.Status.OPEN:
        raise IllegalTransition(_("The agreement is already %(status)s; it cannot be decided again."),
                                status=agreement.get_status_display())
    counts = consensus.count_positions(agreement.positions.values_list("position", flat=True))
    outcome = (
        _forum_outcome(agreement, counts, override) if agreement.rule == Agreement.Rule.FORUM_CONSENSUS
        else _consent_outcome(agreement, counts)
    )
    extra: dict[str, Any] = {"tally": outcome.tally, "decided_at": clock.now()}
    overridden = "attendance_override" in outcome.tally
    context: dict[str, Any] = {"rule": agreement.rule}
    if overridden:
        context["attendance_override"] = True
    transition(agreement, to=outcome.status, actor=actor, extra=extra, expected_version=expected_version,
               context=context, reason=override if overridden else "")
    return agreement
