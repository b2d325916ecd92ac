"""Reads for the forum, agreement and phase pages of one plan (plans/web).

Kept beside `plans.selectors` (whose scoped querysets they start from) so the pages' reads
have their own module. The pages load the plan, forum or agreement in scope first, then ask
these for its rows: each is a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from plans import consensus
from plans.models import Agreement, Forum, ForumAttendance, Organization, Phase, Position, Stakeholder
from plans.phase_rules import subjects_closing
from plans.selectors import agreement_list, forum_list, phase_list, position_list


def forums_of_plan(*, user: Any, plan_id: int) -> QuerySet[Forum]:
    """The plan's forums with their attendance counts, soonest first."""
    return (
        forum_list(user=user).filter(plan_id=plan_id)
        .annotate(
            organizations_present=Count("attendance", filter=Q(attendance__organization__isnull=False)),
            people_present=Count("attendance", filter=Q(attendance__stakeholder__isnull=False)),
        )
        .order_by("starts_at", "id")
    )


def agreements_of_plan(*, user: Any, plan_id: int, forum_id: int | None = None) -> QuerySet[Agreement]:
    """The plan's agreements (or one forum's), with how many positions each has so far."""
    queryset = agreement_list(user=user).filter(plan_id=plan_id)
    if forum_id is not None:
        queryset = queryset.filter(forum_id=forum_id)
    return (
        queryset.select_related("forum", "phase")
        .annotate(position_count=Count("positions"))
        .order_by("-id")
    )


def phases_of_plan(*, user: Any, plan_id: int) -> QuerySet[Phase]:
    return phase_list(user=user).filter(plan_id=plan_id).select_related("outcome_agreement").order_by("order")


def open_phases_of_plan(*, plan_id: int) -> QuerySet[Phase]:
    """Phases a forum may still be scheduled in (the plan was loaded in scope)."""
    return Phase.objects.filter(plan_id=plan_id).exclude(
        status__in=(Phase.Status.COMPLETED, Phase.Status.SKIPPED)
    ).order_by("order")


def member_organizations(*, cluster_id: int) -> QuerySet[Organization]:
    """The cluster's active member organizations (full and adherent), by name."""
    return Organization.objects.filter(cluster_id=cluster_id, is_active=True).order_by("name")


def non_responding_members(*, agreement: Agreement) -> QuerySet[Organization]:
    """The cluster's active full members that have not taken a position on the agreement yet:
    the organizations reminded to answer (the consent rule counts full members)."""
    return Organization.objects.filter(
        cluster_id=agreement.plan.cluster_id, is_active=True, membership=Organization.Membership.FULL,
    ).exclude(positions__agreement=agreement).order_by("name")


def own_organizations(*, user: Any, cluster_id: int) -> QuerySet[Organization]:
    """The active member organizations the user is an active person of in that cluster (the
    ones a stakeholder may record a position for; the service checks the same)."""
    return member_organizations(cluster_id=cluster_id).filter(
        stakeholders__user=user, stakeholders__cluster_id=cluster_id, stakeholders__is_active=True,
    ).distinct()


def forum_attendance(*, forum: Forum) -> consensus.ForumAttendance:
    """How many of the cluster's active full member organizations attended the forum, against
    the plan's attendance quorum: the figures a decision by forum consensus is checked on."""
    full_members = Organization.objects.filter(
        cluster_id=forum.plan.cluster_id, is_active=True, membership=Organization.Membership.FULL
    )
    return consensus.ForumAttendance(
        members=full_members.count(),
        members_present=forum.attendance.filter(organization__in=full_members).count(),
        quorum_percent=forum.plan.forum_quorum_percent,
    )


def adopted_agreements_for_phase(*, phase: Phase) -> QuerySet[Agreement]:
    """Agreements that may close the phase: adopted, of its plan, of no phase or of this one, with a
    subject that fits the phase (plans/phase_rules.py)."""
    return Agreement.objects.filter(
        Q(phase__isnull=True) | Q(phase_id=phase.pk), plan_id=phase.plan_id, status=Agreement.Status.ADOPTED,
        subject__in=subjects_closing(phase.kind),
    ).order_by("-decided_at", "-id")


@dataclass
class CheckInPerson:
    stakeholder: Stakeholder
    attendance_id: int | None


@dataclass
class CheckInOrganization:
    organization: Organization
    attendance_id: int | None
    people: list[CheckInPerson]


@dataclass
class CheckInList:
    organizations: list[CheckInOrganization]
    unaffiliated: list[CheckInPerson]  # people of the cluster with no member organization
    organizations_present: int
    people_present: int


def checkin_list(*, forum: Forum, query: str = "") -> CheckInList:
    """The cluster's active member organizations and people, marked present or not.

    `query` keeps organizations whose name or locality matches, or one of whose people's name
    matches (then the organization shows with all its people). Four queries at any size.
    """
    cluster_id = forum.plan.cluster_id
    query = query.strip()
    people = Stakeholder.objects.filter(is_active=True).order_by("name")
    organizations = Organization.objects.filter(cluster_id=cluster_id, is_active=True)
    unaffiliated = people.filter(cluster_id=cluster_id, organization__isnull=True)
    if query:
        organizations = organizations.filter(
            Q(name__icontains=query) | Q(locality__icontains=query)
            | Q(pk__in=people.filter(cluster_id=cluster_id, name__icontains=query).values("organization_id"))
        )
        unaffiliated = unaffiliated.filter(Q(name__icontains=query) | Q(email__icontains=query))
    organizations = organizations.order_by("name").prefetch_related(
        Prefetch("stakeholders", queryset=people.filter(cluster_id=cluster_id), to_attr="active_people")
    )
    by_org: dict[int, int] = {}
    by_person: dict[int, int] = {}
    for pk, organization_id, stakeholder_id in ForumAttendance.objects.filter(forum=forum).values_list(
        "pk", "organization_id", "stakeholder_id"
    ):
        if organization_id is not None:
            by_org[organization_id] = pk
        else:
            by_person[stakeholder_id] = pk

    def person(row: Stakeholder) -> CheckInPerson:
        return CheckInPerson(stakeholder=row, attendance_id=by_person.get(row.pk))

    return CheckInList(
        organizations=[
            CheckInOrganization(
                organization=org, attendance_id=by_org.get(org.pk),
                people=[person(p) for p in org.active_people],  # type: ignore[attr-defined]
            )
            for org in organizations
        ],
        unaffiliated=[person(p) for p in unaffiliated],
        organizations_present=len(by_org),
        people_present=len(by_person),
    )


@dataclass
class TallyRow:
    value: str
    label: str
    count: int
    organizations: list[Organization]


@dataclass
class Tally:
    """An agreement's positions, readable: per value, the count and the organizations.

    Open agreements count the positions so far and, under the consent rule, what closing now
    would decide (the rule from `plans.consensus`); decided ones show the stored tally.
    """

    rows: list[TallyRow]
    stored: bool
    details: dict[str, Any]
    outcome_if_closed: str | None


def agreement_tally(*, agreement: Agreement) -> Tally:
    positions = list(position_list(agreement=agreement).order_by("organization__name"))
    stored = agreement.status != Agreement.Status.OPEN
    counts = dict(agreement.tally) if stored else consensus.count_positions(p.position for p in positions)
    labels = dict(Position.Value.choices)
    rows = [
        TallyRow(
            value=value, label=str(labels[value]), count=int(counts.get(value, 0)),
            organizations=[p.organization for p in positions if p.position == value],
        )
        for value in consensus.POSITION_VALUES
    ]
    details: dict[str, Any] = {k: v for k, v in counts.items() if k not in consensus.POSITION_VALUES} if stored else {}
    outcome = None
    if not stored and agreement.rule == Agreement.Rule.CONSENT:
        # The same inputs agreement_close gathers: active full members and their positions.
        members = Organization.objects.filter(
            cluster_id=agreement.plan.cluster_id, is_active=True, membership=Organization.Membership.FULL
        ).count()
        member_positions = sum(
            1 for p in positions
            if p.organization.is_active and p.organization.membership == Organization.Membership.FULL
        )
        projection = consensus.consent(
            counts=counts, members=members, member_positions=member_positions,
            quorum_percent=agreement.quorum_percent,
        )
        details = {k: v for k, v in projection.tally.items() if k not in consensus.POSITION_VALUES}
        outcome = projection.status
    return Tally(rows=rows, stored=stored, details=details, outcome_if_closed=outcome)
