"""The plan page (`projects:plan`), role by role, and its query count at two sizes."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans.models import Plan, Source
from plans.services.history import Actor
from projects.services.milestones import milestone_reschedule
from tests.projects.web import worlds
from tests.projects.web.worlds import PlanWorld, add_projects

plan_world = worlds.plan_world

WRITE_MARKERS = ("/complete/", "/reschedule/", "/start/", 'name="csrfmiddlewaretoken" value', "Post a note")


def url(world: PlanWorld, plan: Plan | None = None) -> str:
    return reverse("projects:plan", kwargs={"plan_id": (plan or world.plan).pk})


def write_controls(html: str) -> list[str]:
    """Write controls of the page body (the header's logout and the footer's language forms aside)."""
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return [marker for marker in WRITE_MARKERS if marker in main]


def test_the_coordinator_sees_the_whole_plan_with_its_actions(plan_world: PlanWorld) -> None:
    response = plan_world.client("coordinator").get(url(plan_world))

    assert response.status_code == 200
    html = response.content.decode()
    assert "PMC Lácteo" in html and "Clúster Lácteo de Tucumán" in html  # the header names the cluster
    assert 'aria-current="step"' in html and "Diagnóstico" in html  # the active phase is marked
    assert "Calidad de leche" in html and "P-01" in html and "<progress" in html
    assert "Equipar el laboratorio" in html and "Ana Ruiz" in html and "5 days" in html
    assert "Primer muestreo" in html
    assert "<svg" in html and "Programme grant (ANR)" in html  # chart and table of the money
    assert reverse("projects:milestone-complete", kwargs={"milestone_id": plan_world.overdue.pk}) in html
    assert reverse("projects:milestone-reschedule", kwargs={"milestone_id": plan_world.overdue.pk}) in html
    assert set(write_controls(html)) == set(WRITE_MARKERS)


@pytest.mark.parametrize("who", ["stakeholder", "auditor"])
def test_readers_see_it_all_and_no_write_control(plan_world: PlanWorld, who: str) -> None:
    response = plan_world.client(who).get(url(plan_world))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Equipar el laboratorio" in html and "P-01" in html and "<svg" in html
    assert write_controls(html) == []


def test_a_closed_plan_shows_no_write_control_even_to_its_coordinator(plan_world: PlanWorld) -> None:
    Plan.objects.filter(pk=plan_world.plan.pk).update(status=Plan.Status.CLOSED)

    response = plan_world.client("coordinator").get(url(plan_world))

    assert response.status_code == 200
    assert write_controls(response.content.decode()) == []


def test_another_clusters_plan_is_not_found(plan_world: PlanWorld) -> None:
    assert plan_world.client("coordinator_b").get(url(plan_world)).status_code == 404
    assert plan_world.client("coordinator").get(url(plan_world, plan_world.plan_b)).status_code == 404
    assert plan_world.client("coordinator").get("/plans/999999/").status_code == 404


def test_the_admin_sees_every_plan(plan_world: PlanWorld) -> None:
    assert plan_world.client("admin").get(url(plan_world, plan_world.plan_b)).status_code == 200


def test_anonymous_is_sent_to_the_login_page(plan_world: PlanWorld) -> None:
    response = plan_world.client(None).get(url(plan_world))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL) if ":" in settings.LOGIN_URL
                                           else settings.LOGIN_URL)


def test_a_post_to_the_page_is_refused(plan_world: PlanWorld) -> None:
    assert plan_world.client("coordinator").post(url(plan_world)).status_code == 405


def test_the_last_changes_say_who_when_and_what(plan_world: PlanWorld) -> None:
    milestone_reschedule(milestone_id=plan_world.soon.pk, actor=Actor(plan_world.users["coordinator"], Source.WEB),
                         due_date=plan_world.soon.due_date.replace(year=plan_world.soon.due_date.year + 1),
                         reason="Lluvias", expected_version=plan_world.soon.version)

    html = plan_world.client("auditor").get(url(plan_world)).content.decode()

    history = html.split('id="history-title"', 1)[1]
    assert "coordinator" in history and "rescheduled" in history and "Primer muestreo" in history
    assert "Due date" in history and "→" in history and "Lluvias" in history


def _queries(world: PlanWorld) -> int:
    client = world.client("coordinator")
    client.get(url(world))  # warm: session, caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url(world)).status_code == 200
    return len(captured.captured_queries)


def test_query_count_is_flat_in_the_number_of_projects_and_milestones(plan_world: PlanWorld) -> None:
    add_projects(plan_world.plan, 2, 3)
    small = _queries(plan_world)
    add_projects(plan_world.plan, 12, 6)
    large = _queries(plan_world)

    assert small == large, f"{small} queries with 3 projects, {large} with 15"


def test_the_page_costs_the_dashboards_queries_plus_the_session(plan_world: PlanWorld) -> None:
    add_projects(plan_world.plan, 12, 6)

    # The session and its user; the user's roles (cached across reads in production, forgotten
    # by this test's client); the plan row, which carries the page's own four lists (milestones
    # to act on, money, indicators, open agreements); the dashboard's five (phases, lines,
    # projects with their counts, next forum, history). The API's dashboard costs the same five
    # after the token and the plan row.
    assert _queries(plan_world) == 9


def test_a_creation_is_named_not_listed_and_links_to_other_rows_are_left_out() -> None:
    from projects.web.plan_display import readable_event

    base = {"id": 1, "occurred_at": timezone.now(), "actor": None, "actor_label": "", "source": "command",
            "object_type": "projects.milestone", "object_id": 5, "object_repr": "Hito", "reason": ""}
    created = readable_event({**base, "action": "create", "changes": {"title": [None, "Hito"], "project": [None, 2]}})
    changed = readable_event({**base, "action": "transition", "changes": {
        "status": ["pending", "in_progress"], "responsible": [3, 4], "weight": [1, 2]}})

    assert created["changes_shown"] == [] and created["verb"] == "created"
    assert created["type_label"] == "milestone" and created["source_label"] == "command"
    assert changed["changes_shown"] == [
        {"label": "status", "old": "pending", "new": "in progress"},  # the choice's label, not its value
        {"label": "weight", "old": 1, "new": 2},
    ]
