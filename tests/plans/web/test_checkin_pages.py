"""Attendance on a phone: the searchable check-in list, one POST per check-in, undo."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans.models import Agreement, Forum, ForumAttendance
from tests.factories import AgreementFactory, ForumAttendanceFactory, StakeholderFactory
from tests.plans.helpers import NewEvents
from tests.plans.web.forum_world import World, add_members, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    return build_world()


def checkin_url(world: World, query: str = "") -> str:
    url = reverse("plans:forum-checkin", args=[world.forum.pk])
    return f"{url}?q={query}" if query else url


def test_checkin_list_shows_every_active_member_and_their_people(world: World) -> None:
    html = world.client("coordinator").get(checkin_url(world)).content.decode()
    for name in ("Tambo La Esperanza", "Usina Láctea del Norte", "INTA Famaillá", "Rosa Quiroga", "Marta Suárez"):
        assert name in html
    assert world.other_organization.name not in html
    assert "0 organizations present" in html
    assert html.count('class="btn btn-primary btn-touch"') == 6  # 3 organizations + 3 people


def test_search_filters_by_organization_locality_or_person(world: World) -> None:
    client = world.client("coordinator")
    by_name = client.get(checkin_url(world, "usina")).content.decode()
    assert "Usina Láctea del Norte" in by_name and "Tambo La Esperanza" not in by_name
    by_person = client.get(checkin_url(world, "Rosa")).content.decode()
    assert "Tambo La Esperanza" in by_person and "Usina Láctea del Norte" not in by_person
    by_locality = client.get(checkin_url(world, "Trancas")).content.decode()
    assert "Tambo La Esperanza" in by_locality and "INTA Famaillá" not in by_locality
    unaffiliated = client.get(checkin_url(world, "Marta")).content.decode()
    assert "Marta Suárez" in unaffiliated and "Tambo La Esperanza" not in unaffiliated
    nobody = client.get(checkin_url(world, "zzz")).content.decode()
    assert "Nobody matches “zzz”." in nobody


def test_check_in_is_one_post_one_event_and_returns_to_the_search(world: World) -> None:
    tambo = world.organizations[0]
    with NewEvents() as new:
        response = world.client("coordinator").post(
            reverse("plans:attendance-add", args=[world.forum.pk]), {"organization": tambo.pk, "q": "tambo"}
        )
    assert response.status_code == 303
    assert response["Location"] == checkin_url(world, "tambo") + f"#org-{tambo.pk}"
    assert ForumAttendance.objects.filter(forum=world.forum, organization=tambo).count() == 1
    event = new.one()
    assert (event.action, event.object_type) == ("create", "plans.forumattendance")
    page = world.client("coordinator").get(checkin_url(world)).content.decode()
    assert "1 organization present" in page


def test_check_in_a_person_and_undo_it(world: World) -> None:
    person = world.people[2]
    client = world.client("coordinator")
    client.post(reverse("plans:attendance-add", args=[world.forum.pk]), {"stakeholder": person.pk})
    row = ForumAttendance.objects.get(forum=world.forum, stakeholder=person)
    assert "1 person" in client.get(checkin_url(world)).content.decode()
    with NewEvents() as new:
        response = client.post(reverse("plans:attendance-remove", args=[world.forum.pk, row.pk]), {"q": ""})
    assert response.status_code == 303
    assert response["Location"].endswith(f"#person-{person.pk}")
    assert not ForumAttendance.objects.filter(pk=row.pk).exists()
    assert new.one().action == "delete"


def test_checking_in_twice_says_so_plainly(world: World) -> None:
    tambo = world.organizations[0]
    ForumAttendanceFactory.create(forum=world.forum, organization=tambo)
    with NewEvents() as new:
        response = world.client("coordinator").post(
            reverse("plans:attendance-add", args=[world.forum.pk]), {"organization": tambo.pk}
        )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Tambo La Esperanza is already on the attendance list." in html
    assert "attendance_unique_org" not in html
    assert new.events == []


def test_another_clusters_organization_cannot_be_checked_in(world: World) -> None:
    response = world.client("coordinator").post(
        reverse("plans:attendance-add", args=[world.forum.pk]), {"organization": world.other_organization.pk}
    )
    assert response.status_code == 409
    assert "is not an active member organization of this cluster" in response.content.decode()
    assert not ForumAttendance.objects.filter(forum=world.forum).exists()


def test_undo_refused_once_the_list_is_evidence_of_an_adopted_agreement(world: World) -> None:
    row = ForumAttendanceFactory.create(forum=world.forum, organization=world.organizations[0])
    AgreementFactory.create(plan=world.plan, forum=world.forum, rule=Agreement.Rule.FORUM_CONSENSUS,
                            status=Agreement.Status.ADOPTED)
    response = world.client("coordinator").post(reverse("plans:attendance-remove", args=[world.forum.pk, row.pk]))
    assert response.status_code == 409
    assert "evidence of an adopted agreement" in response.content.decode()
    assert ForumAttendance.objects.filter(pk=row.pk).exists()


def test_cancelled_forum_has_no_check_in_buttons(world: World) -> None:
    Forum.objects.filter(pk=world.forum.pk).update(status=Forum.Status.CANCELLED)
    html = world.client("coordinator").get(checkin_url(world)).content.decode()
    assert "btn-touch" not in html


@pytest.mark.parametrize("role", ["stakeholder", "auditor"])
def test_readers_see_who_is_present_but_cannot_check_in(world: World, role: str) -> None:
    ForumAttendanceFactory.create(forum=world.forum, organization=world.organizations[0])
    row = ForumAttendance.objects.get()
    client = world.client(role)
    page = client.get(checkin_url(world))
    assert page.status_code == 200
    assert "1 organization present" in page.content.decode()
    assert "btn-touch" not in page.content.decode()
    add = client.post(reverse("plans:attendance-add", args=[world.forum.pk]),
                      {"organization": world.organizations[1].pk})
    remove = client.post(reverse("plans:attendance-remove", args=[world.forum.pk, row.pk]))
    assert (add.status_code, remove.status_code) == (403, 403)
    assert ForumAttendance.objects.count() == 1


def test_other_clusters_forum_and_attendance_are_404(world: World) -> None:
    client = world.client("coordinator")
    assert client.get(reverse("plans:forum-checkin", args=[world.other_forum.pk])).status_code == 404
    foreign = ForumAttendanceFactory.create(forum=world.other_forum, organization=world.other_organization)
    assert client.post(reverse("plans:attendance-remove", args=[world.forum.pk, foreign.pk])).status_code == 404
    assert client.post(reverse("plans:attendance-add", args=[world.other_forum.pk]),
                       {"organization": world.other_organization.pk}).status_code == 404
    assert ForumAttendance.objects.filter(pk=foreign.pk).exists()


def test_checkin_list_query_count_is_flat(world: World) -> None:
    client = world.client("coordinator")
    client.get(checkin_url(world))
    with CaptureQueriesContext(connection) as small:
        client.get(checkin_url(world))
    for organization in add_members(world.cluster, 25, people_each=2):
        ForumAttendanceFactory.create(forum=world.forum, organization=organization)
    StakeholderFactory.create(cluster=world.cluster, organization=None)
    with CaptureQueriesContext(connection) as large:
        response = client.get(checkin_url(world))
    assert "25 organizations present" in response.content.decode()
    assert len(large) == len(small)
