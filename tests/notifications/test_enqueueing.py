"""Enqueueing: one row per dedup key, whichever insert path the backend takes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from notifications.models import Delivery
from notifications.services import enqueueing
from notifications.services.recipients import Recipient
from tests.world import World

pytestmark = pytest.mark.django_db


def rows(world: World, occurrence: str) -> list[enqueueing.NewDelivery]:
    people = [Recipient(email=p.email, language=p.language, time_zone=p.time_zone, stakeholder_id=p.pk)
              for p in (world.ana, world.bob)]
    at = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    return [enqueueing.build_delivery(
        occurrence=occurrence, recipient=person, kind="milestone_due_soon", cluster_id=world.cluster.pk,
        plan_id=world.plan.pk, object_type="projects.milestone", object_id=world.milestone.pk, scheduled_for=at,
        payload={"days": 7, "due_date": "2026-12-15"},
    ) for person in people]


def test_a_key_is_inserted_once_and_only_new_ids_come_back(world: World) -> None:
    first = enqueueing.insert_deliveries(rows(world, "due7:m1"))
    assert len(first) == 2 and sorted(Delivery.objects.values_list("pk", flat=True)) == first
    assert enqueueing.insert_deliveries(rows(world, "due7:m1")) == []  # the same beat run again
    mixed = rows(world, "due7:m1")[:1] + rows(world, "due1:m1")[1:]
    again = enqueueing.insert_deliveries(mixed)
    assert len(again) == 1 and Delivery.objects.get(pk=again[0]).to_email == world.bob.email


def test_without_the_precheck_a_repeated_key_is_still_skipped(world: World) -> None:
    enqueueing.insert_deliveries(rows(world, "event:1"), precheck=False, return_ids=False)
    enqueueing.insert_deliveries(rows(world, "event:1"), precheck=False, return_ids=False)  # a racing dispatcher
    assert Delivery.objects.count() == 2


def test_both_insert_paths_write_the_same_row(world: World, on_postgres: None) -> None:
    orm, unnest = rows(world, "orm")[0], rows(world, "unnest")[0]
    enqueueing.insert_orm([orm])
    enqueueing.insert_unnest([unnest])
    enqueueing.insert_orm([orm])  # ignore_conflicts: no error, no second row
    first, second = Delivery.objects.get(dedup_key=orm.dedup_key), Delivery.objects.get(dedup_key=unnest.dedup_key)
    assert Delivery.objects.count() == 2
    ignored = {"id", "dedup_key"}
    assert {k: v for k, v in model_to_dict(first).items() if k not in ignored} == {
        k: v for k, v in model_to_dict(second).items() if k not in ignored
    }
    assert (first.status, first.attempts, first.channel, first.payload) == ("pending", 0, "email", orm.payload)
    assert first.created_at is not None and second.created_at is not None
