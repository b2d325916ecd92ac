"""Forum pages: list, detail in the forum's zone, schedule, time and place, agenda, cancel, hold."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans.models import Forum, HistoryEvent
from tests.factories import AgreementFactory, ForumAttendanceFactory, ForumFactory, PhaseFactory
from tests.plans.helpers import NewEvents
from tests.plans.web.forum_world import World, add_members, build_world, forum_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    return build_world()


def test_forum_list_shows_the_plans_forums_with_attendance_counts(world: World) -> None:
    ForumAttendanceFactory.create(forum=world.forum, organization=world.organizations[0])
    response = world.client("coordinator").get(reverse("plans:forum-list", args=[world.plan.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Taller de diagnóstico" in html
    assert "1 organization present" in html
    assert world.other_forum.title not in html
    assert reverse("plans:forum-schedule", args=[world.plan.pk]) in html


@pytest.mark.parametrize("role", ["stakeholder", "auditor"])
def test_readers_see_the_forums_without_write_controls(world: World, role: str) -> None:
    list_html = world.client(role).get(reverse("plans:forum-list", args=[world.plan.pk])).content.decode()
    detail = world.client(role).get(reverse("plans:forum-detail", args=[world.forum.pk]))
    assert detail.status_code == 200
    assert reverse("plans:forum-schedule", args=[world.plan.pk]) not in list_html
    html = detail.content.decode()
    for name in ("plans:forum-edit", "plans:forum-agenda", "plans:forum-cancel", "plans:forum-hold"):
        assert reverse(name, args=[world.forum.pk]) not in html
    assert 'method="post"' not in html.split("<main", 1)[-1].split("</main>", 1)[0]


def test_detail_shows_time_in_the_forums_zone_venue_agenda_and_attendance(world: World) -> None:
    ForumAttendanceFactory.create(forum=world.forum, organization=world.organizations[1])
    ForumAttendanceFactory.create(forum=world.forum, organization=None, stakeholder=world.people[2])
    html = world.client("coordinator").get(reverse("plans:forum-detail", args=[world.forum.pk])).content.decode()
    # 12:00 UTC is 9:00 in Tucumán (UTC-3), and the page says which zone.
    assert "9 a.m." in html
    assert "America/Argentina/Tucuman" in html
    assert "Sociedad Rural" in html and "Camino del Perú 1050" in html
    assert "Apertura<br>FODA" in html
    assert "1 organization present" in html and "1 person" in html
    assert "Usina Láctea del Norte" in html and "Marta Suárez" in html


def test_other_clusters_forum_is_404_and_anonymous_goes_to_login(world: World) -> None:
    url = reverse("plans:forum-detail", args=[world.other_forum.pk])
    assert world.client("coordinator").get(url).status_code == 404
    assert world.client("coordinator").get(reverse("plans:forum-list", args=[world.other_plan.pk])).status_code == 404
    detail = reverse("plans:forum-detail", args=[world.forum.pk])
    response = world.client("anonymous").get(detail)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('plans:login')}?next={detail}"


def schedule_day() -> dt.date:
    """The day the tests schedule a new forum on: three months ahead, whenever they run."""
    return timezone.localdate() + dt.timedelta(days=90)


def _schedule_data(world: World, **overrides: str) -> dict[str, str]:
    day = schedule_day().isoformat()
    data = {
        "phase": str(world.phase.pk), "title": "III Foro", "starts_at": f"{day}T09:00",
        "ends_at": f"{day}T12:30", "venue": "Salón municipal", "address": "San Martín 100",
        "organizer": "Mesa", "agenda": "Presentación",
    }
    return data | overrides


def test_schedule_reads_the_time_in_the_clusters_zone_and_records_one_event(world: World) -> None:
    with NewEvents() as new:
        response = world.client("coordinator").post(
            reverse("plans:forum-schedule", args=[world.plan.pk]), _schedule_data(world)
        )
    forum = Forum.objects.get(title="III Foro")
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:forum-detail", args=[forum.pk])
    assert forum.starts_at == dt.datetime.combine(schedule_day(), dt.time(12, 0), dt.UTC)
    assert forum.phase == world.phase
    event = new.one()
    assert (event.action, event.object_type, event.object_id) == ("create", "plans.forum", forum.pk)
    assert (event.source, event.actor_id) == ("web", world.users["coordinator"].pk)


def test_schedule_refusal_keeps_the_input_and_speaks_plainly(world: World) -> None:
    with NewEvents() as new:
        response = world.client("coordinator").post(
            reverse("plans:forum-schedule", args=[world.plan.pk]),
            _schedule_data(world, ends_at=f"{schedule_day().isoformat()}T08:00"),
        )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The forum must end after it starts." in html
    assert 'value="III Foro"' in html and "Presentación" in html
    assert "forum_ends_after_start" not in html
    assert new.events == []


@pytest.mark.parametrize("role", ["stakeholder", "auditor"])
def test_readers_cannot_schedule(world: World, role: str) -> None:
    url = reverse("plans:forum-schedule", args=[world.plan.pk])
    assert world.client(role).get(url).status_code == 403
    assert world.client(role).post(url, _schedule_data(world)).status_code == 403
    assert not Forum.objects.filter(title="III Foro").exists()


def test_reschedule_raises_the_calendar_sequence_with_one_reschedule_event(world: World) -> None:
    url = reverse("plans:forum-edit", args=[world.forum.pk])
    client = world.client("coordinator")
    page = client.get(url).content.decode()
    day, next_day = forum_day(), forum_day() + dt.timedelta(days=1)
    assert f'value="{day.isoformat()}T09:00"' in page  # shown in the forum's zone
    data = {"version": str(world.forum.version), "title": world.forum.title, "starts_at": f"{next_day}T09:00",
            "ends_at": f"{next_day}T12:00", "venue": "Sociedad Rural", "address": "Camino del Perú 1050",
            "organizer": ""}
    with NewEvents() as new:
        response = client.post(url, data)
    assert response.status_code == 302
    world.forum.refresh_from_db()
    assert world.forum.starts_at == dt.datetime.combine(next_day, dt.time(12, 0), dt.UTC)
    assert world.forum.sequence == 1
    assert new.one().action == "reschedule"


def test_stale_edit_keeps_the_input_shows_the_current_values_and_writes_nothing(world: World) -> None:
    url = reverse("plans:forum-edit", args=[world.forum.pk])
    shown_version = world.forum.version
    Forum.objects.filter(pk=world.forum.pk).update(version=shown_version + 1, venue="Club Atlético")
    data = {"version": str(shown_version), "title": "Taller renombrado", "starts_at": f"{forum_day()}T09:00",
            "ends_at": "", "venue": "Escuela", "address": "", "organizer": ""}
    with NewEvents() as new:
        response = world.client("coordinator").post(url, data)
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this" in html
    assert 'value="Taller renombrado"' in html and 'value="Escuela"' in html
    assert "Club Atlético" in html  # the current values
    assert f'name="version" value="{shown_version + 1}"' in html
    assert new.events == []


def test_agenda_edit_is_one_update_event(world: World) -> None:
    url = reverse("plans:forum-agenda", args=[world.forum.pk])
    with NewEvents() as new:
        response = world.client("coordinator").post(url, {"version": world.forum.version, "agenda": "Nuevo orden"})
    assert response.status_code == 302
    world.forum.refresh_from_db()
    assert world.forum.agenda == "Nuevo orden"
    assert world.forum.sequence == 0  # the agenda does not move calendars
    assert new.one().action == "update"


def test_cancel_needs_a_reason_then_cancels_with_one_event(world: World) -> None:
    url = reverse("plans:forum-cancel", args=[world.forum.pk])
    client = world.client("coordinator")
    with NewEvents() as new:
        blank = client.post(url, {"version": world.forum.version, "reason": " "})
        assert blank.status_code == 200 and "This field is required." in blank.content.decode()
        assert new.events == []
        response = client.post(url, {"version": world.forum.version, "reason": "Lluvia"})
    assert response.status_code == 302
    world.forum.refresh_from_db()
    assert world.forum.status == Forum.Status.CANCELLED
    event = new.one()
    assert event.action == "transition" and event.reason == "Lluvia"


def test_hold_records_the_minutes_once_the_forum_started(world: World) -> None:
    past = ForumFactory.create(phase=world.phase, starts_at=timezone.now() - dt.timedelta(hours=2))
    with NewEvents() as new:
        response = world.client("coordinator").post(
            reverse("plans:forum-hold", args=[past.pk]), {"version": past.version, "minutes": "Se acordó X."}
        )
    assert response.status_code == 302
    past.refresh_from_db()
    assert (past.status, past.minutes) == (Forum.Status.HELD, "Se acordó X.")
    assert new.one().action == "transition"


def test_hold_before_the_start_is_refused_in_plain_language(world: World) -> None:
    assert world.forum.starts_at > timezone.now()  # still ahead: the refusal is what is under test
    with NewEvents() as new:
        response = world.client("coordinator").post(
            reverse("plans:forum-hold", args=[world.forum.pk]), {"version": world.forum.version, "minutes": "Acta"}
        )
    assert response.status_code == 409
    assert "A forum cannot be recorded as held before it starts." in response.content.decode()
    assert "Acta" in response.content.decode()
    assert new.events == []


@pytest.mark.parametrize("name", ["plans:forum-edit", "plans:forum-agenda", "plans:forum-cancel", "plans:forum-hold"])
def test_action_pages_on_get_write_nothing_and_carry_csrf_and_version(world: World, name: str) -> None:
    before = HistoryEvent.objects.count()
    response = world.client("coordinator").get(reverse(name, args=[world.forum.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "csrfmiddlewaretoken" in html
    assert f'name="version" value="{world.forum.version}"' in html
    assert HistoryEvent.objects.count() == before


def test_posts_need_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.users["coordinator"])
    response = client.post(reverse("plans:forum-cancel", args=[world.forum.pk]),
                           {"version": world.forum.version, "reason": "x"})
    assert response.status_code == 403
    world.forum.refresh_from_db()
    assert world.forum.status == Forum.Status.SCHEDULED


@pytest.mark.parametrize("name", ["plans:forum-cancel", "plans:forum-agenda"])
@pytest.mark.parametrize("role", ["stakeholder", "auditor"])
def test_readers_cannot_post_forum_actions(world: World, name: str, role: str) -> None:
    response = world.client(role).post(reverse(name, args=[world.forum.pk]),
                                       {"version": world.forum.version, "reason": "x", "agenda": "x"})
    assert response.status_code == 403
    world.forum.refresh_from_db()
    assert (world.forum.status, world.forum.agenda) == (Forum.Status.SCHEDULED, "Apertura\nFODA")


def test_forum_list_query_count_is_flat(world: World) -> None:
    client = world.client("coordinator")
    url = reverse("plans:forum-list", args=[world.plan.pk])
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(8):
        forum = ForumFactory.create(phase=world.phase)
        ForumAttendanceFactory.create(forum=forum, organization=world.organizations[0])
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_forum_detail_and_phase_list_query_counts_are_flat(world: World) -> None:
    client = world.client("coordinator")
    detail = reverse("plans:forum-detail", args=[world.forum.pk])
    phases = reverse("plans:phase-list", args=[world.plan.pk])
    client.get(detail)
    with CaptureQueriesContext(connection) as small_detail:
        client.get(detail)
    with CaptureQueriesContext(connection) as small_phases:
        client.get(phases)
    for organization in add_members(world.cluster, 10):
        ForumAttendanceFactory.create(forum=world.forum, organization=organization)
    for _ in range(4):
        AgreementFactory.create(plan=world.plan, forum=world.forum)
    for order in range(3, 9):
        PhaseFactory.create(plan=world.plan, order=order)
    with CaptureQueriesContext(connection) as large_detail:
        response = client.get(detail)
    with CaptureQueriesContext(connection) as large_phases:
        client.get(phases)
    assert "10 organizations present" in response.content.decode()
    assert (len(large_detail), len(large_phases)) == (len(small_detail), len(small_phases))


def test_an_action_without_the_row_version_is_refused_not_applied_blindly(world: World) -> None:
    with NewEvents() as new:
        response = world.client("coordinator").post(reverse("plans:forum-cancel", args=[world.forum.pk]),
                                                    {"reason": "Lluvia"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    world.forum.refresh_from_db()
    assert world.forum.status == Forum.Status.SCHEDULED
    assert new.events == []
