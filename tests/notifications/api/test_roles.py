"""The notifications API and public token pages: who manages and who reads what."""

from __future__ import annotations

from typing import Any

import pytest
from icalendar import Calendar
from rest_framework.test import APIClient

from notifications.models import Delivery, NotificationProfile, Subscription
from notifications.services.recipients import ensure_profiles
from notifications.services.subscriptions import calendar_token_rotate
from plans.models import Source
from plans.services.history import Actor
from tests.factories import ForumFactory, PhaseFactory, StakeholderFactory
from tests.world import World

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_stakeholder_manages_only_their_own_subscriptions(world: World) -> None:
    ensure_profiles(cluster_id=world.cluster.pk)
    client = client_for(world.stakeholder_user)
    listed = client.get("/api/v1/subscriptions/").json()["results"]
    assert [row["stakeholder"] for row in listed] == [world.ana.pk]
    created = client.post("/api/v1/subscriptions/", {
        "stakeholder": world.ana.pk, "scope": "project", "scope_id": world.project.pk,
        "events": ["milestone_update_posted"], "frequency": "weekly"})
    assert created.status_code == 201, created.json()
    assert created["ETag"] == '"1"'
    others = Subscription.objects.get(stakeholder=world.bob)
    assert client.patch(f"/api/v1/subscriptions/{others.pk}/", {"frequency": "daily"}).status_code == 404
    refused = client.post("/api/v1/subscriptions/", {"stakeholder": world.bob.pk, "scope": "cluster",
                                                      "scope_id": world.cluster.pk})
    assert refused.status_code == 403
    own = Subscription.objects.get(stakeholder=world.ana, scope="cluster")
    stale = client.patch(f"/api/v1/subscriptions/{own.pk}/", {"frequency": "daily"}, HTTP_IF_MATCH='"9"')
    assert stale.status_code == 412
    assert client.patch(f"/api/v1/subscriptions/{own.pk}/", {"frequency": "daily"}).json()["frequency"] == "daily"


def test_subscription_scope_must_be_in_the_stakeholders_cluster(world: World) -> None:
    other = StakeholderFactory.create()
    response = client_for(world.coordinator).post("/api/v1/subscriptions/", {
        "stakeholder": world.ana.pk, "scope": "cluster", "scope_id": other.cluster_id})
    assert response.status_code == 400 and "scope_id" in response.json()["errors"]
    bad_kind = client_for(world.coordinator).post("/api/v1/subscriptions/", {
        "stakeholder": world.ana.pk, "scope": "plan", "scope_id": world.plan.pk, "events": ["gossip"]})
    assert bad_kind.status_code == 400


def test_deliveries_are_for_coordinators_and_auditors(world: World) -> None:
    Delivery.objects.create(dedup_key="k1", kind="milestone_completed", to_email=world.bob.email,
                            stakeholder=world.bob, cluster=world.cluster, event_id=7, status="sent")
    for user in (world.coordinator, world.auditor):
        query = {"recipient": str(world.bob.pk), "status": "sent", "event": "7"}
        rows = client_for(user).get("/api/v1/deliveries/", query).json()["results"]
        assert [r["to_email"] for r in rows] == [world.bob.email]
    assert client_for(world.stakeholder_user).get("/api/v1/deliveries/").json()["results"] == []
    assert client_for(world.auditor).post("/api/v1/subscriptions/", {}).status_code == 403


def test_reminder_policy_by_plan(world: World) -> None:
    client = client_for(world.coordinator)
    created = client.post("/api/v1/reminder-policies/", {"plan": world.plan.pk, "due_soon_days": [10, 3]})
    assert created.status_code == 201 and created.json()["due_soon_days"] == [10, 3]
    listed = client.get("/api/v1/reminder-policies/", {"plan": world.plan.pk}).json()["results"]
    assert listed[0]["overdue_every_days"] == 7
    assert client_for(world.stakeholder_user).post(
        "/api/v1/reminder-policies/", {"plan": world.plan.pk}).status_code == 403


def test_calendar_feed_by_secret_token_which_can_be_revoked(world: World, client: Any) -> None:
    ensure_profiles(cluster_id=world.cluster.pk)
    forum = ForumFactory.create(phase=PhaseFactory.create(plan=world.plan), title="Foro de lanzamiento")
    token = NotificationProfile.objects.get(stakeholder=world.ana).calendar_token
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    uids = {str(e["UID"]) for e in calendar.walk("VEVENT")}
    assert uids == {f"forum-{forum.pk}@pmc-tracker", f"milestone-{world.milestone.pk}@pmc-tracker"}
    calendar_token_rotate(stakeholder_id=world.ana.pk, actor=Actor(user=world.stakeholder_user, source=Source.API))
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get("/calendar/nope.ics").status_code == 404
