"""Rules live once, in the services: the API's input serializers do not repeat them, and the
API still answers the documented 400 with field errors from the service's ValidationFailed."""

from __future__ import annotations

import pytest
from dateutil.relativedelta import relativedelta

from plans.api.serializers.consensus import ForumUpdateSerializer
from plans.api.serializers.plans import PhaseUpdateSerializer
from plans.models import Forum, HistoryEvent, Phase
from tests.world import World

pytestmark = pytest.mark.django_db


def test_input_serializers_leave_date_order_to_the_services() -> None:
    times = {"starts_at": "2030-09-20T08:30:00-03:00", "ends_at": "2030-09-20T07:30:00-03:00"}
    forum = ForumUpdateSerializer(data=times, partial=True)
    phase = PhaseUpdateSerializer(data={"planned_start": "2030-09-20", "planned_end": "2030-09-01"}, partial=True)
    assert forum.is_valid(), forum.errors
    assert phase.is_valid(), phase.errors


def test_forum_reschedule_ending_before_it_starts_is_400_with_the_field(world: World) -> None:
    forum = world.own["forum"]
    events = HistoryEvent.objects.count()
    response = world.client("coordinator").patch(
        f"/api/v1/forums/{forum.pk}/", {"ends_at": (forum.starts_at - relativedelta(years=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error" and "ends_at" in body["errors"]
    assert HistoryEvent.objects.count() == events
    assert Forum.objects.get(pk=forum.pk).ends_at == forum.ends_at


def test_phase_planned_end_before_start_is_400_with_the_field(world: World) -> None:
    phase = world.own["pending_phase"]
    response = world.client("coordinator").patch(
        f"/api/v1/phases/{phase.pk}/", {"planned_start": "2030-09-20", "planned_end": "2030-09-01"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "planned_end" in response.json()["errors"]
    assert Phase.objects.get(pk=phase.pk).planned_end == phase.planned_end
