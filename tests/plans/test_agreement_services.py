"""Agreement services: positions from members, the consent rule and forum consensus on the DB."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from plans.errors import IllegalTransition, RuleViolation, ValidationFailed
from plans.models import Agreement, Forum, HistoryEvent, Organization, Plan, Position
from plans.services.agreements import agreement_close, agreement_create, position_record
from plans.services.forums import attendance_add, forum_hold, forum_schedule
from plans.services.history import Actor
from tests.factories import ClusterFactory, OrganizationFactory, StakeholderFactory
from tests.plans.helpers import NewEvents, members

pytestmark = pytest.mark.django_db

STARTS = dt.datetime(2012, 9, 20, 8, 30, tzinfo=dt.UTC)


def new_agreement(plan: Plan, actor: Actor, **kwargs) -> Agreement:  # type: ignore[no-untyped-def]
    fields = {"title": "Cerrar la fase de lanzamiento", "subject": Agreement.Subject.CLOSE_PHASE, **kwargs}
    return agreement_create(plan_id=plan.pk, actor=actor, **fields)


def vote(agreement: Agreement, orgs: list[Organization], value: str, actor: Actor) -> None:
    for org in orgs:
        position_record(agreement_id=agreement.pk, organization_id=org.pk, position=value, actor=actor)


def test_create_writes_one_event_and_takes_the_forum_phase(plan: Plan, actor: Actor) -> None:
    forum = forum_schedule(phase_id=plan.phases.get(order=2).pk, actor=actor, title="Foro II", starts_at=STARTS)
    with NewEvents() as spy:
        agreement = new_agreement(plan, actor, forum_id=forum.pk)
    assert spy.one().changes["rule"] == [None, "consent"]
    assert agreement.phase_id == forum.phase_id and agreement.status == Agreement.Status.OPEN


def test_create_refuses_foreign_links_and_forum_consensus_without_forum(plan: Plan, actor: Actor) -> None:
    other = Plan.objects.create(cluster=plan.cluster, title="Otro", edition=9)
    other_phase = other.phases.create(order=1, kind="other", title="x")
    with NewEvents() as spy:
        with pytest.raises(ValidationFailed) as exc:
            new_agreement(plan, actor, rule=Agreement.Rule.FORUM_CONSENSUS)
        assert "forum" in exc.value.errors
        with pytest.raises(ValidationFailed) as exc:
            new_agreement(plan, actor, phase_id=other_phase.pk)
        assert "phase" in exc.value.errors
        with pytest.raises(ValidationFailed) as exc:
            new_agreement(plan, actor, quorum_percent=0)
        assert list(exc.value.errors) == ["quorum_percent"]
        with pytest.raises(ValidationFailed) as exc:
            new_agreement(plan, actor, quorum_percent=101)
        assert list(exc.value.errors) == ["quorum_percent"]
    assert spy.events == []


def test_position_replaces_the_earlier_one_and_both_stay_in_history(plan: Plan, actor: Actor) -> None:
    agreement = new_agreement(plan, actor)
    org = OrganizationFactory.create(cluster=plan.cluster)
    person = StakeholderFactory.create(cluster=plan.cluster, organization=org)
    with NewEvents() as spy:
        first = position_record(
            agreement_id=agreement.pk, organization_id=org.pk, position="disagree", actor=actor,
            comment="Falta presupuesto", stakeholder_id=person.pk,
        )
    created = spy.one()
    assert created.action == "position" and created.changes["position"] == [None, "disagree"]
    with NewEvents() as spy:
        second = position_record(agreement_id=agreement.pk, organization_id=org.pk, position="agree", actor=actor)
    replaced = spy.one()
    assert second.pk == first.pk and Position.objects.filter(agreement=agreement).count() == 1
    assert replaced.action == "position" and replaced.object_id == first.pk
    assert replaced.changes["position"] == ["disagree", "agree"]
    assert replaced.changes["comment"] == ["Falta presupuesto", ""]
    with NewEvents() as spy:  # the same position again changes nothing
        position_record(agreement_id=agreement.pk, organization_id=org.pk, position="agree", actor=actor)
    assert spy.events == []


def test_positions_only_from_members_of_the_plans_cluster(plan: Plan, actor: Actor) -> None:
    agreement = new_agreement(plan, actor)
    outsider = OrganizationFactory.create(cluster=ClusterFactory.create(), name="Usina Ajena")
    inactive = OrganizationFactory.create(cluster=plan.cluster, is_active=False)
    member = OrganizationFactory.create(cluster=plan.cluster)
    with NewEvents() as spy:
        for org in (outsider, inactive):
            with pytest.raises(ValidationFailed) as exc:
                position_record(agreement_id=agreement.pk, organization_id=org.pk, position="agree", actor=actor)
            assert "organization" in exc.value.errors
            assert f"{org.name} is not an active member organization of this cluster." in str(exc.value)
        with pytest.raises(ValidationFailed):
            position_record(agreement_id=agreement.pk, organization_id=member.pk, position="maybe", actor=actor)
        stranger = StakeholderFactory.create(cluster=plan.cluster, organization=OrganizationFactory.create(
            cluster=plan.cluster))
        loose = StakeholderFactory.create(cluster=plan.cluster, organization=None)
        for person in (stranger, loose):
            with pytest.raises(ValidationFailed) as exc:
                position_record(agreement_id=agreement.pk, organization_id=member.pk, position="agree", actor=actor,
                                stakeholder_id=person.pk)
            assert "stakeholder" in exc.value.errors
    assert spy.events == []


def test_positions_only_on_open_agreements(plan: Plan, actor: Actor) -> None:
    agreement = new_agreement(plan, actor)
    org = members(plan.cluster_id, 1)[0]
    Agreement.objects.filter(pk=agreement.pk).update(status=Agreement.Status.REJECTED, decided_at=timezone.now())
    with NewEvents() as spy, pytest.raises(RuleViolation):
        position_record(agreement_id=agreement.pk, organization_id=org.pk, position="agree", actor=actor)
    assert spy.events == []


def test_consent_adopts_and_stores_tally_rule_and_time(plan: Plan, actor: Actor) -> None:
    full = members(plan.cluster_id, 6)
    adherent = members(plan.cluster_id, 1, membership=Organization.Membership.ADHERENT)
    members(plan.cluster_id, 2, is_active=False)  # inactive members do not count for quorum
    agreement = new_agreement(plan, actor, quorum_percent=50)
    vote(agreement, full[:2], "agree", actor)
    vote(agreement, full[2:3], "abstain", actor)
    vote(agreement, adherent, "disagree", actor)
    with NewEvents() as spy:
        agreement_close(agreement_id=agreement.pk, actor=actor, expected_version=1)
    event = spy.one()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ADOPTED and agreement.decided_at is not None
    assert agreement.tally == {
        "agree": 2, "abstain": 1, "disagree": 1, "block": 0, "members": 6, "member_positions": 3,
        "quorum_percent": 50, "quorum": 3, "quorum_reached": True, "rule": "consent",
    }
    assert event.action == "transition" and event.changes["status"] == ["open", "adopted"]
    assert event.changes["tally"][1] == agreement.tally and event.context == {"rule": "consent"}


@pytest.mark.parametrize(
    ("votes", "expected"),
    [
        ({"agree": 2}, "rejected"),  # quorum 3 of 6 not reached
        ({"agree": 4, "block": 1}, "rejected"),  # a block
        ({"agree": 2, "disagree": 2}, "rejected"),  # a tie
        ({"agree": 3}, "adopted"),
        ({"agree": 1, "abstain": 3}, "adopted"),  # abstentions reach the quorum
    ],
)
def test_consent_table_on_the_database(plan: Plan, actor: Actor, votes: dict[str, int], expected: str) -> None:
    orgs = iter(members(plan.cluster_id, 6))
    agreement = new_agreement(plan, actor)
    for value, n in votes.items():
        vote(agreement, list(itertools.islice(orgs, n)), value, actor)
    agreement_close(agreement_id=agreement.pk, actor=actor)
    agreement.refresh_from_db()
    assert agreement.status == expected and agreement.tally["rule"] == "consent"


@pytest.fixture
def held_forum(plan: Plan, actor: Actor) -> Forum:
    forum = forum_schedule(phase_id=plan.phases.get(order=1).pk, actor=actor, title="Foro I", starts_at=STARTS)
    return forum


def test_forum_consensus_needs_a_held_forum_with_minutes_and_attendance(
    plan: Plan, actor: Actor, held_forum: Forum
) -> None:
    agreement = new_agreement(plan, actor, rule=Agreement.Rule.FORUM_CONSENSUS, forum_id=held_forum.pk)
    with NewEvents() as spy, pytest.raises(RuleViolation) as exc:
        agreement_close(agreement_id=agreement.pk, actor=actor)
    assert "held" in str(exc.value) and spy.events == []
    forum_hold(forum_id=held_forum.pk, minutes="Se aprobó por aclamación el plan de trabajo.", actor=actor)
    with pytest.raises(RuleViolation) as exc:
        agreement_close(agreement_id=agreement.pk, actor=actor)
    assert "attendance" in str(exc.value)
    for org in members(plan.cluster_id, 3):
        attendance_add(forum_id=held_forum.pk, actor=actor, organization_id=org.pk)
    attendance_add(forum_id=held_forum.pk, actor=actor, stakeholder_id=StakeholderFactory.create(
        cluster=plan.cluster).pk)
    with NewEvents() as spy:
        agreement_close(agreement_id=agreement.pk, actor=actor)
    event = spy.one()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ADOPTED
    assert agreement.tally["rule"] == "forum_consensus" and agreement.tally["by_forum"] is True
    assert agreement.tally["attendance"] == 4 and agreement.tally["organizations_present"] == 3
    assert agreement.tally["forum"] == held_forum.pk and event.changes["status"] == ["open", "adopted"]


def _forum_with_attendance(plan: Plan, actor: Actor, forum: Forum, present: int, absent: int) -> Agreement:
    """A held forum attended by `present` of `present + absent` full members (plus one adherent)."""
    forum_hold(forum_id=forum.pk, minutes="Acta del foro.", actor=actor)
    attending = members(plan.cluster_id, present)
    members(plan.cluster_id, absent)
    adherent = members(plan.cluster_id, 1, membership=Organization.Membership.ADHERENT)[0]
    for org in (*attending, adherent):
        attendance_add(forum_id=forum.pk, actor=actor, organization_id=org.pk)
    return new_agreement(plan, actor, rule=Agreement.Rule.FORUM_CONSENSUS, forum_id=forum.pk)


def test_forum_consensus_below_the_attendance_quorum_is_refused_and_nothing_is_written(
    plan: Plan, actor: Actor, held_forum: Forum
) -> None:
    # 4 of the 77 full members in the room (the case that was adopted before): 39 are needed at 50 %.
    agreement = _forum_with_attendance(plan, actor, held_forum, present=4, absent=73)
    with NewEvents() as spy, pytest.raises(RuleViolation) as exc:
        agreement_close(agreement_id=agreement.pk, actor=actor)
    message = str(exc.value)
    assert "4 of the cluster's 77" in message and "needs 39 (50%)" in message and "override" in message
    assert spy.events == []
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.OPEN and agreement.tally == {}


def test_the_plan_sets_the_forum_quorum_and_reaching_it_adopts(plan: Plan, actor: Actor, held_forum: Forum) -> None:
    Plan.objects.filter(pk=plan.pk).update(forum_quorum_percent=25)
    agreement = _forum_with_attendance(plan, actor, held_forum, present=3, absent=9)  # 3 of 12 = 25 %
    agreement_close(agreement_id=agreement.pk, actor=actor)
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ADOPTED
    assert agreement.tally["members"] == 12 and agreement.tally["members_present"] == 3
    assert agreement.tally["attendance_needed"] == 3 and agreement.tally["attendance_reached"] is True
    assert "attendance_override" not in agreement.tally


def test_an_explicit_override_with_a_reason_is_recorded_in_the_tally_and_the_event(
    plan: Plan, actor: Actor, held_forum: Forum
) -> None:
    agreement = _forum_with_attendance(plan, actor, held_forum, present=2, absent=10)
    reason = "Foro de lanzamiento: solo presenta el plan de trabajo."
    with NewEvents() as spy:
        agreement_close(agreement_id=agreement.pk, actor=actor, attendance_override_reason=f"  {reason} ")
    event = spy.one()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ADOPTED
    assert agreement.tally["attendance_override"] == reason and agreement.tally["attendance_reached"] is False
    assert event.reason == reason and event.context["attendance_override"] is True


def test_an_override_reason_changes_nothing_when_the_quorum_is_met(
    plan: Plan, actor: Actor, held_forum: Forum
) -> None:
    agreement = _forum_with_attendance(plan, actor, held_forum, present=6, absent=2)
    with NewEvents() as spy:
        agreement_close(agreement_id=agreement.pk, actor=actor, attendance_override_reason="por las dudas")
    event = spy.one()
    agreement.refresh_from_db()
    assert "attendance_override" not in agreement.tally and event.reason == ""
    assert "attendance_override" not in event.context


def close_to(agreement: Agreement, target: str, actor: Actor) -> None:
    """Arrange positions so that closing yields `target`, then close."""
    if target not in (Agreement.Status.ADOPTED, Agreement.Status.REJECTED):
        pytest.fail(f"no service moves an agreement to {target}")
    org = members(agreement.plan.cluster_id, 1)[0]
    if agreement.status == Agreement.Status.OPEN:
        vote(agreement, [org], "agree" if target == Agreement.Status.ADOPTED else "block", actor)
    agreement_close(agreement_id=agreement.pk, actor=actor)


TARGETS = [s for s in Agreement.Status.values if any(s in t for t in Agreement.TRANSITIONS.values())]


@pytest.mark.parametrize(("current", "target"), list(itertools.product(Agreement.Status.values, TARGETS)))
def test_every_agreement_transition(plan: Plan, actor: Actor, current: str, target: str) -> None:
    agreement = new_agreement(plan, actor)
    decided_at = None if current == Agreement.Status.OPEN else timezone.now()
    Agreement.objects.filter(pk=agreement.pk).update(status=current, decided_at=decided_at)
    agreement.refresh_from_db()
    legal = target in Agreement.TRANSITIONS[current]
    before = HistoryEvent.objects.filter(object_type="plans.agreement").count()
    if legal:
        close_to(agreement, target, actor)
    else:
        with pytest.raises(IllegalTransition):
            close_to(agreement, target, actor)
    agreement.refresh_from_db()
    after = HistoryEvent.objects.filter(object_type="plans.agreement").count()
    assert agreement.status == (target if legal else current)
    assert after - before == (1 if legal else 0)


def test_database_backs_the_one_row_rules_of_agreements(plan: Plan) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.create(plan=plan, title="x", rule=Agreement.Rule.FORUM_CONSENSUS)
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.create(plan=plan, title="x", status=Agreement.Status.ADOPTED)


def test_a_member_user_records_positions_only_for_their_own_organization(plan: Plan, actor: Actor) -> None:
    from plans.errors import PermissionDeniedError
    from tests.factories import UserFactory

    agreement = new_agreement(plan, actor)
    own_org, other_org = (OrganizationFactory.create(cluster=plan.cluster) for _ in range(2))
    user = UserFactory.create(username="socia")
    person = StakeholderFactory.create(cluster=plan.cluster, organization=own_org, user=user)
    member = Actor(user=user, source=actor.source)
    with NewEvents() as spy, pytest.raises(PermissionDeniedError):
        position_record(agreement_id=agreement.pk, organization_id=other_org.pk, position="block", actor=member,
                        member_user_id=user.pk)
    assert spy.events == []
    position = position_record(agreement_id=agreement.pk, organization_id=own_org.pk, position="agree",
                               actor=member, member_user_id=user.pk)
    assert position.recorded_by_id == person.pk
