"""Optimistic concurrency: ETag on details, If-Match on writes, 412 with nothing written."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from plans.models import HistoryEvent, Plan
from tests.world import World

pytestmark = pytest.mark.django_db


def plan_url(world: World) -> str:
    return f"/api/v1/plans/{world.own['plan'].pk}/"


def test_detail_carries_the_version_as_etag(world: World) -> None:
    response = world.client("coordinator").get(plan_url(world))
    assert response.headers["ETag"] == '"1"'
    assert response.json()["version"] == 1


def test_lists_carry_no_etag(world: World) -> None:
    assert "ETag" not in world.client("coordinator").get("/api/v1/plans/").headers


def test_matching_if_match_writes_and_returns_the_new_etag(world: World) -> None:
    response = world.client("coordinator").patch(plan_url(world), {"vision": "Calidad"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    assert Plan.objects.get(pk=world.own["plan"].pk).vision == "Calidad"


@pytest.mark.parametrize("header", ['"7"', "7", 'W/"7"', '"0", "3"'])
def test_stale_if_match_is_412_and_writes_nothing(world: World, header: str) -> None:
    events = HistoryEvent.objects.count()
    response = world.client("coordinator").patch(plan_url(world), {"vision": "Calidad"}, HTTP_IF_MATCH=header)
    assert response.status_code == 412
    assert response.json()["type"] == "stale_version"
    assert set(response.json()) == {"type", "detail", "errors"}
    plan = Plan.objects.get(pk=world.own["plan"].pk)
    assert (plan.vision, plan.version) == ("", 1)
    assert HistoryEvent.objects.count() == events


def test_malformed_if_match_is_412_not_a_500(world: World) -> None:
    response = world.client("coordinator").patch(plan_url(world), {"vision": "x"}, HTTP_IF_MATCH="not-a-tag")
    assert response.status_code == 412


def test_wildcard_or_absent_if_match_writes(world: World) -> None:
    client = world.client("coordinator")
    assert client.patch(plan_url(world), {"vision": "a"}, HTTP_IF_MATCH="*").status_code == 200
    assert client.patch(plan_url(world), {"vision": "b"}).status_code == 200
    assert Plan.objects.get(pk=world.own["plan"].pk).version == 3


def test_if_match_applies_to_actions(world: World) -> None:
    url = f"/api/v1/phases/{world.own['phase'].pk}/skip/"
    client = world.client("coordinator")
    stale = client.post(url, {"reason": "no hace falta"}, HTTP_IF_MATCH='"5"')
    assert stale.status_code == 412
    ok = client.post(url, {"reason": "no hace falta"}, HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "skipped"
    assert ok.headers["ETag"] == '"2"'


def test_second_writer_with_the_same_version_gets_412(world: World) -> None:
    first = world.client("coordinator").patch(plan_url(world), {"title": "A"}, HTTP_IF_MATCH='"1"')
    second = world.client("admin").patch(plan_url(world), {"title": "B"}, HTTP_IF_MATCH='"1"')
    assert (first.status_code, second.status_code) == (200, 412)
    assert Plan.objects.get(pk=world.own["plan"].pk).title == "A"


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_lose_an_update_silently(world: World, on_postgres: None) -> None:
    """Two requests race with the same If-Match: the row lock serialises them, one gets 412."""
    url = plan_url(world)
    users = [world.users["coordinator"], world.users["admin"]]
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def write(user: Any, title: str) -> None:
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        try:
            results.append(client.patch(url, {"title": title}, format="json", HTTP_IF_MATCH='"1"').status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(u, f"T{i}")) for i, u in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 412]
    plan = Plan.objects.get(pk=world.own["plan"].pk)
    assert plan.version == 2
    assert HistoryEvent.objects.filter(object_type="plans.plan", object_id=plan.pk, action="update").count() == 1
