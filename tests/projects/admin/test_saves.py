"""Admin saves of projects and milestones go through the services: same rules, same history, source "admin"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import SUCCESS, get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects.models import Milestone
from tests.admin_helpers import change_url, error_messages, events_after, form_post_data, last_event_id
from tests.world import Side

pytestmark = pytest.mark.django_db


def test_adding_a_milestone_inline_calls_the_service(coordinator_client: Client, dairy: Side) -> None:
    data = form_post_data(coordinator_client.get(change_url(dairy.project)))
    prefix = "milestones"
    row = int(data[f"{prefix}-TOTAL_FORMS"])
    due = timezone.localdate() + dt.timedelta(days=20)
    data.update({f"{prefix}-TOTAL_FORMS": str(row + 1), f"{prefix}-{row}-title": "Pliego de licitación",
                 f"{prefix}-{row}-due_date": due.isoformat(), f"{prefix}-{row}-weight": "2"})
    before = last_event_id()
    response = coordinator_client.post(change_url(dairy.project), data)
    assert response.status_code == 302
    milestone = Milestone.objects.get(project=dairy.project, title="Pliego de licitación")
    assert (milestone.due_date, milestone.baseline_due_date, milestone.weight) == (due, due, 2)
    events = events_after(before)
    assert {(e.action, e.object_type, e.source) for e in events} == {("create", "projects.milestone", "admin")}


def test_a_new_due_date_needs_a_reason_and_keeps_the_baseline(coordinator_client: Client, dairy: Side) -> None:
    milestone = dairy.milestone
    baseline = milestone.due_date
    new_due = baseline + dt.timedelta(days=30)
    data = form_post_data(coordinator_client.get(change_url(milestone)))
    data["due_date"] = new_due.isoformat()
    before = last_event_id()
    response = coordinator_client.post(change_url(milestone), data)
    assert response.status_code == 200 and error_messages(response)
    assert "reschedule_reason" in response.context["adminform"].form.errors
    assert events_after(before) == []

    data["reschedule_reason"] = "Supplier delay"
    assert coordinator_client.post(change_url(milestone), data).status_code == 302
    milestone.refresh_from_db()
    assert (milestone.due_date, milestone.baseline_due_date) == (new_due, baseline)
    [event] = events_after(before)
    assert (event.action, event.reason, event.source) == ("reschedule", "Supplier delay", "admin")


def test_complete_action_calls_the_service_and_reports_refusals(coordinator_client: Client, dairy: Side) -> None:
    url = reverse("admin:projects_milestone_changelist")
    action = {"action": "complete_today_action", "_selected_action": [dairy.milestone.pk]}
    before = last_event_id()
    coordinator_client.post(url, action)
    dairy.milestone.refresh_from_db()
    assert dairy.milestone.status == Milestone.Status.COMPLETED
    assert [e.action for e in events_after(before) if e.object_type == "projects.milestone"] == ["complete"]

    before = last_event_id()
    response = coordinator_client.post(url, action, follow=True)
    [message] = error_messages(response)
    assert dairy.milestone.title in message
    assert events_after(before) == []


def test_action_reports_its_count_as_a_real_plural(coordinator_client: Client, dairy: Side) -> None:
    url = reverse("admin:projects_milestone_changelist")
    action = {"action": "start_action", "_selected_action": [dairy.milestone.pk]}
    response = coordinator_client.post(url, action, follow=True)
    assert [str(m) for m in get_messages(response.wsgi_request) if m.level == SUCCESS] == ["1 milestone started."]

    coordinator_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "es"  # singular form of the Spanish catalogue
    action["action"] = "complete_today_action"
    response = coordinator_client.post(url, action, follow=True)
    assert [str(m) for m in get_messages(response.wsgi_request) if m.level == SUCCESS] == ["1 hito completado."]


def test_a_coordinator_cannot_act_on_another_cluster(coordinator_client: Client, fruit: Side) -> None:
    data = {"action": "complete_today_action", "_selected_action": [fruit.milestone.pk]}
    coordinator_client.post(reverse("admin:projects_milestone_changelist"), data)
    fruit.milestone.refresh_from_db()
    assert fruit.milestone.status == Milestone.Status.PENDING
    response = coordinator_client.post(change_url(fruit.plan), {"title": "Taken over"})
    assert response.status_code == 302  # not found for them: redirected to the index
    fruit.plan.refresh_from_db()
    assert fruit.plan.title == "Plan fruit"


def test_project_action_refuses_a_move_the_transitions_map_lacks(coordinator_client: Client, dairy: Side) -> None:
    url = reverse("admin:projects_project_changelist")
    before = last_event_id()
    response = coordinator_client.post(
        url, {"action": "start_execution_action", "_selected_action": [dairy.project.pk]}, follow=True
    )
    [message] = error_messages(response)
    assert "idea" in message and "“in execution”" in message  # the status label, not its code
    dairy.project.refresh_from_db()
    assert dairy.project.status == "idea" and events_after(before) == []


def test_the_admin_approves_a_single_beneficiary_project_only_by_an_explicit_override(
    coordinator_client: Client, dairy: Side,
) -> None:
    from projects.models import Project

    project = dairy.project
    Project.objects.filter(pk=project.pk).update(status=Project.Status.PRIORITISED)
    data = form_post_data(coordinator_client.get(change_url(project)))
    data.update(status=Project.Status.APPROVED, transition_reason="forum III")
    before = last_event_id()
    refused = coordinator_client.post(change_url(project), data)
    assert refused.status_code == 200 and error_messages(refused)
    data["collective_benefit_override"] = "The province's only laboratory"
    unconfirmed = coordinator_client.post(change_url(project), data)
    assert unconfirmed.status_code == 200 and error_messages(unconfirmed)
    assert events_after(before) == []
    data["confirm_override"] = "on"
    assert coordinator_client.post(change_url(project), data).status_code == 302
    project.refresh_from_db()
    assert project.status == "approved"
    assert project.collective_benefit_override_reason == "The province's only laboratory"
    [event] = [e for e in events_after(before) if e.object_type == "projects.project"]
    assert event.reason == "forum III" and event.context["collective_benefit_override"] is True
