"""The forum page as the invitation: opened from a personal link, answered with one POST,
read by the coordinator as replies per answer. A GET never records a reply."""

from __future__ import annotations

import re
import zoneinfo
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans import links
from plans.access import forget_access
from plans.models import Forum, ForumResponse, HistoryEvent, Source, Stakeholder
from tests.factories import ForumResponseFactory, StakeholderFactory
from tests.plans.web.forum_world import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: None, settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


@pytest.fixture
def rosa(world: World) -> Stakeholder:
    """A producer with no login: the email is all she has. English, living in New York."""
    return StakeholderFactory.create(cluster=world.cluster, organization=world.organizations[0], name="Rosa Tambo",
                                     email="rosa@tambo.example", language="en", time_zone="America/New_York")


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def opened_by_link(person: Stakeholder, page: str) -> Client:
    client = Client()
    assert client.get(path_of(links.personal_url(person.pk, page))).status_code == 302
    return client


def detail(forum: Forum) -> str:
    return reverse("plans:forum-detail", args=[forum.pk])


def rsvp(forum: Forum) -> str:
    return reverse("plans:forum-rsvp", args=[forum.pk])


def main_of(html: str) -> str:
    return html.split("<main", 1)[-1].split("</main>", 1)[0]


def test_the_invitation_shows_both_zones_the_address_the_agenda_the_buttons_and_the_calendar(
    world: World, rosa: Stakeholder,
) -> None:
    client = opened_by_link(rosa, detail(world.forum))
    html = main_of(client.get(detail(world.forum)).content.decode())
    # The start in the forum's zone (Tucumán), then in hers (New York), each labelled.
    starts = world.forum.starts_at
    at_forum = starts.astimezone(zoneinfo.ZoneInfo("America/Argentina/Tucuman")).isoformat()
    at_home = starts.astimezone(zoneinfo.ZoneInfo("America/New_York")).isoformat()
    assert re.search(rf'datetime="{re.escape(at_forum)}".*time in America/Argentina/Tucuman', html, re.S)
    assert re.search(rf'datetime="{re.escape(at_home)}".*your time, in America/New_York', html, re.S)
    assert "Sociedad Rural" in html and '<address class="plain-address">Camino del Perú 1050</address>' in html
    assert "Apertura<br>FODA" in html
    assert "csrfmiddlewaretoken" in html and f'action="{rsvp(world.forum)}"' in html
    for value in ("yes", "no", "maybe"):
        assert f'name="answer" value="{value}"' in html
    assert reverse("plans:forum-ics", args=[world.forum.pk]) in html
    assert 'id="replies"' not in html  # the replies of others are for those who oversee the forum


def test_the_same_zone_shows_only_the_forums_time(world: World, rosa: Stakeholder) -> None:
    Stakeholder.objects.filter(pk=rosa.pk).update(time_zone=world.cluster.time_zone)
    html = opened_by_link(rosa, detail(world.forum)).get(detail(world.forum)).content.decode()
    assert "your time" not in html


def test_an_answer_in_the_address_only_preselects_and_two_gets_change_nothing(world: World, rosa: Stakeholder) -> None:
    page = f"{detail(world.forum)}?answer=yes"
    url = path_of(links.personal_url(rosa.pk, page))
    events = HistoryEvent.objects.count()
    scanner, person = Client(), Client()
    assert scanner.get(url).status_code == 302
    assert person.get(url)["Location"] == page
    html = person.get(page).content.decode()
    assert 'id="rsvp-preselected"' in html
    assert re.search(r'value="yes" id="rsvp-yes"\s+class="btn btn-large btn-primary"', html)
    assert HistoryEvent.objects.count() == events and not ForumResponse.objects.exists()


def test_yes_from_a_link_session_is_recorded_once_with_source_email(world: World, rosa: Stakeholder) -> None:
    client = opened_by_link(rosa, detail(world.forum))
    first = client.post(rsvp(world.forum), {"answer": "yes", "comment": "Voy con mi hijo"})
    second = client.post(rsvp(world.forum), {"answer": "yes", "comment": "Voy con mi hijo"})  # double click
    assert first.status_code == second.status_code == 302
    assert first["Location"] == f"{detail(world.forum)}#rsvp"
    reply = ForumResponse.objects.get()
    assert (reply.stakeholder_id, reply.answer, reply.comment, reply.version) == (rosa.pk, "yes", "Voy con mi hijo", 1)
    [event] = HistoryEvent.objects.filter(object_type="plans.forumresponse")
    assert (event.action, event.source) == ("rsvp", Source.EMAIL)
    html = client.get(detail(world.forum)).content.decode()
    assert "Your reply: <strong>yes</strong>" in html and "Reply of Rosa Tambo recorded: yes." in html
    assert re.search(r'value="yes" id="rsvp-yes"\s+class="btn btn-large btn-primary"', html)
    client.post(rsvp(world.forum), {"answer": "maybe", "comment": "Voy con mi hijo"})
    assert ForumResponse.objects.get().answer == "maybe"
    assert HistoryEvent.objects.filter(object_type="plans.forumresponse").count() == 2


def test_someone_elses_link_cannot_answer_for_another_person(world: World, rosa: Stakeholder) -> None:
    client = opened_by_link(rosa, detail(world.forum))
    response = client.post(rsvp(world.forum), {"answer": "no", "stakeholder": world.people[1].pk})
    assert response.status_code == 403
    assert not ForumResponse.objects.exists()


def test_a_link_session_gets_404_for_another_clusters_forum(world: World, rosa: Stakeholder) -> None:
    client = opened_by_link(rosa, detail(world.forum))
    assert client.get(detail(world.other_forum)).status_code == 404
    assert client.post(rsvp(world.other_forum), {"answer": "yes"}).status_code == 404
    assert not ForumResponse.objects.exists()


def test_a_logged_in_stakeholder_replies_from_the_same_page_with_source_web(world: World) -> None:
    own = StakeholderFactory.create(cluster=world.cluster, user=world.users["stakeholder"], name="Nora")
    client = world.client("stakeholder")
    assert 'name="answer" value="no"' in client.get(detail(world.forum)).content.decode()
    assert client.post(rsvp(world.forum), {"answer": "no"}).status_code == 302
    reply = ForumResponse.objects.get()
    assert reply.stakeholder_id == own.pk
    assert HistoryEvent.objects.get(object_type="plans.forumresponse").source == Source.WEB


def test_an_auditor_never_sees_the_buttons_and_gets_403_on_post(world: World) -> None:
    auditor = world.users["auditor"]
    StakeholderFactory.create(cluster=world.cluster, user=auditor)  # even with a record of their own
    forget_access(auditor)
    client = world.client("auditor")
    html = main_of(client.get(detail(world.forum)).content.decode())
    assert 'name="answer"' not in html and rsvp(world.forum) not in html
    assert 'id="replies"' in html  # auditors read the replies, as everything else
    assert client.post(rsvp(world.forum), {"answer": "yes"}).status_code == 403
    assert not ForumResponse.objects.exists()


def test_a_cancelled_forum_takes_no_replies_and_says_so(world: World, rosa: Stakeholder) -> None:
    client = opened_by_link(rosa, detail(world.forum))
    Forum.objects.filter(pk=world.forum.pk).update(status=Forum.Status.CANCELLED)
    html = client.get(detail(world.forum)).content.decode()
    assert 'name="answer"' not in html and 'id="rsvp-closed"' in html
    response = client.post(rsvp(world.forum), {"answer": "yes"})
    assert response.status_code == 409
    assert "only while the forum is scheduled" in response.content.decode()
    assert not ForumResponse.objects.exists()


def test_the_coordinator_sees_counts_and_names_per_answer_and_who_has_not_answered(
    world: World, rosa: Stakeholder,
) -> None:
    ForumResponseFactory.create(forum=world.forum, stakeholder=rosa, answer="yes")
    ForumResponseFactory.create(forum=world.forum, stakeholder=world.people[0], answer="yes")
    ForumResponseFactory.create(forum=world.forum, stakeholder=world.people[1], answer="no")
    html = world.client("coordinator").get(detail(world.forum)).content.decode()
    replies = html.split('id="replies"', 1)[1].split("</section>", 1)[0]

    def row(answer: str) -> str:
        return replies.split(f'id="replies-{answer}"', 1)[1].split("</tr>", 1)[0]

    assert '<td class="reply-count">2</td>' in row("yes") and "Rosa Quiroga, Rosa Tambo" in row("yes")
    assert '<td class="reply-count">1</td>' in row("no") and "Julio Paz" in row("no")
    assert '<td class="reply-count">0</td>' in row("maybe")
    active = Stakeholder.objects.filter(cluster=world.cluster, is_active=True).count()
    assert f'<td class="reply-count">{active - 3}</td>' in row("none")
    assert 'name="answer"' not in html  # the coordinator has no stakeholder record: nothing to answer


def test_a_coordinator_records_a_reply_for_a_person_of_the_cluster(world: World) -> None:
    client = world.client("coordinator")
    response = client.post(rsvp(world.forum), {"answer": "maybe", "stakeholder": world.people[2].pk})
    assert response.status_code == 302
    assert ForumResponse.objects.get().stakeholder_id == world.people[2].pk


def test_the_replies_cost_the_same_queries_whatever_their_number(
    world: World, django_assert_num_queries: Any,
) -> None:
    client = world.client("coordinator")
    client.get(detail(world.forum))
    with CaptureQueriesContext(connection) as few:
        client.get(detail(world.forum))
    for person in StakeholderFactory.create_batch(12, cluster=world.cluster):
        ForumResponseFactory.create(forum=world.forum, stakeholder=person, answer="maybe")
    with django_assert_num_queries(len(few)):
        client.get(detail(world.forum))


def test_add_to_calendar_downloads_this_forum_as_ics(world: World, rosa: Stakeholder) -> None:
    client = opened_by_link(rosa, detail(world.forum))
    response = client.get(reverse("plans:forum-ics", args=[world.forum.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="forum-{world.forum.pk}.ics"'
    body = response.content.decode()
    assert f"UID:forum-{world.forum.pk}@pmc-tracker" in body and "SUMMARY:Taller de diagnóstico" in body
    assert f"/forums/{world.forum.pk}/" in body and "/api/v1/" not in body  # the event links to the page
    assert client.get(reverse("plans:forum-ics", args=[world.other_forum.pk])).status_code == 404
