"""The after-commit hook: the consumers named in settings get each event's id, after commit only."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.db import transaction
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from plans.models import Cluster, HistoryEvent, Source
from plans.services.history import Actor, create_with_history, event_consumers

pytestmark = pytest.mark.django_db

ACTOR = Actor.system(Source.COMMAND)
CALLS: list[tuple[str, int]] = []


def first(event_id: int) -> None:
    CALLS.append(("first", event_id))


def broken(event_id: int) -> None:
    raise RuntimeError("consumer down")


def last(event_id: int) -> None:
    CALLS.append(("last", event_id))


@pytest.fixture(autouse=True)
def calls() -> Iterator[list[tuple[str, int]]]:
    CALLS.clear()
    yield CALLS
    CALLS.clear()


@pytest.fixture
def consumers(settings: Settings) -> None:
    settings.HISTORY_EVENT_CONSUMERS = [f"{__name__}.first", f"{__name__}.broken", f"{__name__}.last"]


def make_cluster(slug: str) -> Cluster:
    with transaction.atomic():
        return create_with_history(Cluster(name=f"Cluster {slug}", slug=slug), actor=ACTOR)


def test_consumers_run_after_commit_in_order_and_one_that_raises_is_logged_in_one_line(
    consumers: None, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        caplog.at_level(logging.ERROR, logger="plans.services.history.hook"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        cluster = make_cluster("lacteo")
        assert CALLS == []  # nothing before the commit
    event = HistoryEvent.objects.get(object_type="plans.cluster", object_id=cluster.pk)
    assert len(callbacks) == 1
    assert [("first", event.pk), ("last", event.pk)] == CALLS
    [record] = [r for r in caplog.records if r.name == "plans.services.history.hook"]
    message = record.getMessage()
    assert f"{__name__}.broken" in message and f"event {event.pk}" in message and "consumer down" in message
    assert "\n" not in message and record.exc_info is None


def test_each_event_gets_its_own_call(
    consumers: None, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        one, two = make_cluster("uno"), make_cluster("dos")
    ids = [HistoryEvent.objects.get(object_type="plans.cluster", object_id=c.pk).pk for c in (one, two)]
    assert [event_id for name, event_id in CALLS if name == "first"] == ids


def test_a_rolled_back_change_calls_no_consumer(
    consumers: None, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        make_cluster("lacteo")
        _ = 1 / 0
    assert callbacks == [] and CALLS == []
    assert not Cluster.objects.exists() and not HistoryEvent.objects.exists()


def test_a_missing_setting_means_no_consumers(
    settings: Settings, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    del settings.HISTORY_EVENT_CONSUMERS
    assert event_consumers() == ()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_cluster("lacteo")
    assert len(callbacks) == 1 and CALLS == []  # the callback ran and called nobody


def test_a_mistyped_consumer_fails_the_write_instead_of_losing_events_silently(
    settings: Settings,
) -> None:
    settings.HISTORY_EVENT_CONSUMERS = [f"{__name__}.nobody_by_this_name"]
    with pytest.raises(ImportError):
        make_cluster("lacteo")
    assert not Cluster.objects.exists() and not HistoryEvent.objects.exists()


def test_settings_name_notifications_as_the_consumer() -> None:
    from notifications.tasks import enqueue_dispatch

    assert [consumer for _path, consumer in event_consumers()] == [enqueue_dispatch]
