"""A recorded event reaches notifications through the history's after-commit hook, once, after commit."""

from __future__ import annotations

import datetime as dt
import logging
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError
from pytest_django import DjangoCaptureOnCommitCallbacks

from notifications.tasks import dispatch_event, enqueue_dispatch
from plans.models import HistoryEvent
from projects.models import Milestone
from projects.services.milestones import milestone_complete
from tests.world import World

pytestmark = pytest.mark.django_db


def complete(world: World) -> None:
    milestone_complete(milestone_id=world.milestone.pk, actor=world.coordinator_actor,
                       completed_on=timezone.localdate() - dt.timedelta(days=1), note="Informe entregado")


def test_one_completed_milestone_enqueues_exactly_one_dispatch_of_its_event(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with mock.patch.object(dispatch_event, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        complete(world)
        delay.assert_not_called()  # not before the commit
    event = HistoryEvent.objects.get(object_type="projects.milestone", object_id=world.milestone.pk,
                                     action="complete")
    assert delay.call_args_list == [mock.call(event.pk)]


def test_a_rolled_back_completion_enqueues_nothing(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with (
        mock.patch.object(dispatch_event, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        complete(world)
        _ = 1 / 0
    delay.assert_not_called()
    assert callbacks == []
    world.milestone.refresh_from_db()
    assert world.milestone.status == Milestone.Status.PENDING


def test_a_broker_outage_is_one_log_line_and_no_error(caplog: pytest.LogCaptureFixture) -> None:
    with (
        mock.patch.object(dispatch_event, "delay", side_effect=OperationalError("connection refused")) as delay,
        caplog.at_level(logging.WARNING, logger="notifications.tasks"),
    ):
        enqueue_dispatch(41)
    delay.assert_called_once_with(41)
    [record] = [r for r in caplog.records if r.name == "notifications.tasks"]
    assert "event 41" in record.getMessage() and "sweep" in record.getMessage()
    assert record.exc_info is None
