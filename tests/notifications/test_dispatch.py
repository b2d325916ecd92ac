"""History events become deliveries for subscribers, once, never to the author unless asked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone, translation

from notifications.kinds import Kind
from notifications.models import Delivery, DigestEntry, DispatchRecord, Frequency, NotificationProfile, Subscription
from notifications.services import dispatch, sending
from plans.models import HistoryEvent
from plans.services.forums import forum_cancel, forum_schedule, forum_update
from projects.services.milestones import milestone_complete, milestone_reschedule, milestone_update_post
from tests.factories import MilestoneFactory, PhaseFactory
from tests.world import World

pytestmark = pytest.mark.django_db


def last_event(object_type: str) -> HistoryEvent:
    return HistoryEvent.objects.filter(object_type=object_type).order_by("-id")[0]


def complete(world: World) -> HistoryEvent:
    milestone_complete(milestone_id=world.milestone.pk, actor=world.coordinator_actor,
                       completed_on=timezone.localdate() - dt.timedelta(days=1), note="Informe entregado")
    return last_event("projects.milestone")


def test_completion_reaches_every_default_subscriber_but_its_author(world: World) -> None:
    event = complete(world)
    ids = dispatch.dispatch_event(event_id=event.pk)
    deliveries = Delivery.objects.filter(pk__in=ids)
    assert {d.to_email for d in deliveries} == {world.ana.email, world.bob.email}  # not Carla, the author
    assert {d.kind for d in deliveries} == {Kind.MILESTONE_COMPLETED}
    assert all(d.dedup_key == f"event:{event.pk}:s{d.stakeholder_id}:email" for d in deliveries)
    # Defaults were created lazily for everyone in the cluster (the author included).
    assert NotificationProfile.objects.filter(stakeholder__cluster=world.cluster).count() == 3
    assert Subscription.objects.filter(stakeholder=world.bob, scope="cluster", scope_id=world.cluster.pk).exists()


def test_a_data_load_by_a_command_notifies_nobody_but_a_person_does(world: World) -> None:
    from plans.models import Source
    from plans.services.history import Actor

    milestone_complete(milestone_id=world.milestone.pk, actor=Actor.system(Source.COMMAND),
                       completed_on=timezone.localdate() - dt.timedelta(days=1), note="Cargado por load_demo")
    loaded = last_event("projects.milestone")
    assert dispatch.dispatch_event(event_id=loaded.pk) == []
    assert DispatchRecord.objects.filter(event_id=loaded.pk, deliveries=0).exists()  # the sweep will not retry it
    assert not DigestEntry.objects.filter(event_id=loaded.pk).exists()
    other = MilestoneFactory.create(plan=world.plan, project=world.milestone.project)
    milestone_complete(milestone_id=other.pk, actor=world.coordinator_actor,
                       completed_on=timezone.localdate() - dt.timedelta(days=1), note="Informe entregado")
    assert len(dispatch.dispatch_event(event_id=last_event("projects.milestone").pk)) == 2


def test_dispatching_twice_creates_nothing_new(world: World) -> None:
    event = complete(world)
    first = dispatch.dispatch_event(event_id=event.pk)
    DispatchRecord.objects.filter(event_id=event.pk).delete()  # as if the sweep raced the normal path
    second = dispatch.dispatch_event(event_id=event.pk)
    assert len(first) == 2
    assert Delivery.objects.filter(event_id=event.pk).count() == 2
    assert set(second) <= set(first)  # no new rows; re-sending pending ones is harmless (claimed once)


def test_author_who_asks_gets_their_own_change(world: World) -> None:
    dispatch.dispatch_event(event_id=complete(world).pk)  # creates the profiles
    NotificationProfile.objects.filter(stakeholder=world.coordinator_person).update(notify_own_changes=True)
    milestone_update_post(milestone_id=world.milestone.pk, actor=world.coordinator_actor, note="Avance 80%")
    Subscription.objects.filter(stakeholder=world.coordinator_person).update(events=[Kind.MILESTONE_UPDATE_POSTED])
    ids = dispatch.dispatch_event(event_id=last_event("projects.milestoneupdate").pk)
    assert Delivery.objects.get(pk__in=ids).stakeholder == world.coordinator_person  # the others did not opt in


def test_digest_subscribers_wait_for_their_digest(world: World) -> None:
    dispatch.dispatch_event(event_id=complete(world).pk)
    Subscription.objects.filter(stakeholder=world.bob).update(frequency=Frequency.DAILY)
    event = last_event("projects.milestone")
    DispatchRecord.objects.all().delete()
    Delivery.objects.all().delete()
    ids = dispatch.dispatch_event(event_id=event.pk)
    assert [d.stakeholder_id for d in Delivery.objects.filter(pk__in=ids)] == [world.ana.pk]
    assert DigestEntry.objects.get(stakeholder=world.bob).kind == Kind.MILESTONE_COMPLETED


def test_unsubscribed_people_get_nothing(world: World) -> None:
    dispatch.dispatch_event(event_id=complete(world).pk)
    NotificationProfile.objects.filter(stakeholder=world.bob).update(unsubscribed_at=timezone.now())
    milestone_update_post(milestone_id=world.milestone.pk, actor=world.coordinator_actor, note="Avance")
    Subscription.objects.update(events=[Kind.MILESTONE_UPDATE_POSTED])
    ids = dispatch.dispatch_event(event_id=last_event("projects.milestoneupdate").pk)
    assert [d.stakeholder_id for d in Delivery.objects.filter(pk__in=ids)] == [world.ana.pk]


@pytest.mark.usefixtures("world_clock")
def test_reschedule_mail_tells_old_and_new_date_and_reason(world: World) -> None:
    milestone_reschedule(milestone_id=world.milestone.pk, actor=world.coordinator_actor,
                         due_date=dt.date(2027, 2, 1), reason="Lluvias en Trancas")
    ids = dispatch.dispatch_event(event_id=last_event("projects.milestone").pk)
    sending.send_batch(ids)
    by_to = {m.to[0]: m for m in mail.outbox}
    english = by_to[world.bob.email].body
    assert "Dec. 15, 2026" in english and "Feb. 1, 2027" in english
    assert "Lluvias en Trancas" in english
    spanish = by_to[world.ana.email].body
    assert "15 de diciembre de 2026" in spanish and "1 de febrero de 2027" in spanish


def test_forum_schedule_reschedule_and_cancel_are_three_kinds(world: World) -> None:
    phase = PhaseFactory.create(plan=world.plan, status="active")
    start = timezone.now() + dt.timedelta(days=10)
    forum = forum_schedule(phase_id=phase.pk, actor=world.coordinator_actor, title="Foro II", starts_at=start)
    kinds = [Delivery.objects.get(pk=dispatch.dispatch_event(event_id=last_event("plans.forum").pk)[0]).kind]
    forum_update(forum_id=forum.pk, actor=world.coordinator_actor, values={"starts_at": start + dt.timedelta(days=1)})
    kinds.append(Delivery.objects.get(pk=dispatch.dispatch_event(event_id=last_event("plans.forum").pk)[0]).kind)
    forum_cancel(forum_id=forum.pk, actor=world.coordinator_actor, reason="Paro de transporte")
    kinds.append(Delivery.objects.get(pk=dispatch.dispatch_event(event_id=last_event("plans.forum").pk)[0]).kind)
    assert kinds == [Kind.FORUM_SCHEDULED, Kind.FORUM_RESCHEDULED, Kind.FORUM_CANCELLED]


def test_events_of_no_interest_are_recorded_as_handled(world: World) -> None:
    from plans.services.clusters import cluster_update

    cluster_update(cluster_id=world.cluster.pk, actor=world.coordinator_actor, values={"sector": "lácteo"})
    event = last_event("plans.cluster")
    assert dispatch.dispatch_event(event_id=event.pk) == []
    assert DispatchRecord.objects.get(event_id=event.pk).deliveries == 0


def test_no_invitation_to_a_forum_already_past(world: World) -> None:
    phase = PhaseFactory.create(plan=world.plan, status="active")
    forum_schedule(phase_id=phase.pk, actor=world.coordinator_actor, title="Foro de lanzamiento",
                   starts_at=timezone.now() - dt.timedelta(days=30))
    assert dispatch.dispatch_event(event_id=last_event("plans.forum").pk) == []


def test_a_digest_says_in_its_first_line_why_it_comes(world: World) -> None:
    from notifications.content import compose

    delivery = Delivery.objects.create(
        dedup_key="digest-why", kind=Kind.DIGEST, to_email="x@example.org", cluster=world.cluster, language="en",
    )
    with translation.override("en"):
        content = compose(delivery)
    assert content.why.startswith("You get this digest because you chose")
