"""Retries budgeted in time as well as in count (issue 12 §11), on a fixed clock.

A 42-second outage once used 5 of a delivery's 6 attempts; now a delivery fails only when
its attempts are spent AND NOTIFICATIONS_RETRY_WINDOW_HOURS have passed since its first
attempt. A server that hangs still leaves the row in doubt for a person, as before.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from notifications.models import Delivery
from notifications.services import outbox, sending
from notifications.tasks import run_outbox_sweep
from plans.services.history import Actor

from .conftest import WORLD_TODAY, World
from .realparts import smtp_server
from .test_sending import completion_deliveries

pytestmark = pytest.mark.django_db


class Busy(BaseEmailBackend):
    """A mail server (the edge) that answers 451 until `until`, then accepts."""

    def __init__(self, until: dt.datetime | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.until = until

    def send_messages(self, email_messages: Any) -> int:
        if self.until is None or timezone.now() < self.until:
            raise smtplib.SMTPDataError(451, b"4.3.0 Try again later")
        mail.outbox.extend(email_messages)
        return len(email_messages)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(WORLD_TODAY, tick=False) as traveller:
        yield traveller


def ride(delivery_id: int, backend: BaseEmailBackend, clock: Any, *, hours: float) -> list[dt.datetime]:
    """Send, and each time the row is back to pending move the clock to its next attempt."""
    attempts_at = []
    end = timezone.now() + dt.timedelta(hours=hours)
    while timezone.now() < end:
        attempts_at.append(timezone.now())
        sending.send_batch([delivery_id], connection=backend)
        row = Delivery.objects.get(pk=delivery_id)
        if row.status != Delivery.Status.PENDING:
            break
        assert row.next_attempt_at is not None
        clock.move_to(row.next_attempt_at + dt.timedelta(seconds=1))
    return attempts_at


def test_a_day_long_4xx_outage_is_ridden_out_then_the_delivery_fails_with_both_budgets_spent(
    world: World, clock: Any, settings: Any
) -> None:
    delivery_id = completion_deliveries(world)[0]
    first = timezone.now()
    attempts_at = ride(delivery_id, Busy(), clock, hours=30)

    row = Delivery.objects.get(pk=delivery_id)
    assert row.status == Delivery.Status.FAILED and row.first_attempt_at == first
    assert row.attempts == len(attempts_at) > settings.NOTIFICATIONS_MAX_ATTEMPTS
    window = dt.timedelta(hours=settings.NOTIFICATIONS_RETRY_WINDOW_HOURS)
    gave_up = attempts_at[-1] - first
    cap = dt.timedelta(seconds=settings.NOTIFICATIONS_RETRY_MAX_SECONDS)
    assert window <= gave_up <= window + cap + dt.timedelta(seconds=2)
    assert all(later - earlier <= cap + dt.timedelta(seconds=2) for earlier, later in pairwise(attempts_at))
    assert f"gave up after {row.attempts} attempts over 24." in row.last_error and "451" in row.last_error


def test_a_server_back_after_twenty_hours_gets_the_message_once(world: World, clock: Any) -> None:
    delivery_id = completion_deliveries(world)[0]
    back = timezone.now() + dt.timedelta(hours=20)
    ride(delivery_id, Busy(until=back), clock, hours=30)
    row = Delivery.objects.get(pk=delivery_id)
    assert row.status == Delivery.Status.SENT and row.sent_at is not None and row.sent_at >= back
    assert row.sent_at - back <= dt.timedelta(minutes=16)  # the capped backoff: within one period
    assert [m.to for m in mail.outbox] == [[row.to_email]]


def test_a_quick_burst_of_failures_does_not_spend_the_delivery(world: World, clock: Any, settings: Any) -> None:
    delivery_id = completion_deliveries(world)[0]
    assert outbox.claim(delivery_id)
    first = timezone.now()
    clock.shift(42)  # the outage of the report: every attempt of the count used within it
    attempts = settings.NOTIFICATIONS_MAX_ATTEMPTS
    delay = outbox.schedule_retry(delivery_id, attempts=attempts, error="451", first_attempt_at=first)
    assert delay is not None and delay > 0
    row = Delivery.objects.get(pk=delivery_id)
    assert row.status == Delivery.Status.PENDING and row.next_attempt_at == timezone.now() + dt.timedelta(seconds=delay)


def test_the_window_alone_does_not_fail_a_delivery_with_attempts_left(world: World, clock: Any) -> None:
    delivery_id = completion_deliveries(world)[0]
    assert outbox.claim(delivery_id)
    clock.shift(dt.timedelta(hours=30))  # e.g. the server was unreachable (no attempt counted) for a day
    assert outbox.schedule_retry(delivery_id, attempts=2, error="451") is not None  # first attempt read from the row
    assert Delivery.objects.get(pk=delivery_id).status == Delivery.Status.PENDING


def test_resend_gives_a_failed_delivery_fresh_budgets(world: World, clock: Any) -> None:
    delivery_id = completion_deliveries(world)[0]
    ride(delivery_id, Busy(), clock, hours=30)
    assert Delivery.objects.get(pk=delivery_id).status == Delivery.Status.FAILED
    assert outbox.resend([delivery_id], actor=Actor.system()) == [delivery_id]
    row = Delivery.objects.get(pk=delivery_id)
    assert (row.status, row.attempts, row.first_attempt_at) == (Delivery.Status.PENDING, 0, None)
    sending.send_batch([delivery_id], connection=Busy())
    assert Delivery.objects.get(pk=delivery_id).first_attempt_at == timezone.now()


def test_a_server_that_hangs_leaves_the_row_in_doubt_whatever_the_budgets(
    world: World, clock: Any, settings: Any
) -> None:
    delivery_id = completion_deliveries(world)[0]
    with smtp_server() as (handler, port):
        handler.pause = 2.0  # takes the message, then never answers in time
        settings.EMAIL_BACKEND = "notifications.backends.SmtpBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 0.5
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        sending.send_batch([delivery_id])
        clock.shift(dt.timedelta(hours=25))
        run_outbox_sweep()
        received = len(handler.received)
    row = Delivery.objects.get(pk=delivery_id)
    assert (row.status, row.needs_review, row.attempts) == (Delivery.Status.SENDING, True, 1)
    assert received == 1  # it did arrive, and was not sent again
