"""forum_rsvp: whose reply each role may record, one event per change, nothing on a repeat."""

from __future__ import annotations

import pytest

from plans.access import forget_access
from plans.errors import PermissionDeniedError, RuleViolation, ValidationFailed
from plans.models import Forum, ForumResponse, Plan, Source, Stakeholder
from plans.services.forums import forum_rsvp
from plans.services.history import Actor
from tests.factories import StakeholderFactory
from tests.plans.helpers import NewEvents
from tests.plans.web.forum_world import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def own(world: World) -> Stakeholder:
    """The stakeholder user's own record in the cluster."""
    return StakeholderFactory.create(cluster=world.cluster, organization=world.organizations[0],
                                     user=world.users["stakeholder"], name="Nora Tambera")


def as_user(world: World, role: str, source: str = Source.WEB) -> Actor:
    user = world.users[role]
    forget_access(user)
    return Actor(user=user, source=source)


def test_a_stakeholder_replies_for_themselves_with_one_event(world: World, own: Stakeholder) -> None:
    with NewEvents() as new:
        reply = forum_rsvp(forum_id=world.forum.pk, answer="yes", actor=as_user(world, "stakeholder"),
                           comment=" Voy con mi hijo ")
    event = new.one()
    assert (reply.stakeholder_id, reply.answer, reply.comment) == (own.pk, "yes", "Voy con mi hijo")
    assert (event.action, event.object_type, event.object_id) == ("rsvp", "plans.forumresponse", reply.pk)
    assert event.changes["answer"] == [None, "yes"]
    assert event.plan_id == world.plan.pk and event.actor_id == world.users["stakeholder"].pk


def test_the_same_answer_again_writes_nothing_and_a_new_one_writes_one_event(
    world: World, own: Stakeholder,
) -> None:
    actor = as_user(world, "stakeholder")
    forum_rsvp(forum_id=world.forum.pk, answer="yes", actor=actor, comment="Voy")
    with NewEvents() as repeat:
        again = forum_rsvp(forum_id=world.forum.pk, answer="yes", actor=actor)  # comment None: kept
    assert repeat.events == []
    assert (again.version, again.comment) == (1, "Voy")
    with NewEvents() as changed:
        forum_rsvp(forum_id=world.forum.pk, answer="no", actor=actor)
    event = changed.one()
    assert event.changes == {"answer": ["yes", "no"]}
    assert ForumResponse.objects.get(forum=world.forum, stakeholder=own).version == 2
    assert ForumResponse.objects.count() == 1


def test_a_stakeholder_cannot_reply_for_another_person(world: World, own: Stakeholder) -> None:
    with NewEvents() as new, pytest.raises(PermissionDeniedError):
        forum_rsvp(forum_id=world.forum.pk, answer="yes", actor=as_user(world, "stakeholder"),
                   stakeholder_id=world.people[0].pk)
    assert new.events == [] and not ForumResponse.objects.exists()


def test_a_stakeholder_user_without_a_record_in_the_cluster_is_refused(world: World) -> None:
    with pytest.raises(PermissionDeniedError):
        forum_rsvp(forum_id=world.forum.pk, answer="yes", actor=as_user(world, "stakeholder"))


def test_an_auditor_never_replies(world: World) -> None:
    with pytest.raises(PermissionDeniedError):
        forum_rsvp(forum_id=world.forum.pk, answer="yes", actor=as_user(world, "auditor"),
                   stakeholder_id=world.people[0].pk)
    assert not ForumResponse.objects.exists()


def test_a_coordinator_records_anyones_reply_in_the_cluster_only(world: World) -> None:
    actor = as_user(world, "coordinator")
    reply = forum_rsvp(forum_id=world.forum.pk, answer="maybe", actor=actor, stakeholder_id=world.people[1].pk)
    assert (reply.stakeholder_id, reply.answer) == (world.people[1].pk, "maybe")
    outsider = StakeholderFactory.create(cluster=world.other_cluster)
    with pytest.raises(ValidationFailed) as refused:
        forum_rsvp(forum_id=world.forum.pk, answer="yes", actor=actor, stakeholder_id=outsider.pk)
    assert "stakeholder" in refused.value.errors
    with pytest.raises(ValidationFailed) as nobody:
        forum_rsvp(forum_id=world.forum.pk, answer="yes", actor=actor)  # no record of their own either
    assert "stakeholder" in nobody.value.errors


@pytest.mark.parametrize("status", [Forum.Status.CANCELLED, Forum.Status.HELD])
def test_only_a_scheduled_forum_takes_replies(world: World, own: Stakeholder, status: str) -> None:
    Forum.objects.filter(pk=world.forum.pk).update(status=status, minutes="Acta")
    with pytest.raises(RuleViolation):
        forum_rsvp(forum_id=world.forum.pk, answer="yes", actor=as_user(world, "stakeholder"))


def test_a_closed_plan_takes_no_replies(world: World, own: Stakeholder) -> None:
    Plan.objects.filter(pk=world.plan.pk).update(status=Plan.Status.CLOSED)
    with pytest.raises(RuleViolation):
        forum_rsvp(forum_id=world.forum.pk, answer="yes", actor=as_user(world, "stakeholder"))


def test_an_unknown_answer_is_bad_input(world: World, own: Stakeholder) -> None:
    with pytest.raises(ValidationFailed) as refused:
        forum_rsvp(forum_id=world.forum.pk, answer="perhaps", actor=as_user(world, "stakeholder"))
    assert "answer" in refused.value.errors
