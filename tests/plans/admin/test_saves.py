"""Admin saves of plans and clusters go through the services: same rules, same history, source "admin"."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from plans.models import Plan, Source
from tests.admin_helpers import change_url, error_messages, events_after, form_post_data, last_event_id
from tests.world import Side

pytestmark = pytest.mark.django_db


def test_editing_a_plan_records_one_admin_event(coordinator_client: Client, coordinator: Any, dairy: Side) -> None:
    data = form_post_data(coordinator_client.get(change_url(dairy.plan)))
    data["title"] = "Plan de Mejora Competitiva"
    before = last_event_id()
    response = coordinator_client.post(change_url(dairy.plan), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    dairy.plan.refresh_from_db()
    assert dairy.plan.title == "Plan de Mejora Competitiva"
    [event] = events_after(before)
    assert (event.source, event.action, event.object_type) == (Source.ADMIN, "update", "plans.plan")
    assert event.actor_id == coordinator.pk
    assert event.changes == {"title": ["Plan dairy", "Plan de Mejora Competitiva"]}


def test_an_illegal_transition_is_refused_with_its_reason_and_changes_nothing(
    coordinator_client: Client, dairy: Side
) -> None:
    data = form_post_data(coordinator_client.get(change_url(dairy.plan)))
    data.update(status=Plan.Status.CLOSED, title="Also changed")
    before = last_event_id()
    response = coordinator_client.post(change_url(dairy.plan), data)
    assert response.status_code == 200  # the form again, not a redirect
    [message] = error_messages(response)
    assert "cannot move from" in message and "draft" in message
    assert response.context["adminform"].form.errors
    dairy.plan.refresh_from_db()
    assert (dairy.plan.status, dairy.plan.title) == (Plan.Status.DRAFT, "Plan dairy")
    assert events_after(before) == []


def test_a_legal_transition_from_the_form_records_a_transition_event(
    coordinator_client: Client, dairy: Side
) -> None:
    data = form_post_data(coordinator_client.get(change_url(dairy.plan)))
    data["status"] = Plan.Status.FORMULATION
    before = last_event_id()
    assert coordinator_client.post(change_url(dairy.plan), data).status_code == 302
    [event] = events_after(before)
    assert (event.action, event.source, event.changes["status"]) == ("transition", "admin", ["draft", "formulation"])


def test_admin_adds_a_cluster_through_the_service(admin_client: Client) -> None:
    from plans.models import Cluster

    data = {"name": "Cluster Quesero de Villa María", "slug": "quesero-villa-maria",
            "time_zone": "America/Argentina/Cordoba",
            "key_figures-TOTAL_FORMS": "1", "key_figures-INITIAL_FORMS": "0",
            "key_figures-0-name": "Firms sharing the ripening room", "key_figures-0-value": "12",
            "key_figures-0-unit": "firms"}
    before = last_event_id()
    response = admin_client.post(reverse("admin:plans_cluster_add"), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    cluster = Cluster.objects.get(slug="quesero-villa-maria")
    assert cluster.key_figures.get().value == 12
    assert [(e.action, e.object_type, e.source) for e in events_after(before)] == [
        ("create", "plans.cluster", "admin"), ("create", "plans.keyfigure", "admin"),
    ]
