"""GET /plans/{id}/dashboard/ live and `?as_of=`: one shape (one serializer, one set of keys)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.projects.history_story import Story, tell

pytestmark = pytest.mark.django_db
MICRO = dt.timedelta(microseconds=1)


@pytest.fixture
def story(db: Any) -> Story:
    return tell()


def client_of(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def shape(value: Any) -> Any:
    """The keys at every level (a list by the shape of its first item); an event's `changes` is
    the recorded map of that event, a value rather than a shape."""
    if isinstance(value, dict):
        return {key: None if key == "changes" else shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None


def dashboard(story: Story, **params: str) -> dict[str, Any]:
    response = client_of(story.users["auditor"]).get(f"/api/v1/plans/{story.plan.pk}/dashboard/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_live_and_as_of_have_the_same_keys_at_every_level(story: Story) -> None:
    live = dashboard(story)
    then = dashboard(story, as_of=(story.moments["completed"].occurred_at - MICRO).isoformat())

    assert shape(then) == shape(live)
    assert live["projects"] and live["phases"] and live["history"] and live["next_forum"]
    assert set(live["milestone_counts"]) == {"total", "completed", "overdue", "due_soon"}
    assert not {"recent_history", "exists", "due_in_14_days"} & {*live, *then, *then["milestone_counts"]}


def test_as_of_now_is_the_live_dashboard(story: Story) -> None:
    live = dashboard(story)
    now = dashboard(story, as_of=timezone.now().isoformat())

    assert now["as_of"] is not None and live["as_of"] is None
    for key in ("plan", "phases", "strategic_lines", "projects", "milestone_counts", "next_forum", "history"):
        assert now[key] == live[key], key


def test_as_of_just_before_the_completion_shows_the_milestone_open(story: Story) -> None:
    before = dashboard(story, as_of=(story.moments["completed"].occurred_at - MICRO).isoformat())
    live = dashboard(story)

    assert before["milestone_counts"]["overdue"] == 1 and live["milestone_counts"]["overdue"] == 0
    assert before["milestone_counts"]["completed"] == 0 and live["milestone_counts"]["completed"] == 1
    assert before["projects"][0]["progress"] == "0.00" and live["projects"][0]["progress"] == "20.00"
    assert before["history"][0]["id"] == story.moments["completed"].pk - 1


def test_before_the_plan_existed_the_plan_is_null_and_the_lists_empty(story: Story) -> None:
    then = dashboard(story, as_of="2000-01-01")

    assert then["plan"] is None and then["projects"] == [] and then["history"] == []
    assert then["milestone_counts"] == {"total": 0, "completed": 0, "overdue": 0, "due_soon": 0}


def test_stakeholders_may_read_the_dashboard_but_not_as_of(story: Story) -> None:
    client = client_of(story.users["stakeholder"])
    url = f"/api/v1/plans/{story.plan.pk}/dashboard/"

    assert client.get(url).status_code == 200
    assert client.get(url, {"as_of": timezone.now().isoformat()}).status_code == 403


def test_the_schema_names_one_dashboard_shape() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    ok = schema["paths"]["/api/v1/plans/{id}/dashboard/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ok["schema"] == {"$ref": "#/components/schemas/Dashboard"}
    assert "PlanDashboardResponse" not in schema["components"]["schemas"]
    assert "DashboardAsOf" not in schema["components"]["schemas"]
