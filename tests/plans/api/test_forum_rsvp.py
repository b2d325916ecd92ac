"""POST /api/v1/forums/{id}/rsvp/: the same service as the page, through the API's doors."""

from __future__ import annotations

from plans.models import Forum, ForumResponse, HistoryEvent, Source
from tests.factories import StakeholderFactory
from tests.world import World


def rsvp_url(forum: Forum) -> str:
    return f"/api/v1/forums/{forum.pk}/rsvp/"


def test_a_stakeholder_replies_for_themselves_and_a_double_post_records_one_event(world: World) -> None:
    forum, own = world.own["forum"], world.own["stakeholder"]
    client = world.client("stakeholder")
    first = client.post(rsvp_url(forum), {"answer": "yes", "comment": "Llego 9:00"}, format="json")
    second = client.post(rsvp_url(forum), {"answer": "yes"}, format="json")
    assert first.status_code == second.status_code == 200
    body = second.json()
    assert (body["stakeholder"], body["stakeholder_name"], body["answer"], body["comment"], body["version"]) == (
        own.pk, own.name, "yes", "Llego 9:00", 1)
    events = HistoryEvent.objects.filter(object_type="plans.forumresponse", object_id=body["id"])
    assert [(e.action, e.source) for e in events] == [("rsvp", Source.API)]


def test_a_stakeholder_naming_someone_else_gets_403_and_nothing_is_written(world: World) -> None:
    other_person = StakeholderFactory.create(cluster=world.own.cluster)
    response = world.client("stakeholder").post(
        rsvp_url(world.own["forum"]), {"answer": "no", "stakeholder": other_person.pk}, format="json")
    assert response.status_code == 403
    assert not ForumResponse.objects.exists()


def test_a_coordinator_records_for_a_person_and_changing_the_answer_is_one_more_event(world: World) -> None:
    forum, person = world.own["forum"], world.own["stakeholder"]
    client = world.client("coordinator")
    client.post(rsvp_url(forum), {"answer": "maybe", "stakeholder": person.pk}, format="json")
    response = client.post(rsvp_url(forum), {"answer": "no", "stakeholder": person.pk}, format="json")
    assert response.status_code == 200 and response.json()["answer"] == "no"
    changes = list(HistoryEvent.objects.filter(object_type="plans.forumresponse").order_by("id")
                   .values_list("changes", flat=True))
    assert [c["answer"] for c in changes] == [[None, "maybe"], ["maybe", "no"]]


def test_auditors_get_403_other_clusters_404_and_bad_answers_400(world: World) -> None:
    forum = world.own["forum"]
    assert world.client("auditor").post(rsvp_url(forum), {"answer": "yes"}, format="json").status_code == 403
    assert world.client("coordinator_b").post(
        rsvp_url(forum), {"answer": "yes", "stakeholder": world.own["stakeholder"].pk}, format="json"
    ).status_code == 404
    bad = world.client("stakeholder").post(rsvp_url(forum), {"answer": "perhaps"}, format="json")
    assert bad.status_code == 400 and "answer" in bad.json()["errors"]
    assert not ForumResponse.objects.exists()


def test_a_cancelled_forum_answers_409(world: World) -> None:
    forum = world.own["forum"]
    Forum.objects.filter(pk=forum.pk).update(status=Forum.Status.CANCELLED)
    response = world.client("stakeholder").post(rsvp_url(forum), {"answer": "yes"}, format="json")
    assert response.status_code == 409
