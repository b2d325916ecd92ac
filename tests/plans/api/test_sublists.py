"""Sub-lists of an object are paginated like every list (api.md), and plan progress is a
decimal string like the projects' progress."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plans.models import Plan
from tests.factories import ForumAttendanceFactory, OrganizationFactory, PositionFactory
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("route", ["forums/{forum}/attendance/", "agreements/{agreement}/positions/"])
def test_attendance_and_positions_are_paginated(world: World, route: str) -> None:
    forum, agreement = world.own["forum"], world.own["agreement"]
    for _ in range(3):
        org = OrganizationFactory.create(cluster=world.own.cluster)
        ForumAttendanceFactory.create(forum=forum, organization=org)
        PositionFactory.create(agreement=agreement, organization=org)
    url = "/api/v1/" + route.format(forum=forum.pk, agreement=agreement.pk)
    client = world.client("coordinator")
    body = client.get(url).json()
    assert set(body) == {"count", "next", "previous", "results"}
    total = body["count"]
    assert total >= 4 and len(body["results"]) == total
    page = client.get(url, {"page_size": 2}).json()
    assert len(page["results"]) == 2 and page["next"] and page["previous"] is None
    ids = [row["id"] for row in page["results"]] + [row["id"] for row in client.get(page["next"]).json()["results"]]
    assert len(set(ids)) == 4


def test_plan_progress_is_a_decimal_string(world: World) -> None:
    plan = world.own["plan"]
    Plan.objects.filter(pk=plan.pk).update(progress=Decimal("80"))
    client = world.client("coordinator")
    assert client.get(f"/api/v1/plans/{plan.pk}/").json()["progress"] == "80.00"
    listed = {row["id"]: row["progress"] for row in client.get("/api/v1/plans/").json()["results"]}
    assert listed[plan.pk] == "80.00"


def test_schema_documents_paginated_sublists_and_decimal_progress(world: World) -> None:
    schema = world.client("coordinator").get("/api/v1/schema/", {"format": "json"}).json()
    for path in ("/api/v1/forums/{id}/attendance/", "/api/v1/agreements/{id}/positions/"):
        ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok["$ref"].startswith("#/components/schemas/Paginated"), path
        assert {"page", "page_size"} <= {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
    progress = schema["components"]["schemas"]["Plan"]["properties"]["progress"]
    assert (progress["type"], progress.get("format")) == ("string", "decimal")
