"""The admin page listing deliveries, and a person's decision on a row in doubt."""

from __future__ import annotations

from typing import Any

import pytest

from notifications.models import Delivery, NotificationProfile
from notifications.services.recipients import ensure_profiles
from tests.factories import UserFactory
from tests.world import World

pytestmark = pytest.mark.django_db


def test_admin_lists_deliveries_and_resends_a_row_in_doubt(world: World, client: Any) -> None:
    admin_user = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    doubt = Delivery.objects.create(dedup_key="k-doubt", kind="milestone_completed", to_email=world.bob.email,
                                    stakeholder=world.bob, cluster=world.cluster, status="sending",
                                    needs_review=True, attempts=1)
    page = client.get("/admin/notifications/delivery/?needs_review__exact=1")
    assert page.status_code == 200 and world.bob.email.encode() in page.content
    client.post("/admin/notifications/delivery/", {"action": "resend", "_selected_action": [doubt.pk]})
    doubt.refresh_from_db()
    assert doubt.status == "pending" and not doubt.needs_review and doubt.attempts == 0


def test_admin_revokes_a_calendar_link(world: World, client: Any) -> None:
    ensure_profiles(cluster_id=world.cluster.pk)
    client.force_login(UserFactory.create(username="root", is_staff=True, is_superuser=True))
    profile = NotificationProfile.objects.get(stakeholder=world.ana)
    old = profile.calendar_token
    client.post("/admin/notifications/notificationprofile/",
                {"action": "new_calendar_link", "_selected_action": [profile.pk]})
    profile.refresh_from_db()
    assert profile.calendar_token != old


def test_an_auditor_cannot_resend_or_mark_sent_through_the_admin(world: World, client: Any) -> None:
    from django.contrib.auth.models import Permission

    from notifications.admin import DeliveryAdmin

    auditor = world.users["global_auditor"]  # an auditor of all clusters, let into the admin site
    auditor.is_staff = True
    auditor.save()
    # As the demo does (view permissions), plus change: the admin's screens are still not theirs.
    auditor.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="notifications", codename__in=["view_delivery", "change_delivery"]))
    failed = Delivery.objects.create(dedup_key="k-failed", kind="milestone_completed", to_email=world.bob.email,
                                     stakeholder=world.bob, cluster=world.cluster, status="failed", attempts=6)
    doubt = Delivery.objects.create(dedup_key="k-doubt2", kind="milestone_completed", to_email=world.bob.email,
                                    stakeholder=world.bob, cluster=world.cluster, status="sending",
                                    needs_review=True, attempts=1)
    client.force_login(auditor)
    assert client.get("/admin/notifications/delivery/").status_code == 403
    for action in ("resend", "mark_sent"):
        client.post("/admin/notifications/delivery/", {"action": action, "_selected_action": [failed.pk, doubt.pk]})
    failed.refresh_from_db()
    doubt.refresh_from_db()
    assert (failed.status, failed.attempts) == ("failed", 6)
    assert (doubt.status, doubt.needs_review) == ("sending", True)

    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = auditor
    assert DeliveryAdmin(Delivery, site).has_change_permission(request, doubt) is False


NOTIFICATION_SCREENS = ("delivery", "subscription", "reminderpolicy", "notificationprofile", "dispatchrecord")


def test_coordinators_and_auditors_use_the_pages_not_the_admin(world: World, client: Any) -> None:
    """The admin's notification screens show every cluster: programme administrators only."""
    from django.contrib.auth.models import Permission

    world.coordinator.is_staff = True
    world.coordinator.save(update_fields=["is_staff"])
    world.coordinator.user_permissions.add(*Permission.objects.filter(content_type__app_label="notifications"))
    client.force_login(world.coordinator)
    for screen in NOTIFICATION_SCREENS:
        assert client.get(f"/admin/notifications/{screen}/").status_code == 403, screen
    assert b"/admin/notifications/" not in client.get("/admin/").content
    assert client.get(f"/notifications/clusters/{world.cluster.pk}/deliveries/").status_code == 200


def test_programme_administrators_save_subscriptions_and_policies_through_the_services(world: World) -> None:
    from django.test import Client

    from notifications.models import ReminderPolicy, Subscription
    from plans.models import HistoryEvent

    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    client.force_login(UserFactory.create(username="root", is_staff=True, is_superuser=True))
    for screen in NOTIFICATION_SCREENS:
        assert client.get(f"/admin/notifications/{screen}/").status_code == 200, screen
    mark = HistoryEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    added = client.post("/admin/notifications/subscription/add/", {
        "stakeholder": world.bob.pk, "scope": "project", "scope_id": world.project.pk,
        "events": '["milestone_completed"]', "frequency": "weekly",
    })
    assert added.status_code == 302, added.content.decode()[:2000]
    subscription = Subscription.objects.get(stakeholder=world.bob, scope="project")
    refused = client.post("/admin/notifications/subscription/add/", {
        "stakeholder": world.bob.pk, "scope": "project", "scope_id": world.project.pk + 999,
        "events": '["forum_reminder"]', "frequency": "weekly",
    })
    assert refused.status_code == 200 and "No such project in the stakeholder" in refused.content.decode()
    policy_added = client.post("/admin/notifications/reminderpolicy/add/", {
        "plan": world.plan.pk, "due_soon_days": "[5]", "overdue_every_days": 3, "escalate_after_days": 9,
        "forum_reminder_days": 1, "agreement_after_days": 3, "agreement_before_days": 1,
    })
    assert policy_added.status_code == 302, policy_added.content.decode()[:2000]
    assert ReminderPolicy.objects.get(plan=world.plan).due_soon_days == [5]
    deleted = client.post(f"/admin/notifications/subscription/{subscription.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302 and not Subscription.objects.filter(pk=subscription.pk).exists()
    events = list(HistoryEvent.objects.filter(pk__gt=mark).order_by("pk"))
    assert [(e.object_type, e.action, e.source) for e in events] == [
        ("plans.stakeholder", "default_subscription", "admin"),  # bob had no profile yet: his default, recorded
        ("notifications.subscription", "create", "admin"),
        ("notifications.reminderpolicy", "create", "admin"),
        ("notifications.subscription", "delete", "admin"),
    ]
