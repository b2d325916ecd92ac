"""End to end with real parts: Redis (DB 14), a Celery worker and an SMTP server on loopback.

Services absent locally skip (they fail in CI). They run in the PostgreSQL pass of the
suite: a worker (thread or process) needs its own connection to the committed test data,
and SQLite's shared in-memory test database answers "table is locked" instead of waiting.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.utils import timezone
from icalendar import Calendar

from config.celery import app
from notifications.models import Delivery, DispatchRecord, Subscription
from notifications.services import dispatch
from notifications.services.recipients import ensure_profiles
from notifications.tasks import enqueue_send, run_outbox_sweep, run_reminder_sweep
from plans.models import HistoryEvent
from plans.services.forums import forum_schedule
from projects.services.milestones import milestone_complete
from tests.factories import PhaseFactory, StakeholderFactory
from tests.world import World, build_world

from .conftest import spanish_subject
from .realparts import (
    Handler,
    children_of,
    database_url,
    point_broker,
    smtp_settings,
    wait_for,
    with_db,
    worker_process,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_pass(on_postgres: None) -> None:
    """Every test here runs in the PostgreSQL pass (see the module docstring)."""


@pytest.fixture
def broker(redis_url: str) -> Iterator[str]:
    url = with_db(redis_url, 14)
    redis.Redis.from_url(url).flushdb()
    original = app.conf.broker_url
    point_broker(url)
    yield url
    point_broker(original)


@pytest.fixture
def smtp(settings: Any) -> Iterator[tuple[Handler, int]]:
    with smtp_settings(settings) as (handler, port):
        settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 0.2
        yield handler, port


@pytest.fixture
def worker(broker: str, smtp: Any) -> Iterator[None]:
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


@pytest.fixture
def place() -> World:
    return build_world(contents="audience", slugs=("integ", "integ-other"))


def complete(world: World) -> None:
    milestone_complete(milestone_id=world.milestone.pk, actor=world.coordinator_actor,
                       completed_on=timezone.localdate() - dt.timedelta(days=1), note="Informe final")


def test_a_completion_arrives_as_a_real_email_in_each_language(place: World, smtp: Any, worker: None) -> None:
    handler, _ = smtp
    complete(place)  # commits; the after-commit receiver enqueues the dispatch on Redis
    wait_for(lambda: len(handler.received) == 2, what="two messages at the SMTP server")
    by_to = {str(m["To"]): m for m in handler.received}
    spanish, english = by_to[place.ana.email], by_to[place.bob.email]
    assert spanish["Content-Language"] == "es" and english["Content-Language"] == "en"
    assert spanish["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(spanish["Subject"]).strip() == spanish_subject()
    text = spanish.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = spanish.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "Informe final" in text and '<html lang="es">' in html and "Plan de mastitis" in html
    wait_for(lambda: set(Delivery.objects.values_list("status", flat=True)) == {"sent"}, what="rows marked sent")


def test_forum_invitation_ics_survives_the_trip(place: World, smtp: Any, worker: None) -> None:
    handler, _ = smtp
    phase = PhaseFactory.create(plan=place.plan, status="active")
    start = timezone.now() + dt.timedelta(days=12)
    forum = forum_schedule(phase_id=phase.pk, actor=place.coordinator_actor, title="Foro III", starts_at=start,
                           venue="Sociedad Rural de Tucumán")
    wait_for(lambda: len(handler.received) == 2, what="two invitations")
    message = handler.received[0]
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    calendar = Calendar.from_ical(part.get_payload(decode=True))  # type: ignore[arg-type]
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["METHOD"]) == "REQUEST" and str(event["UID"]) == f"forum-{forum.pk}@pmc-tracker"
    assert event.decoded("DTSTART") == start.replace(microsecond=0) or event.decoded("DTSTART") == start


def test_smtp_refusing_then_recovering_delivers_each_message_exactly_once(
    place: World, smtp: Any, worker: None
) -> None:
    handler, _ = smtp
    handler.refuse = 3
    complete(place)
    wait_for(lambda: len(handler.received) == 2, timeout=30, what="delivery after the server recovers")
    assert handler.refused == 3 and handler.recipients() == sorted([place.ana.email, place.bob.email])
    wait_for(lambda: set(Delivery.objects.values_list("status", flat=True)) == {"sent"}, what="rows marked sent")
    assert max(Delivery.objects.values_list("attempts", flat=True)) >= 2
    run_outbox_sweep(timezone.now() + dt.timedelta(minutes=5))  # nothing left to recover
    assert len(handler.received) == 2


def test_redis_down_at_commit_then_the_sweep_delivers_once(place: World, broker: str, smtp: Any) -> None:
    handler, _ = smtp
    point_broker("redis://127.0.0.1:1/14")  # nothing listens there
    complete(place)  # the receiver cannot enqueue; it logs and moves on
    event = HistoryEvent.objects.filter(object_type="projects.milestone").latest("id")
    assert not DispatchRecord.objects.filter(event_id=event.pk).exists()
    point_broker(broker)  # Redis is back
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = run_outbox_sweep(timezone.now() + dt.timedelta(minutes=2))
        assert result["events"] == 1
        wait_for(lambda: len(handler.received) == 2, what="the swept messages")
        run_outbox_sweep(timezone.now() + dt.timedelta(minutes=4))
        run_outbox_sweep(timezone.now() + dt.timedelta(minutes=6))
    assert handler.recipients() == sorted([place.ana.email, place.bob.email])


def test_the_same_beat_run_twice_sends_one_reminder(place: World, smtp: Any, worker: None) -> None:
    handler, _ = smtp
    now = dt.datetime(2026, 12, 8, 12, 0, tzinfo=dt.UTC)  # 7 days before the milestone, 09:00 in Tucumán
    run_reminder_sweep(now)
    run_reminder_sweep(now + dt.timedelta(seconds=30))  # a second beat process, or the next tick
    wait_for(lambda: len(handler.received) == 1, what="the reminder")
    run_outbox_sweep(timezone.now() + dt.timedelta(minutes=5))
    assert [str(m["To"]) for m in handler.received] == [place.ana.email]
    assert "Muestreo de tambos vence en 7 días" in str(handler.received[0]["Subject"])


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    place: World, broker: str, smtp: Any
) -> None:
    handler, port = smtp
    people = StakeholderFactory.create_batch(8, cluster=place.cluster)
    ensure_profiles(cluster_id=place.cluster.pk)
    Subscription.objects.filter(stakeholder__in=[place.ana, place.bob, place.coordinator_person]).delete()
    complete(place)
    event = HistoryEvent.objects.filter(object_type="projects.milestone").latest("id")
    ids = dispatch.dispatch_event(event_id=event.pk)
    assert len(ids) == 8
    handler.pause, handler.arrived_after = 0.3, 3
    with worker_process(broker_url=broker, db_url=database_url(connection.settings_dict), smtp_port=port) as proc:
        enqueue_send(ids)  # one batch of 8
        assert handler.arrived.wait(60), "the worker never started sending"
        wait_for(lambda: bool(children_of(proc.pid)), what="the pool process")
        for child in children_of(proc.pid):
            os.kill(child, signal.SIGKILL)  # the pool process dies while the server holds message 3
        in_flight = str(handler.received[2]["To"])  # on the wire when the process died
        # Celery sees the lost worker and, with acks_late + reject_on_worker_lost, redelivers the batch.
        wait_for(lambda: Delivery.objects.filter(status="sent").exclude(to_email=in_flight).count() == 7,
                 timeout=60, what="the rest of the batch")
        run_outbox_sweep(timezone.now() + dt.timedelta(minutes=5))  # nothing pending is left to recover
    assert handler.recipients() == sorted(p.email for p in people)  # every message arrived, none twice
    doubt = Delivery.objects.get(to_email=in_flight)
    assert doubt.status == "sending"  # it did arrive, but the worker never heard "250": not resent blindly
    run_outbox_sweep(timezone.now() + dt.timedelta(hours=1))
    doubt.refresh_from_db()
    assert doubt.needs_review and doubt.message_id  # for a person, with the Message-ID to look up
