"""Rendering and sending: both parts, language, headers, .ics, claims, retries, stuck rows."""

from __future__ import annotations

import datetime as dt
import smtplib
from email import message_from_bytes
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings
from django.utils import timezone
from icalendar import Calendar

from notifications.backends import EmlFileBackend
from notifications.models import Delivery, NotificationProfile
from notifications.services import dispatch, outbox, sending
from plans.models import HistoryEvent
from plans.services.forums import forum_cancel, forum_schedule, forum_update
from plans.services.history import Actor
from projects.services.milestones import milestone_complete
from tests.factories import PhaseFactory
from tests.world import World

from .conftest import spanish_subject

# Completions are written with a fixed date (COMPLETED_ON), judged against the frozen today.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world_clock")]


COMPLETED_ON = dt.date(2026, 11, 20)  # printed in the messages below, in each language


def completion_deliveries(world: World) -> list[int]:
    # What the fixed dates rely on: the completion day is past and the milestone still ahead. Without
    # the frozen clock (world_clock) this fails here, not as a puzzling refusal or a changed message.
    assert COMPLETED_ON < timezone.localdate() < world.milestone.due_date
    milestone_complete(milestone_id=world.milestone.pk, actor=world.coordinator_actor,
                       completed_on=COMPLETED_ON, note="Informe entregado",
                       evidence_url="https://example.org/informe.pdf")
    event = HistoryEvent.objects.filter(object_type="projects.milestone").order_by("-id")[0]
    return dispatch.dispatch_event(event_id=event.pk)


def test_message_is_multipart_in_the_recipient_language_with_one_click_unsubscribe(world: World) -> None:
    sending.send_batch(completion_deliveries(world))
    by_to = {m.to[0]: m for m in mail.outbox}
    spanish = by_to[world.ana.email]
    assert spanish.subject == spanish_subject()
    assert "20 de noviembre de 2026" in spanish.body
    assert "Plan: PMC Lácteo (v1)" in spanish.body  # the plan's name, as issue 4 §5 asks
    html, mime = spanish.alternatives[0]  # type: ignore[attr-defined]
    assert mime == "text/html" and '<html lang="es">' in html and "Plan de mastitis" in html
    headers = spanish.extra_headers
    assert headers["Content-Language"] == "es"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/unsubscribe/")
    assert "Nov. 20, 2026" in by_to[world.bob.email].body
    delivery = Delivery.objects.get(to_email=world.ana.email)
    assert delivery.status == Delivery.Status.SENT and delivery.message_id == headers["Message-ID"]


def test_a_delivery_is_sent_once_even_if_its_task_runs_twice(world: World) -> None:
    ids = completion_deliveries(world)
    sending.send_batch(ids)
    sending.send_batch(ids)
    assert len(mail.outbox) == 2
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}


def test_forum_invitation_carries_request_then_cancel_with_stable_uid_and_sequence(world: World) -> None:
    phase = PhaseFactory.create(plan=world.plan, status="active")
    start = dt.datetime(2026, 12, 3, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    forum = forum_schedule(phase_id=phase.pk, actor=world.coordinator_actor, title="Foro participativo II",
                           starts_at=start, venue="Sociedad Rural de Tucumán", address="Camino del Perú 1050")

    def send_last() -> Calendar:
        mail.outbox.clear()
        event = HistoryEvent.objects.filter(object_type="plans.forum").order_by("-id")[0]
        sending.send_batch(dispatch.dispatch_event(event_id=event.pk))
        message = next(m for m in mail.outbox if m.to == [world.ana.email])
        parsed = message_from_bytes(message.message().as_bytes())
        part = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
        return Calendar.from_ical(part.get_payload(decode=True))  # type: ignore[arg-type]

    invite = send_last()
    vevent = invite.walk("VEVENT")[0]
    assert str(invite["METHOD"]) == "REQUEST"
    assert str(vevent["UID"]) == f"forum-{forum.pk}@pmc-tracker" and int(str(vevent["SEQUENCE"])) == 0
    assert vevent.decoded("DTSTART") == start and str(vevent["DTSTART"].params["TZID"]) == "America/Argentina/Tucuman"
    assert invite.walk("VTIMEZONE")

    forum_update(forum_id=forum.pk, actor=world.coordinator_actor, values={"starts_at": start + dt.timedelta(days=1)})
    moved = send_last().walk("VEVENT")[0]
    assert str(moved["UID"]) == f"forum-{forum.pk}@pmc-tracker" and int(str(moved["SEQUENCE"])) == 1

    forum_cancel(forum_id=forum.pk, actor=world.coordinator_actor, reason="Paro")
    cancel = send_last()
    assert str(cancel["METHOD"]) == "CANCEL" and int(str(cancel.walk("VEVENT")[0]["SEQUENCE"])) == 2


class FlakyBackend(BaseEmailBackend):
    """Stands in for a mail server (an edge we do not own) that answers 451 a few times."""

    failures = 0

    def send_messages(self, email_messages: Any) -> int:
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise smtplib.SMTPDataError(451, b"try again later")
        mail.outbox.extend(email_messages)
        return len(email_messages)


class RejectingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"no such user")})


def test_transient_refusal_goes_back_to_pending_with_growing_backoff(world: World) -> None:
    ids = completion_deliveries(world)
    FlakyBackend.failures = 1
    result = sending.send_batch(ids, connection=FlakyBackend())
    first = Delivery.objects.get(pk=ids[0])
    assert first.status == Delivery.Status.PENDING and first.attempts == 1 and "451" in first.last_error
    assert first.next_attempt_at is not None and first.next_attempt_at > timezone.now()
    assert result.retry[0][0] == ids[0] and result.unclaimed == ids[1:]
    rest = Delivery.objects.get(pk=ids[1])  # left pending, and the sweep must wait for it too
    assert rest.attempts == 0 and rest.next_attempt_at is not None and rest.next_attempt_at > timezone.now()
    later = timezone.now() + dt.timedelta(seconds=1)
    assert outbox.pending_to_resend(now=later, grace=dt.timedelta(seconds=0)) == []
    sending.send_batch(ids, connection=FlakyBackend())  # too early: the backoff is enforced by the claim
    assert mail.outbox == [] and Delivery.objects.filter(status=Delivery.Status.SENT).count() == 0
    Delivery.objects.filter(pk__in=ids).update(next_attempt_at=timezone.now())  # time passes
    sending.send_batch(ids, connection=FlakyBackend())
    assert Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENT).count() == 2
    assert len(mail.outbox) == 2


@override_settings(NOTIFICATIONS_MAX_ATTEMPTS=2, NOTIFICATIONS_RETRY_WINDOW_HOURS=0)
def test_attempts_run_out_then_failed_with_the_error(world: World) -> None:
    # With no time budget the count decides alone (both budgets: tests/notifications/test_retry_budget.py).
    ids = completion_deliveries(world)[:1]
    FlakyBackend.failures = 5
    sending.send_batch(ids, connection=FlakyBackend())
    Delivery.objects.filter(pk__in=ids).update(next_attempt_at=None)  # the backoff has passed
    sending.send_batch(ids, connection=FlakyBackend())
    delivery = Delivery.objects.get(pk=ids[0])
    assert delivery.status == Delivery.Status.FAILED and "gave up after 2 attempts" in delivery.last_error


def test_permanent_refusal_fails_at_once(world: World) -> None:
    ids = completion_deliveries(world)
    sending.send_batch(ids, connection=RejectingBackend())
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.FAILED}
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}


def test_backoff_grows_and_has_jitter(settings: Any) -> None:
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 10
    settings.NOTIFICATIONS_RETRY_MAX_SECONDS = 100
    first = [outbox.backoff_seconds(1) for _ in range(50)]
    third = [outbox.backoff_seconds(3) for _ in range(50)]
    capped = [outbox.backoff_seconds(10) for _ in range(50)]
    assert all(5 <= d <= 10 for d in first) and len(set(first)) > 1
    assert all(20 <= d <= 40 for d in third)
    assert all(50 <= d <= 100 for d in capped)


def test_a_row_stuck_in_sending_is_flagged_for_a_person_not_resent(world: World) -> None:
    ids = completion_deliveries(world)
    assert outbox.claim(ids[0])  # a worker took it and died
    later = timezone.now() + dt.timedelta(hours=1)
    assert outbox.flag_stuck_sending(now=later, timeout=dt.timedelta(minutes=15)) == 1
    assert outbox.pending_to_resend(now=later, grace=dt.timedelta(minutes=1)) == [ids[1]]
    stuck = Delivery.objects.get(pk=ids[0])
    assert stuck.status == Delivery.Status.SENDING and stuck.needs_review and "Message-ID" in stuck.last_error
    sending.send_batch([ids[0]])
    assert mail.outbox == []  # not claimable: nothing is sent blindly
    outbox.resend([ids[0]], actor=Actor.system())  # a person decided
    sending.send_batch([ids[0]])
    assert len(mail.outbox) == 1


def test_unsubscribing_between_dispatch_and_send_suppresses(world: World, client: Any) -> None:
    ids = completion_deliveries(world)
    token = NotificationProfile.objects.get(stakeholder=world.bob).unsubscribe_token
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and b"<form" in page.content
    assert client.post(f"/unsubscribe/{token}", {"List-Unsubscribe": "One-Click"}).status_code == 200
    sending.send_batch(ids)
    assert Delivery.objects.get(stakeholder=world.bob).status == Delivery.Status.SUPPRESSED
    assert [m.to for m in mail.outbox] == [[world.ana.email]]
    assert client.post("/unsubscribe/not-a-token").status_code == 404


def test_eml_backend_writes_one_readable_file_per_message(world: World, tmp_path: Any) -> None:
    ids = completion_deliveries(world)
    sending.send_batch(ids, connection=EmlFileBackend(file_path=str(tmp_path)))
    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 2
    parsed = message_from_bytes(files[0].read_bytes())
    assert parsed.is_multipart() and parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


class UnreachableBackend(BaseEmailBackend):
    """Stands in for a server that refuses our login (wrong password) before any message."""

    def open(self) -> bool:
        raise smtplib.SMTPAuthenticationError(535, b"5.7.8 authentication failed")

    def send_messages(self, email_messages: Any) -> int:  # pragma: no cover - never reached
        raise AssertionError("no message may be sent without a connection")


def test_a_refused_login_defers_the_batch_without_charging_the_messages(world: World) -> None:
    ids = completion_deliveries(world)
    result = sending.send_batch(ids, connection=UnreachableBackend())
    rows = list(Delivery.objects.filter(pk__in=ids))
    assert {(r.status, r.attempts) for r in rows} == {(Delivery.Status.PENDING, 0)}
    assert all(r.next_attempt_at is not None and r.next_attempt_at > timezone.now() for r in rows)
    assert all("535" in r.last_error for r in rows)
    assert result.unclaimed == ids and result.unclaimed_delay > 0 and result.sent == []


def test_resend_leaves_a_row_a_worker_is_sending_alone(world: World) -> None:
    ids = completion_deliveries(world)
    assert outbox.claim(ids[0])  # a worker is sending it right now
    outbox.mark_final(ids[1], status=Delivery.Status.FAILED, error="550")
    assert outbox.resend(ids, actor=Actor.system()) == [ids[1]]
    busy, failed = Delivery.objects.get(pk=ids[0]), Delivery.objects.get(pk=ids[1])
    assert busy.status == Delivery.Status.SENDING and busy.attempts == 1
    assert failed.status == Delivery.Status.PENDING and failed.attempts == 0


class TimeLimitBackend(BaseEmailBackend):
    """The task's soft time limit strikes while the message is being handed to the server."""

    def send_messages(self, email_messages: Any) -> int:
        from celery.exceptions import SoftTimeLimitExceeded

        raise SoftTimeLimitExceeded()


def test_a_time_limit_while_sending_leaves_the_row_for_a_person(world: World) -> None:
    from celery.exceptions import SoftTimeLimitExceeded

    ids = completion_deliveries(world)
    with pytest.raises(SoftTimeLimitExceeded):
        sending.send_batch(ids, connection=TimeLimitBackend())
    first, second = Delivery.objects.get(pk=ids[0]), Delivery.objects.get(pk=ids[1])
    assert first.status == Delivery.Status.SENDING and first.needs_review  # may have gone: not failed
    assert second.status == Delivery.Status.PENDING and second.attempts == 0


def test_a_refused_connection_to_a_real_smtp_client_defers_the_batch(world: World) -> None:
    from notifications.backends import SmtpBackend

    from .realparts import free_port

    ids = completion_deliveries(world)
    backend = SmtpBackend(host="127.0.0.1", port=free_port(), timeout=2)  # nobody listens there
    sending.send_batch(ids, connection=backend)
    assert {(r.status, r.attempts) for r in Delivery.objects.filter(pk__in=ids)} == {(Delivery.Status.PENDING, 0)}


def test_the_sweep_sends_what_it_dispatches_for_a_lost_event(world: World, monkeypatch: Any) -> None:
    from notifications import tasks

    queued: list[list[int]] = []
    # The broker is an edge: record what would be published.
    monkeypatch.setattr(tasks.send_deliveries, "apply_async", lambda args, **kw: queued.append(list(args[0])))
    import time_machine

    with time_machine.travel(timezone.now() - dt.timedelta(minutes=2), tick=True):
        milestone_complete(milestone_id=world.milestone.pk, actor=world.coordinator_actor,
                           completed_on=COMPLETED_ON, note="Informe entregado")  # its dispatch was lost
    result = tasks.run_outbox_sweep()  # the real clock: the rows it creates are brand new
    created = sorted(Delivery.objects.values_list("pk", flat=True))
    assert result["events"] >= 1 and created
    assert sorted(pk for chunk in queued for pk in chunk) == created  # sent now, not a minute later
