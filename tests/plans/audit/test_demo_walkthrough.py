"""The issue's "done when", on the demo data: the demo auditor lists the Tucumán plan's
history with the launch forum, sees the plan just before a change, exports it, verifies;
after a raw-SQL edit of one event, verification names that event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from plans.models import HistoryEvent, Plan

from .helpers import as_attacker

pytestmark = pytest.mark.django_db


def test_demo_auditor_walkthrough(client_for: Callable[..., Any]) -> None:
    call_command("load_demo", verbosity=0)
    auditor = get_user_model().objects.get(username="auditor")
    plan = Plan.objects.get(cluster__slug="lacteo-tucuman")
    client = client_for(auditor)

    events: list[dict[str, Any]] = []
    url: str | None = f"/api/v1/plans/{plan.pk}/history/?page_size=200"
    while url:
        body = client.get(url).json()
        events += body["results"]
        url = body["next"]
    assert len(events) == HistoryEvent.objects.filter(plan_id=plan.pk).count()
    launch = [e for e in events if e["object_type"] == "plans.forum" and "Lanzamiento" in e["object_label"]]
    assert {e["action"] for e in launch} >= {"create"}

    # Pick the change that started the launch phase; the plan just before it had no active phase.
    started = next(e for e in reversed(events) if e["object_type"] == "plans.phase" and any(
        c["field"] == "status" and c["new"] == "active" for c in e["changes"]))
    before = dt.datetime.fromisoformat(started["occurred_at"]) - dt.timedelta(microseconds=1)
    then = client.get(f"/api/v1/plans/{plan.pk}/", {"as_of": before.isoformat()})
    assert then.status_code == 200, then.json()
    phase = next(p for p in then.json()["phases"] if p["id"] == started["object_id"])
    assert phase["status"] == "pending"
    board = client.get(f"/api/v1/plans/{plan.pk}/dashboard/", {"as_of": before.isoformat()}).json()
    assert all(e["id"] < started["id"] for e in board["history"])
    response = client.get(f"/api/v1/plans/{plan.pk}/compare/", {"from": before.isoformat()})
    assert any(o["object_id"] == started["object_id"] for o in response.json()["objects"])

    export = client.get(f"/api/v1/plans/{plan.pk}/history/export/", {"format": "jsonl"})
    assert b"".join(export.streaming_content).count(b"\n") == len(events)  # type: ignore[attr-defined]
    assert client.get("/api/v1/audit/verify/").json()["ok"] is True

    target = events[len(events) // 2]["id"]
    with as_attacker() as cursor:
        cursor.execute("UPDATE plans_historyevent SET reason = 'retocado' WHERE id = %s", [target])
    report = client.get("/api/v1/audit/verify/").json()
    assert report["ok"] is False and report["first_bad_sequence"] == target
