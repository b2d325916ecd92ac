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
