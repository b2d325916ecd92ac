"""The delivery log page: who sees it, its filters, and a coordinator's resend / mark as sent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Delivery
from tests.world import World

from .conftest import delivery, english, events_since, in_doubt, last_event_id

pytestmark = pytest.mark.django_db


def log_url(world: World, **query: str) -> str:
    url = reverse("notifications:deliveries", args=[world.cluster.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_coordinator_reads_the_clusters_log_in_plain_words(world: World) -> None:
    doubt = in_doubt(world)
    failed = delivery(world, status="failed", attempts=6, last_error="gave up after 6 attempts: SMTPServerDisconnected")
    sent = delivery(world, stakeholder=world.ana, status="sent", attempts=1, sent_at=timezone.now())
    other = world.other
    hidden = delivery(other, stakeholder=other.bob)

    page = english(world.coordinator).get(log_url(world))

    assert page.status_code == 200
    html = page.content.decode()
    for row in (doubt, failed, sent):
        assert f'id="delivery-{row.pk}"' in html
    assert f'id="delivery-{hidden.pk}"' not in html and hidden.to_email not in html
    cells = html[html.index(f'id="delivery-{doubt.pk}"'):]
    cells = cells[:cells.index("</tr>")]
    assert "Bob Buyer" in cells and world.bob.email in cells and "Milestone completed" in cells
    assert '<td class="num">1</td>' in cells  # attempts
    assert "In doubt: sending started but no answer was recorded" in html
    assert "the mail server did not take it after several attempts" in html
    assert 'class="badge status-in_doubt"' in html and 'class="badge status-failed"' in html
    # Resend where the service allows it (in doubt, failed), mark as sent only for the row in doubt.
    assert reverse("notifications:delivery-resend", args=[world.cluster.pk, doubt.pk]) in html
    assert reverse("notifications:delivery-resend", args=[world.cluster.pk, failed.pk]) in html
    assert reverse("notifications:delivery-resend", args=[world.cluster.pk, sent.pk]) not in html
    assert reverse("notifications:delivery-mark-sent", args=[world.cluster.pk, doubt.pk]) in html
    assert reverse("notifications:delivery-mark-sent", args=[world.cluster.pk, failed.pk]) not in html


def test_the_log_filters_by_status_recipient_kind_and_date(world: World) -> None:
    doubt = in_doubt(world)
    failed = delivery(world, status="failed", kind="forum_reminder")
    to_ana = delivery(world, stakeholder=world.ana, status="sent")
    old = delivery(world, status="sent")
    Delivery.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    client = english(world.coordinator)

    def shown(**query: str) -> set[int]:
        page = client.get(log_url(world, **query))
        assert page.status_code == 200
        return {d.delivery.pk for d in page.context["rows"]}

    assert shown() == {doubt.pk, failed.pk, to_ana.pk, old.pk}
    assert shown(status="in_doubt") == {doubt.pk}
    assert shown(status="sending") == {doubt.pk}
    assert shown(status="failed") == {failed.pk}
    assert shown(kind="forum_reminder") == {failed.pk}
    assert shown(recipient="ana") == {to_ana.pk}  # the name, case-insensitive
    assert shown(recipient=world.bob.email) == {doubt.pk, failed.pk, old.pk}
    today = timezone.localdate()
    assert shown(date_from=(today - dt.timedelta(days=1)).isoformat()) == {doubt.pk, failed.pk, to_ana.pk}
    assert shown(date_to=(today - dt.timedelta(days=39)).isoformat()) == {old.pk}


def test_a_wrong_filter_is_explained_and_the_others_still_apply(world: World) -> None:
    failed = delivery(world, status="failed")
    delivery(world, status="sent")
    page = english(world.coordinator).get(
        log_url(world, status="failed", date_from="2026-12-10", date_to="2026-12-01")  # reversed: dates ignored
    )
    assert page.status_code == 200
    assert "The end date comes before the start date." in page.content.decode()
    assert [r.delivery.pk for r in page.context["rows"]] == [failed.pk]


def test_the_log_is_paginated_and_keeps_its_filters(world: World) -> None:
    for _ in range(55):
        delivery(world, status="failed")
    client = english(world.coordinator)
    first = client.get(log_url(world, status="failed"))
    assert len(first.context["rows"]) == 50
    assert "status=failed&amp;page=2" in first.content.decode()
    second = client.get(log_url(world, status="failed", page="2"))
    assert len(second.context["rows"]) == 5


def test_the_log_costs_the_same_queries_for_few_and_many_rows(world: World) -> None:
    client = english(world.coordinator)
    client.get(log_url(world))  # warm the session and role caches

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(log_url(world)).status_code == 200
        return len(queries)

    for _ in range(3):
        in_doubt(world)
    few = count()
    for index in range(40):
        delivery(world, stakeholder=world.ana if index % 2 else None, status="failed")
    assert count() == few


def test_the_coordinator_resends_a_row_in_doubt(world: World, queued: list[list[int]]) -> None:
    doubt = in_doubt(world)
    mark = last_event_id()
    client = english(world.coordinator)
    answer = client.post(
        reverse("notifications:delivery-resend", args=[world.cluster.pk, doubt.pk]),
        {"return_query": "status=in_doubt&next=https://evil.example/&page=1"},
    )
    assert answer.status_code == 302
    assert answer["Location"] == log_url(world, status="in_doubt", page="1")  # only the log's own filters
    doubt.refresh_from_db()
    assert (doubt.status, doubt.needs_review, doubt.attempts) == ("pending", False, 0)
    assert queued == [[doubt.pk]]
    # The person's decision is one history event on the delivery (who, when, from which status).
    [event] = events_since(mark)
    assert (event.object_type, event.object_id, event.action) == ("notifications.delivery", doubt.pk, "resend")
    assert event.actor_id == world.coordinator.pk and event.source == "web"
    assert event.changes["status"][1] == "pending" and event.changes["needs_review"] == [True, False]
    follow = client.get(answer["Location"])
    assert f"The message to {world.bob.email} is queued to be sent again." in follow.content.decode()


def test_a_row_already_sent_is_not_resent(world: World, queued: list[list[int]]) -> None:
    sent = delivery(world, status="sent", attempts=1, sent_at=timezone.now())
    answer = english(world.coordinator).post(
        reverse("notifications:delivery-resend", args=[world.cluster.pk, sent.pk]), follow=True
    )
    assert answer.status_code == 200
    assert "was not queued again: it was sent or is being handled meanwhile" in answer.content.decode()
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == ("sent", 1) and queued == []


def test_the_coordinator_marks_a_row_in_doubt_as_sent(world: World) -> None:
    doubt = in_doubt(world)
    mark = last_event_id()
    client = english(world.coordinator)
    answer = client.post(
        reverse("notifications:delivery-mark-sent", args=[world.cluster.pk, doubt.pk]), follow=True
    )
    assert "is recorded as sent" in answer.content.decode()
    doubt.refresh_from_db()
    assert (doubt.status, doubt.needs_review) == ("sent", False) and doubt.sent_at is not None
    again = client.post(reverse("notifications:delivery-mark-sent", args=[world.cluster.pk, doubt.pk]), follow=True)
    assert "is no longer in doubt" in again.content.decode()
    assert [(e.action, e.object_id) for e in events_since(mark)] == [("mark_sent", doubt.pk)]  # the second did nothing


def test_the_auditor_reads_the_log_without_buttons_and_cannot_act(
    world: World, queued: list[list[int]]
) -> None:
    doubt = in_doubt(world)
    client = english(world.auditor)
    page = client.get(log_url(world))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="delivery-{doubt.pk}"' in html
    assert "/resend/" not in html and "/mark-sent/" not in html and 'method="post" action="/notif' not in html
    for name in ("notifications:delivery-resend", "notifications:delivery-mark-sent"):
        assert client.post(reverse(name, args=[world.cluster.pk, doubt.pk])).status_code == 403
    doubt.refresh_from_db()
    assert (doubt.status, doubt.needs_review) == ("sending", True) and queued == []


def test_stakeholders_others_and_strangers_do_not_get_the_log(world: World, client: Client) -> None:
    doubt = in_doubt(world)
    assert english(world.stakeholder_user).get(log_url(world)).status_code == 403
    other = world.other
    stranger = english(other.coordinator)
    assert stranger.get(log_url(world)).status_code == 404
    resend = reverse("notifications:delivery-resend", args=[world.cluster.pk, doubt.pk])
    assert stranger.post(resend).status_code == 404
    # A row of another cluster under one's own cluster's address is not found either.
    smuggled = reverse("notifications:delivery-resend", args=[other.cluster.pk, doubt.pk])
    assert stranger.post(smuggled).status_code == 404
    anonymous = client.get(log_url(world))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(resolve_url(settings.LOGIN_URL) + "?next=")
    doubt.refresh_from_db()
    assert doubt.needs_review


def test_actions_need_post_and_a_csrf_token(world: World) -> None:
    doubt = in_doubt(world)
    url = reverse("notifications:delivery-resend", args=[world.cluster.pk, doubt.pk])
    strict = english(enforce_csrf_checks=True)
    strict.force_login(world.coordinator)
    assert strict.get(url).status_code == 405
    assert strict.post(url).status_code == 403
    doubt.refresh_from_db()
    assert doubt.needs_review
