"""Inline rows and deletes also go through the services; a refused row rolls the whole save back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.messages import ERROR, get_messages
from django.test import Client
from django.urls import reverse

from plans.models import RoleAssignment, StrategicLine
from plans.services import plans as plan_services
from projects.services import projects as project_services
from tests.admin_helpers import events_after, form_post_data, last_event_id
from tests.world import SETUP, Side

pytestmark = pytest.mark.django_db


def plan_url(world: Side) -> str:
    return reverse("admin:plans_plan_change", args=[world.plan.pk])


def test_strategic_lines_are_added_and_deleted_inline(coordinator_client: Client, dairy: Side) -> None:
    data = form_post_data(coordinator_client.get(plan_url(dairy)))
    data.update({"strategic_lines-TOTAL_FORMS": "1", "strategic_lines-0-code": "L1",
                 "strategic_lines-0-title": "Calidad de la leche", "strategic_lines-0-order": "1"})
    before = last_event_id()
    assert coordinator_client.post(plan_url(dairy), data).status_code == 302
    line = StrategicLine.objects.get(plan=dairy.plan, code="L1")
    assert [(e.action, e.object_type, e.source) for e in events_after(before)] == [
        ("create", "plans.strategicline", "admin")
    ]

    data = form_post_data(coordinator_client.get(plan_url(dairy)))
    data["strategic_lines-0-DELETE"] = "on"
    before = last_event_id()
    assert coordinator_client.post(plan_url(dairy), data).status_code == 302
    assert not StrategicLine.objects.filter(pk=line.pk).exists()
    assert [(e.action, e.object_id) for e in events_after(before)] == [("delete", line.pk)]


def test_a_refused_inline_row_rolls_back_the_parent_change_too(coordinator_client: Client, dairy: Side) -> None:
    url = reverse("admin:projects_project_change", args=[dairy.project.pk])
    data = form_post_data(coordinator_client.get(url))
    data["title"] = "A new title"
    # A new due date for the inline milestone, without the reason a reschedule needs.
    data["milestones-0-due_date"] = (dairy.milestone.due_date + dt.timedelta(days=10)).isoformat()
    before = last_event_id()
    response = coordinator_client.post(url, data)
    assert response.status_code == 200
    [message] = [str(m) for m in get_messages(response.wsgi_request) if m.level == ERROR]
    assert "reason is required to reschedule" in message
    dairy.project.refresh_from_db()
    dairy.milestone.refresh_from_db()
    assert dairy.project.title == "Project dairy"
    assert dairy.milestone.due_date == dairy.milestone.baseline_due_date
    assert events_after(before) == []


def test_django_refuses_deleting_a_line_projects_hang_from(coordinator_client: Client, dairy: Side) -> None:
    line = plan_services.strategic_line_create(plan_id=dairy.plan.pk, actor=SETUP, code="L1", title="Calidad")
    project_services.project_update(project_id=dairy.project.pk, actor=SETUP, values={"strategic_line": line})
    data = form_post_data(coordinator_client.get(plan_url(dairy)))
    data["strategic_lines-0-DELETE"] = "on"
    before = last_event_id()
    assert coordinator_client.post(plan_url(dairy), data).status_code == 200
    assert StrategicLine.objects.filter(pk=line.pk).exists() and events_after(before) == []


def test_admin_revokes_a_role_through_the_service(admin_client: Client, coordinator: Any) -> None:
    assignment = RoleAssignment.objects.get(user=coordinator)
    before = last_event_id()
    url = reverse("admin:plans_roleassignment_delete", args=[assignment.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    [event] = events_after(before)
    assert (event.action, event.object_type, event.source) == ("delete", "plans.roleassignment", "admin")


def test_plans_and_projects_cannot_be_deleted_only_cancelled(admin_client: Client, dairy: Side) -> None:
    assert admin_client.get(reverse("admin:plans_plan_delete", args=[dairy.plan.pk])).status_code == 403
    assert admin_client.get(reverse("admin:projects_project_delete", args=[dairy.project.pk])).status_code == 403
    actions = admin_client.get(reverse("admin:projects_milestone_changelist")).context["action_form"].fields["action"]
    assert "delete_selected" not in dict(actions.choices)


def test_start_phase_action_follows_the_phase_order(coordinator_client: Client, dairy: Side) -> None:
    from plans.models import Phase

    launch, diagnosis = Phase.objects.filter(plan=dairy.plan).order_by("order")[:2]
    url = reverse("admin:plans_phase_changelist")
    before = last_event_id()
    coordinator_client.post(url, {"action": "start_phase_action", "_selected_action": [launch.pk]})
    launch.refresh_from_db()
    assert launch.status == Phase.Status.ACTIVE
    assert [(e.action, e.source) for e in events_after(before)] == [("transition", "admin")]

    before = last_event_id()
    response = coordinator_client.post(url, {"action": "start_phase_action", "_selected_action": [diagnosis.pk]},
                                       follow=True)
    [message] = [str(m) for m in get_messages(response.wsgi_request) if m.level == ERROR]
    assert "still active" in message
    diagnosis.refresh_from_db()
    assert diagnosis.status == Phase.Status.PENDING and events_after(before) == []
