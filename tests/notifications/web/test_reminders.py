"""A plan's reminder policy page: defaults shown, saved through reminder_policy_set, stale edits caught."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from notifications.models import ReminderPolicy
from notifications.services.subscriptions import reminder_policy_set
from tests.world import World

from .conftest import english, events_since, last_event_id

pytestmark = pytest.mark.django_db

VALUES = {"due_soon_days": "10, 3", "overdue_every_days": "2", "escalate_after_days": "20",
          "forum_reminder_days": "2"}


def url(world: World) -> str:
    return reverse("notifications:reminder-policy", args=[world.plan.pk])


def test_a_plan_without_a_policy_shows_the_defaults_and_the_first_save_creates_it(world: World) -> None:
    client = english(world.coordinator)
    page = client.get(url(world))
    assert page.status_code == 200
    html = page.content.decode()
    assert "This plan uses the default reminders." in html
    assert 'value="14, 7, 1"' in html and 'name="version" value="0"' in html
    mark = last_event_id()
    answer = client.post(url(world), {**VALUES, "version": "0"})
    assert answer.status_code == 302
    policy = ReminderPolicy.objects.get(plan=world.plan)
    assert (policy.due_soon_days, policy.overdue_every_days, policy.escalate_after_days,
            policy.forum_reminder_days) == ([10, 3], 2, 20, 2)
    [event] = events_since(mark)
    assert (event.action, event.object_type, event.source) == ("create", "notifications.reminderpolicy", "web")


def test_the_coordinator_changes_the_policy_with_one_event(world: World) -> None:
    policy = reminder_policy_set(plan_id=world.plan.pk, actor=world.coordinator_actor, values={})
    client = english(world.coordinator)
    mark = last_event_id()
    answer = client.post(url(world), {**VALUES, "overdue_every_days": "7", "version": str(policy.version)})
    assert answer.status_code == 302
    policy.refresh_from_db()
    assert (policy.due_soon_days, policy.overdue_every_days, policy.version) == ([10, 3], 7, 2)
    [event] = events_since(mark)
    assert (event.action, event.source) == ("update", "web")
    assert set(event.changes) == {"due_soon_days", "escalate_after_days", "forum_reminder_days"}


def test_a_policy_saved_meanwhile_makes_the_edit_stale(world: World) -> None:
    client = english(world.coordinator)
    client.get(url(world))  # the page showed the defaults (version 0)
    reminder_policy_set(plan_id=world.plan.pk, actor=world.coordinator_actor, values={"overdue_every_days": 3})
    mark = last_event_id()
    answer = client.post(url(world), {**VALUES, "version": "0"})
    assert answer.status_code == 409
    html = answer.content.decode()
    assert "Someone else changed this while you were editing it." in html
    assert "Current values (saved by someone else)" in html
    assert 'value="10, 3"' in html and 'name="version" value="1"' in html
    assert events_since(mark) == []
    assert ReminderPolicy.objects.get(plan=world.plan).overdue_every_days == 3


def test_bad_days_are_explained_in_plain_words(world: World) -> None:
    client = english(world.coordinator)
    typo = client.post(url(world), {**VALUES, "due_soon_days": "14, siete", "version": "0"})
    assert typo.status_code == 200
    assert "Write whole numbers of days separated by commas" in typo.content.decode()
    far = client.post(url(world), {**VALUES, "due_soon_days": "400", "version": "0"})
    assert "A list of whole days between 0 and 365." in far.content.decode()  # the service's words
    never = client.post(url(world), {**VALUES, "overdue_every_days": "0", "version": "0"})
    assert "policy_overdue_every_positive" not in never.content.decode()
    assert never.context["form"].errors["overdue_every_days"]
    assert not ReminderPolicy.objects.filter(plan=world.plan).exists()


def test_readers_see_the_policy_without_a_form_and_cannot_change_it(world: World) -> None:
    reminder_policy_set(plan_id=world.plan.pk, actor=world.coordinator_actor, values={"overdue_every_days": 4})
    for user in (world.auditor, world.stakeholder_user):
        client = english(user)
        page = client.get(url(world))
        assert page.status_code == 200
        html = page.content.decode()
        assert "<form method=\"post\" novalidate>" not in html and "Save the reminders" not in html
        assert "<dd>4</dd>" in html
        assert client.post(url(world), {**VALUES, "version": "1"}).status_code == 403
    assert ReminderPolicy.objects.get(plan=world.plan).overdue_every_days == 4


def test_other_clusters_and_strangers_do_not_reach_the_policy(world: World, client: Client) -> None:
    other = world.other
    stranger = english(other.coordinator)
    assert stranger.get(url(world)).status_code == 404
    assert stranger.post(url(world), {**VALUES, "version": "0"}).status_code == 404
    assert client.get(url(world)).status_code == 302
    assert not ReminderPolicy.objects.filter(plan=world.plan).exists()
