"""Rows for the notification pages: deliveries of the `world` cluster in each state."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.test import Client

from notifications.models import Delivery
from plans.models import HistoryEvent
from tests.world import Side, World

_keys = itertools.count()


def delivery(world: World | Side, **values: Any) -> Delivery:
    """A delivery row of a cluster (the world's own, or a side) as the sending service leaves it
    (arranged directly; the pages act on it)."""
    values.setdefault("stakeholder", world.bob)
    values.setdefault("to_email", values["stakeholder"].email if values["stakeholder"] else "x@example.org")
    values.setdefault("cluster", world.cluster)
    values.setdefault("kind", "milestone_completed")
    return Delivery.objects.create(dedup_key=f"web-{next(_keys)}", **values)


def in_doubt(world: World | Side, **values: Any) -> Delivery:
    return delivery(world, status=Delivery.Status.SENDING, needs_review=True, attempts=1,
                    message_id="<pmc.d1.abc@pmc-tracker>",
                    last_error="No outcome was recorded after sending started", **values)


def events_since(mark: int) -> list[HistoryEvent]:
    return list(HistoryEvent.objects.filter(pk__gt=mark).order_by("pk"))


def last_event_id() -> int:
    return HistoryEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The broker is the edge: record what would be queued instead of publishing it."""
    from notifications import tasks

    calls: list[list[int]] = []
    monkeypatch.setattr(tasks.send_deliveries, "apply_async", lambda args, countdown=0: calls.append(list(args[0])))
    return calls


def english(user: Any = None, **options: Any) -> Client:
    """A browser asking for English (the pages default to Spanish), logged in as `user`."""
    browser = Client(HTTP_ACCEPT_LANGUAGE="en", **options)
    if user is not None:
        browser.force_login(user)
    return browser


@pytest.fixture
def client() -> Client:
    return english()
