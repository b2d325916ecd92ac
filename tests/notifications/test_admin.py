"""The admin page listing deliveries, and a person's decision on a row in doubt."""

from __future__ import annotations

from typing import Any

import pytest

from notifications.models import Delivery, NotificationProfile
from notifications.services.recipients import ensure_profiles
from tests.factories import UserFactory

from .conftest import World

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
    from plans.models import Role, RoleAssignment

    auditor = UserFactory.create(username="auditor", is_staff=True, is_superuser=False)
    RoleAssignment.objects.create(user=auditor, cluster=None, role=Role.AUDITOR)
    # As the demo does (view permissions), plus change: the role still forbids writing.
    auditor.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="notifications", codename__in=["view_delivery", "change_delivery"]))
    failed = Delivery.objects.create(dedup_key="k-failed", kind="milestone_completed", to_email=world.bob.email,
                                     stakeholder=world.bob, cluster=world.cluster, status="failed", attempts=6)
    doubt = Delivery.objects.create(dedup_key="k-doubt2", kind="milestone_completed", to_email=world.bob.email,
                                    stakeholder=world.bob, cluster=world.cluster, status="sending",
                                    needs_review=True, attempts=1)
    client.force_login(auditor)
    assert client.get("/admin/notifications/delivery/").status_code == 200
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
