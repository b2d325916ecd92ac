"""Milestone actions from the pages: start, complete, reschedule, post a progress note.

Role by role (coordinator writes; stakeholder and auditor 403; another cluster 404; anonymous
to the login page), one history event per action with source `web`, stale versions, the
rules' messages in plain language, and the way back (`next`, only on this site).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from plans.models import HistoryEvent, Source
from projects.models import Milestone, MilestoneUpdate
from tests.projects.web import worlds
from tests.projects.web.worlds import PlanWorld

plan_world = worlds.plan_world
TODAY = timezone.localdate


def action_url(name: str, milestone: Milestone) -> str:
    return reverse(f"projects:milestone-{name}", kwargs={"milestone_id": milestone.pk})


def body(name: str, milestone: Milestone, **extra: Any) -> dict[str, Any]:
    bodies: dict[str, dict[str, Any]] = {
        "start": {"version": milestone.version},
        "complete": {"version": milestone.version, "completed_on": TODAY().isoformat(), "note": "Listo",
                     "evidence_url": "https://example.org/acta.pdf"},
        "reschedule": {"version": milestone.version, "due_date": (TODAY() + dt.timedelta(days=40)).isoformat(),
                       "reason": "Demora del proveedor"},
        "update": {"note": "Llegaron los equipos"},
    }
    return {**bodies[name], **extra}


ACTIONS = ["start", "complete", "reschedule", "update"]


@pytest.mark.parametrize("name", ACTIONS)
def test_the_coordinator_gets_the_form_with_the_version_it_shows(plan_world: PlanWorld, name: str) -> None:
    milestone = plan_world.overdue
    response = plan_world.client("coordinator").get(action_url(name, milestone))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Equipar el laboratorio" in html and "Ana Ruiz" in html
    if name != "update":
        assert f'name="version" value="{milestone.version}"' in html
    assert 'name="csrfmiddlewaretoken"' in html


@pytest.mark.parametrize(("name", "action"), [
    ("start", "transition"), ("complete", "complete"), ("reschedule", "reschedule"), ("update", "create"),
])
def test_each_action_writes_exactly_one_event_from_the_web_and_goes_back(
    plan_world: PlanWorld, name: str, action: str
) -> None:
    milestone = plan_world.overdue
    last = HistoryEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    response = plan_world.client("coordinator").post(action_url(name, milestone), body(name, milestone))

    assert response.status_code == 302
    assert response["Location"] == reverse("projects:plan", kwargs={"plan_id": plan_world.plan.pk})
    written = list(HistoryEvent.objects.filter(id__gt=last))
    assert [(e.action, e.object_type) for e in written] == [
        (action, "projects.milestoneupdate" if name == "update" else "projects.milestone")
    ]
    assert written[0].source == Source.WEB and written[0].actor_id == plan_world.users["coordinator"].pk
    milestone.refresh_from_db()
    expected = {"start": Milestone.Status.IN_PROGRESS, "complete": Milestone.Status.COMPLETED}
    assert milestone.status == expected.get(name, Milestone.Status.PENDING)


def test_complete_records_the_date_note_and_evidence(plan_world: PlanWorld) -> None:
    milestone = plan_world.overdue
    plan_world.client("coordinator").post(action_url("complete", milestone), body("complete", milestone))

    milestone.refresh_from_db()
    assert milestone.completed_on == TODAY()
    assert milestone.completion_note == "Listo" and milestone.evidence_url == "https://example.org/acta.pdf"


def test_reschedule_moves_the_due_date_and_keeps_the_baseline(plan_world: PlanWorld) -> None:
    milestone = plan_world.overdue
    baseline = milestone.baseline_due_date
    client = plan_world.client("coordinator")

    client.post(action_url("reschedule", milestone), body("reschedule", milestone))

    milestone.refresh_from_db()
    assert milestone.due_date == TODAY() + dt.timedelta(days=40)
    assert milestone.baseline_due_date == baseline
    event = HistoryEvent.objects.filter(action="reschedule", object_id=milestone.pk).get()
    assert event.reason == "Demora del proveedor"
    form = client.get(action_url("reschedule", milestone)).content.decode()
    assert f"Baseline due date</dt><dd>{baseline:%m/%d/%Y}</dd>" in form  # kept, shown beside the new date


def test_a_progress_note_is_posted_by_the_coordinator(plan_world: PlanWorld) -> None:
    milestone = plan_world.overdue
    plan_world.client("coordinator").post(action_url("update", milestone), body("update", milestone))

    update = MilestoneUpdate.objects.get(milestone=milestone)
    assert update.note == "Llegaron los equipos" and update.author_id == plan_world.users["coordinator"].pk
    assert update.posted_on == TODAY()


def _make_responsible(plan_world: PlanWorld) -> Milestone:
    """The world's stakeholder user becomes the person who answers for the overdue milestone."""
    milestone = plan_world.overdue
    person = milestone.responsible
    assert person is not None
    person.user = plan_world.users["stakeholder"]
    person.save()
    return milestone


@pytest.mark.django_db(transaction=True)  # no test transaction around it: the service brings its own
def test_the_responsible_stakeholder_posts_a_progress_note_from_the_milestone_page(plan_world: PlanWorld) -> None:
    milestone = _make_responsible(plan_world)
    client = plan_world.client("stakeholder")
    page = client.get(reverse("projects:milestone", kwargs={"milestone_id": milestone.pk})).content.decode()
    assert action_url("update", milestone) in page  # the note, and nothing else a coordinator does
    for other in ("start", "complete", "reschedule"):
        assert action_url(other, milestone) not in page
    assert client.get(action_url("update", milestone)).status_code == 200

    response = client.post(action_url("update", milestone), body("update", milestone))

    assert response.status_code == 302
    update = MilestoneUpdate.objects.get(milestone=milestone)
    assert update.author_id == plan_world.users["stakeholder"].pk and update.note == "Llegaron los equipos"
    event = HistoryEvent.objects.order_by("-id").first()
    assert event is not None and event.source == Source.WEB and event.actor_id == plan_world.users["stakeholder"].pk


@pytest.mark.parametrize("name", ["start", "complete", "reschedule"])
def test_the_responsible_stakeholder_still_may_not_act_as_a_coordinator(plan_world: PlanWorld, name: str) -> None:
    milestone = _make_responsible(plan_world)
    client = plan_world.client("stakeholder")
    assert client.get(action_url(name, milestone)).status_code == 403
    assert client.post(action_url(name, milestone), body(name, milestone)).status_code == 403
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.PENDING and milestone.due_date == milestone.baseline_due_date


def test_a_stakeholder_not_responsible_sees_no_note_form_and_gets_the_services_refusal(
    plan_world: PlanWorld,
) -> None:
    milestone = plan_world.overdue  # Ana Ruiz answers for it; the stakeholder user is not her
    client = plan_world.client("stakeholder")
    page = client.get(reverse("projects:milestone", kwargs={"milestone_id": milestone.pk})).content.decode()
    assert action_url("update", milestone) not in page
    response = client.post(action_url("update", milestone), body("update", milestone))
    assert response.status_code == 403
    assert not MilestoneUpdate.objects.filter(milestone=milestone).exists()


@pytest.mark.parametrize("who", ["stakeholder", "auditor"])
@pytest.mark.parametrize("name", ACTIONS)
def test_readers_may_neither_open_nor_post_an_action(plan_world: PlanWorld, who: str, name: str) -> None:
    milestone = plan_world.overdue
    client = plan_world.client(who)
    before = HistoryEvent.objects.count()

    assert client.get(action_url(name, milestone)).status_code == 403
    assert client.post(action_url(name, milestone), body(name, milestone)).status_code == 403
    assert HistoryEvent.objects.count() == before


@pytest.mark.parametrize("name", ACTIONS)
def test_another_clusters_milestone_is_not_found(plan_world: PlanWorld, name: str) -> None:
    client = plan_world.client("coordinator_b")
    before = HistoryEvent.objects.count()

    assert client.get(action_url(name, plan_world.overdue)).status_code == 404
    assert client.post(action_url(name, plan_world.overdue), body(name, plan_world.overdue)).status_code == 404
    assert HistoryEvent.objects.count() == before


@pytest.mark.parametrize("name", ACTIONS)
def test_anonymous_is_sent_to_the_login_page(plan_world: PlanWorld, name: str) -> None:
    client = plan_world.client(None)
    for response in (client.get(action_url(name, plan_world.overdue)),
                     client.post(action_url(name, plan_world.overdue), body(name, plan_world.overdue))):
        assert response.status_code == 302
        assert "next=" in response["Location"]
    plan_world.overdue.refresh_from_db()
    assert plan_world.overdue.status == Milestone.Status.PENDING


def test_a_stale_form_keeps_the_input_shows_the_current_values_and_takes_the_next_submit(
    plan_world: PlanWorld,
) -> None:
    milestone = plan_world.overdue
    shown = milestone.version
    Milestone.objects.filter(pk=milestone.pk).update(title="Equipar el laboratorio (2 equipos)", version=shown + 1)
    client = plan_world.client("coordinator")
    before = HistoryEvent.objects.count()

    response = client.post(action_url("complete", milestone), body("complete", milestone, note="Mi nota larga"))

    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this" in html
    assert "Mi nota larga" in html  # the input is kept
    assert "Equipar el laboratorio (2 equipos)" in html  # the current values are shown
    assert f'name="version" value="{shown + 1}"' in html
    assert HistoryEvent.objects.count() == before

    again = client.post(action_url("complete", milestone), body("complete", milestone, version=shown + 1))
    assert again.status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.COMPLETED


def test_a_refused_action_says_why_in_plain_language_and_keeps_the_input(plan_world: PlanWorld) -> None:
    milestone = plan_world.overdue
    client = plan_world.client("coordinator")
    future = (TODAY() + dt.timedelta(days=3)).isoformat()

    response = client.post(action_url("complete", milestone),
                           body("complete", milestone, completed_on=future, note="Nota conservada"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "future" in html and "Nota conservada" in html
    assert "constraint" not in html.lower() and "milestone_" not in html

    same_day = client.post(action_url("reschedule", milestone),
                           body("reschedule", milestone, due_date=milestone.due_date.isoformat()))
    assert same_day.status_code == 200 and "already due on" in same_day.content.decode()


def test_an_illegal_move_is_a_conflict_with_the_rules_message(plan_world: PlanWorld) -> None:
    milestone = plan_world.overdue
    Milestone.objects.filter(pk=milestone.pk).update(status=Milestone.Status.CANCELLED)
    milestone.refresh_from_db()

    response = plan_world.client("coordinator").post(action_url("start", milestone), body("start", milestone))

    assert response.status_code == 409
    assert "alert" in response.content.decode()


def test_reschedule_needs_a_reason(plan_world: PlanWorld) -> None:
    milestone = plan_world.overdue
    response = plan_world.client("coordinator").post(action_url("reschedule", milestone),
                                                     body("reschedule", milestone, reason=""))

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not HistoryEvent.objects.filter(action="reschedule").exists()


def test_next_is_followed_only_on_this_site(plan_world: PlanWorld) -> None:
    client = plan_world.client("coordinator")
    here = reverse("projects:plan", kwargs={"plan_id": plan_world.plan.pk}) + "?tab=milestones"

    kept = client.post(action_url("update", plan_world.overdue), body("update", plan_world.overdue, next=here))
    assert kept["Location"] == here

    elsewhere = client.post(action_url("update", plan_world.overdue),
                            body("update", plan_world.overdue, next="https://evil.example/"))
    assert elsewhere["Location"] == reverse("projects:plan", kwargs={"plan_id": plan_world.plan.pk})


def test_success_is_announced_on_the_page_it_returns_to(plan_world: PlanWorld) -> None:
    client = plan_world.client("coordinator")
    response = client.post(action_url("start", plan_world.overdue), body("start", plan_world.overdue), follow=True)

    assert response.status_code == 200
    assert "Milestone “Equipar el laboratorio” started." in response.content.decode()


@pytest.mark.parametrize("name", ["complete", "reschedule", "update"])
def test_htmx_gets_the_form_alone_for_the_plan_pages_row(plan_world: PlanWorld, name: str) -> None:
    milestone = plan_world.overdue
    response = plan_world.client("coordinator").get(action_url(name, milestone), {"next": "/plans/1/"},
                                                    headers={"hx-request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and html.lstrip().startswith("<form")
    assert f'action="{action_url(name, milestone)}"' in html and 'name="csrfmiddlewaretoken"' in html
    assert f'id="m{milestone.pk}-{name}-' in html  # ids unique among the rows' forms
    assert "autofocus" in html


def test_htmx_does_not_open_a_form_for_a_reader(plan_world: PlanWorld) -> None:
    response = plan_world.client("auditor").get(action_url("complete", plan_world.overdue),
                                                headers={"hx-request": "true"})
    assert response.status_code == 403
