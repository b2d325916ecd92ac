"""Subscriptions of a cluster's stakeholders from the pages: through the services, one history event each."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Subscription
from notifications.services.recipients import ensure_profiles
from notifications.services.subscriptions import subscription_update
from tests.factories import StakeholderFactory
from tests.world import World

from .conftest import english, events_since, last_event_id

pytestmark = pytest.mark.django_db


def url(name: str, world: World, *ids: int) -> str:
    return reverse(f"notifications:{name}", args=[world.cluster.pk, *ids])


def test_the_list_names_who_receives_what(world: World) -> None:
    ensure_profiles(cluster_id=world.cluster.pk)  # the default subscriptions: the cluster, important kinds
    Subscription.objects.create(stakeholder=world.bob, scope="project", scope_id=world.project.pk,
                                events=["milestone_update_posted"], frequency="weekly")
    page = english(world.coordinator).get(url("subscriptions", world))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Bob Buyer" in html and "Ana Productora" in html
    assert "P1 Plan de mastitis" in html and "milestone update posted" in html and "weekly digest" in html
    assert url("subscription-new", world) in html


def test_auditors_read_the_list_without_controls_and_cannot_write(world: World) -> None:
    ensure_profiles(cluster_id=world.cluster.pk)
    subscription = Subscription.objects.get(stakeholder=world.bob)
    auditor = english(world.auditor)
    page = auditor.get(url("subscriptions", world))
    assert page.status_code == 200 and "Bob Buyer" in page.content.decode()
    assert "/subscriptions/new/" not in page.content.decode() and "/delete/" not in page.content.decode()
    mark = last_event_id()
    assert auditor.get(url("subscription-new", world)).status_code == 403
    assert auditor.post(url("subscription-new", world), {"stakeholder": world.bob.pk}).status_code == 403
    assert auditor.post(url("subscription-edit", world, subscription.pk), {"frequency": "daily"}).status_code == 403
    assert auditor.post(url("subscription-delete", world, subscription.pk)).status_code == 403
    assert events_since(mark) == [] and Subscription.objects.filter(pk=subscription.pk).exists()


def test_stakeholders_and_other_clusters_do_not_get_the_pages(world: World) -> None:
    ensure_profiles(cluster_id=world.cluster.pk)
    subscription = Subscription.objects.get(stakeholder=world.bob)
    assert english(world.stakeholder_user).get(url("subscriptions", world)).status_code == 403
    other = world.other
    stranger = english(other.coordinator)
    assert stranger.get(url("subscriptions", world)).status_code == 404
    assert stranger.post(url("subscription-delete", world, subscription.pk)).status_code == 404
    # Another cluster's subscription under the coordinator's own cluster is not found.
    smuggled = reverse("notifications:subscription-edit", args=[other.cluster.pk, subscription.pk])
    assert stranger.get(smuggled).status_code == 404


def test_the_coordinator_creates_a_subscription(world: World) -> None:
    mark = last_event_id()
    answer = english(world.coordinator).post(url("subscription-new", world), {
        "stakeholder": world.bob.pk, "about": f"project:{world.project.pk}",
        "events": ["milestone_completed", "milestone_rescheduled"], "frequency": "daily",
    })
    assert answer.status_code == 302 and answer["Location"] == url("subscriptions", world)
    created = Subscription.objects.get(stakeholder=world.bob, scope="project")
    assert (created.scope_id, created.events, created.frequency) == (
        world.project.pk, ["milestone_completed", "milestone_rescheduled"], "daily")
    default, event = events_since(mark)  # bob had no profile yet: his default subscription comes first
    assert (default.action, default.object_type, default.object_id, default.source) == (
        "default_subscription", "plans.stakeholder", world.bob.pk, "web")
    assert (event.action, event.object_type, event.object_id, event.source) == (
        "create", "notifications.subscription", created.pk, "web")


def test_a_duplicate_subscription_is_refused_with_the_input_kept(world: World) -> None:
    Subscription.objects.create(stakeholder=world.bob, scope="cluster", scope_id=world.cluster.pk, events=[])
    mark = last_event_id()
    answer = english(world.coordinator).post(url("subscription-new", world), {
        "stakeholder": world.bob.pk, "about": f"cluster:{world.cluster.pk}",
        "events": ["forum_reminder"], "frequency": "weekly",
    })
    assert answer.status_code == 409
    html = answer.content.decode()
    assert "already has a subscription for this cluster; edit it instead." in html
    assert re.search(r'value="forum_reminder"[^>]*checked', html) and re.search(r'value="weekly"[^>]*checked', html)
    assert events_since(mark) == []


def test_only_the_clusters_stakeholders_plans_and_projects_are_offered(world: World) -> None:
    other = world.other
    client = english(world.coordinator)
    offered = client.get(url("subscription-new", world)).context["form"]
    assert set(offered.fields["stakeholder"].queryset) == {world.coordinator_person, world.ana, world.bob}
    targets = {value for _group, choices in offered.fields["about"].choices for value, _label in choices}
    assert targets == {f"cluster:{world.cluster.pk}", f"plan:{world.plan.pk}", f"project:{world.project.pk}"}
    answer = client.post(url("subscription-new", world), {
        "stakeholder": other.bob.pk, "about": f"project:{other.project.pk}", "frequency": "daily",
        "events": ["milestone_completed"],
    })
    assert answer.status_code == 200
    assert set(answer.context["form"].errors) == {"stakeholder", "about"}
    assert not Subscription.objects.filter(stakeholder=other.bob, scope="project").exists()


def test_the_coordinator_edits_a_subscription(world: World) -> None:
    subscription = Subscription.objects.create(stakeholder=world.bob, scope="cluster", scope_id=world.cluster.pk,
                                               events=["forum_reminder"])
    client = english(world.coordinator)
    form = client.get(url("subscription-edit", world, subscription.pk))
    assert form.status_code == 200 and 'name="version" value="1"' in form.content.decode()
    mark = last_event_id()
    answer = client.post(url("subscription-edit", world, subscription.pk), {
        "about": f"plan:{world.plan.pk}", "events": ["forum_reminder", "phase_started"], "frequency": "weekly",
        "is_active": "on", "version": "1",
    })
    assert answer.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.scope, subscription.scope_id, subscription.frequency, subscription.version) == (
        "plan", world.plan.pk, "weekly", 2)
    [event] = events_since(mark)
    assert (event.action, event.object_id, event.source) == ("update", subscription.pk, "web")
    assert event.changes["scope"] == ["cluster", "plan"] and event.changes["frequency"] == ["immediate", "weekly"]
    assert set(event.changes) - {"scope_id"} == {"scope", "events", "frequency"}  # ids may coincide


def test_a_stale_edit_says_so_keeps_the_input_and_shows_the_current_values(world: World) -> None:
    subscription = Subscription.objects.create(stakeholder=world.bob, scope="cluster", scope_id=world.cluster.pk,
                                               events=["forum_reminder"])
    subscription_update(subscription_id=subscription.pk, actor=world.coordinator_actor,
                        values={"frequency": "daily"})  # someone else, meanwhile: version 2
    client = english(world.coordinator)
    mark = last_event_id()
    typed = {"about": f"cluster:{world.cluster.pk}", "events": ["phase_started"], "frequency": "weekly",
             "is_active": "on", "version": "1"}
    answer = client.post(url("subscription-edit", world, subscription.pk), typed)
    assert answer.status_code == 409
    html = answer.content.decode()
    assert "Someone else changed this while you were editing it." in html
    assert "Current values (saved by someone else)" in html and "daily digest" in html
    form = answer.context["form"]
    assert form.data.getlist("events") == ["phase_started"] and form.data["frequency"] == "weekly"
    assert 'name="version" value="2"' in html  # sending it again applies the input over the current version
    assert events_since(mark) == []
    again = client.post(url("subscription-edit", world, subscription.pk), {**typed, "version": "2"})
    assert again.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.frequency, subscription.events) == ("weekly", ["phase_started"])


def test_the_coordinator_deletes_a_subscription_after_confirming(world: World) -> None:
    subscription = Subscription.objects.create(stakeholder=world.bob, scope="cluster", scope_id=world.cluster.pk)
    client = english(world.coordinator)
    confirm = client.get(url("subscription-delete", world, subscription.pk))
    assert confirm.status_code == 200 and "Bob Buyer will no longer receive" in confirm.content.decode()
    assert Subscription.objects.filter(pk=subscription.pk).exists()  # a GET changes nothing
    mark = last_event_id()
    answer = client.post(url("subscription-delete", world, subscription.pk))
    assert answer.status_code == 302 and not Subscription.objects.filter(pk=subscription.pk).exists()
    [event] = events_since(mark)
    assert (event.action, event.object_id, event.source) == ("delete", subscription.pk, "web")


def test_the_list_costs_the_same_queries_for_few_and_many_subscriptions(world: World) -> None:
    client = english(world.coordinator)
    client.get(url("subscriptions", world))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("subscriptions", world)).status_code == 200
        return len(queries)

    ensure_profiles(cluster_id=world.cluster.pk)
    few = count()
    people = StakeholderFactory.create_batch(30, cluster=world.cluster)
    ensure_profiles(cluster_id=world.cluster.pk)
    for person in people[:10]:
        Subscription.objects.create(stakeholder=person, scope="project", scope_id=world.project.pk)
    assert Subscription.objects.filter(stakeholder__cluster=world.cluster).count() > 40
    assert count() == few


def test_a_subscription_needs_at_least_one_kind_of_message(world: World) -> None:
    answer = english(world.coordinator).post(url("subscription-new", world), {
        "stakeholder": world.bob.pk, "about": f"cluster:{world.cluster.pk}", "frequency": "daily",
    })
    assert answer.status_code == 200
    assert answer.context["form"].errors["events"] == ["This field is required."]
    assert not Subscription.objects.filter(stakeholder=world.bob).exists()
