"""`send_one`: what became of one claimed message, told as an Outcome; recording is send_batch's job."""

from __future__ import annotations

import smtplib
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend

from notifications.backends import AmbiguousSendError
from notifications.models import Delivery
from notifications.services import outbox, sending
from notifications.services.sending import Outcome
from tests.world import World

from .test_sending import completion_deliveries

# The deliveries come from a completion written on a fixed day (test_sending), judged against the frozen today.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world_clock")]


class Raising(BaseEmailBackend):
    """A mail server (the edge) that answers every message with `error`."""

    def __init__(self, error: BaseException, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def send_messages(self, email_messages: Any) -> int:
        raise self.error


def claimed(world: World) -> Delivery:
    delivery_id = completion_deliveries(world)[0]
    assert outbox.claim(delivery_id, message_id=outbox.new_message_id(delivery_id))
    return Delivery.objects.select_related("cluster", "stakeholder__notification_profile").get(pk=delivery_id)


def attempt_with(delivery: Delivery, conn: BaseEmailBackend) -> sending.Attempt:
    attempt = sending.send_one(delivery, conn=conn, contents={})
    assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.SENDING  # nothing recorded
    return attempt


def test_an_accepted_message_is_sent(world: World) -> None:
    delivery = claimed(world)
    attempt = attempt_with(delivery, get_connection())
    assert attempt.outcome is Outcome.SENT and attempt.error == "" and attempt.interrupted is None
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [delivery.message_id]


@pytest.mark.parametrize(("error", "outcome"), [
    (smtplib.SMTPDataError(451, b"try again later"), Outcome.TRANSIENT),
    (smtplib.SMTPRecipientsRefused({"x@example.org": (452, b"mailbox full")}), Outcome.TRANSIENT),
    (smtplib.SMTPServerDisconnected("gone before DATA"), Outcome.TRANSIENT),
    (smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"no such user")}), Outcome.PERMANENT),
    (smtplib.SMTPDataError(554, b"rejected as spam"), Outcome.PERMANENT),
    (AmbiguousSendError("connection lost during DATA"), Outcome.IN_DOUBT),
])
def test_a_server_answer_is_sorted_into_its_outcome(world: World, error: BaseException, outcome: Outcome) -> None:
    attempt = attempt_with(claimed(world), Raising(error))
    assert attempt.outcome is outcome and attempt.interrupted is None
    assert (str(error) if outcome is Outcome.IN_DOUBT else f"{type(error).__name__}: {error}") == attempt.error
    assert mail.outbox == []


def test_a_message_that_cannot_be_rendered_is_permanent(world: World) -> None:
    delivery = claimed(world)
    delivery.event_id = 10**9  # its event vanished: rendering again will not help
    attempt = attempt_with(delivery, get_connection())
    assert attempt.outcome is Outcome.PERMANENT and attempt.error.startswith("rendering failed: DoesNotExist(")
    assert mail.outbox == []


def test_a_database_error_while_rendering_is_tried_again(world: World, monkeypatch: Any) -> None:
    """A lock timeout, or two workers creating one person's link account at once, is not the
    message's fault: the delivery waits for another attempt instead of failing for good."""
    from django.db import OperationalError

    from notifications import rendering

    def locked(*args: Any, **kwargs: Any) -> Any:  # what the database answers under a lock timeout
        raise OperationalError("database is locked")

    delivery = claimed(world)
    monkeypatch.setattr(rendering, "personal_links", locked)  # where the links are minted, in the database
    attempt = attempt_with(delivery, get_connection())
    assert attempt.outcome is Outcome.TRANSIENT and "database" in attempt.error
    assert mail.outbox == []


def test_a_time_limit_during_the_hand_over_is_in_doubt_and_interrupts(world: World) -> None:
    limit = SoftTimeLimitExceeded()
    attempt = attempt_with(claimed(world), Raising(limit))
    assert attempt.outcome is Outcome.IN_DOUBT and attempt.interrupted is limit
    assert attempt.error == "the task's time limit struck while sending"


def test_a_time_limit_while_rendering_gives_the_claim_back(world: World, monkeypatch: Any) -> None:
    ids = completion_deliveries(world)

    def struck(*args: Any, **kwargs: Any) -> None:  # the signal Celery raises wherever the code is
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(sending, "render", struck)
    with pytest.raises(SoftTimeLimitExceeded):
        sending.send_batch(ids)
    rows = {r.pk: r for r in Delivery.objects.filter(pk__in=ids)}
    assert {(r.status, r.attempts, r.needs_review) for r in rows.values()} == {(Delivery.Status.PENDING, 0, False)}
    assert mail.outbox == []
