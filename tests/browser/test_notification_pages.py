"""The coordinator's delivery log in a real browser: open it, filter rows in doubt, resend one."""

from __future__ import annotations

from typing import Any

import pytest

from notifications.kinds import Kind
from notifications.models import Delivery
from notifications.services import enqueueing, outbox
from notifications.services.recipients import Recipient
from plans.models import Cluster, Stakeholder
from projects.demo import dairy


def _delivery(cluster: Cluster, person: Stakeholder, occurrence: str) -> int:
    """A pending delivery made as the dispatcher makes one."""
    recipient = Recipient(email=person.email, language=person.language, time_zone=person.time_zone,
                          stakeholder_id=person.pk)
    [delivery_id] = enqueueing.insert_deliveries([enqueueing.build_delivery(
        occurrence=occurrence, recipient=recipient, kind=Kind.MILESTONE_COMPLETED, cluster_id=cluster.pk,
    )])
    return delivery_id


def _in_doubt(cluster: Cluster, person: Stakeholder) -> int:
    """Claimed by a worker whose SMTP answer was lost: what the sender leaves for a person to decide."""
    delivery_id = _delivery(cluster, person, "browser-doubt")
    assert outbox.claim(delivery_id)
    outbox.mark_ambiguous(delivery_id, error="connection lost after DATA")
    return delivery_id


@pytest.mark.django_db(transaction=True)
def test_the_coordinator_filters_the_log_and_resends_a_row_in_doubt(
    page_as: Any, url: Any, check_page: Any
) -> None:
    from playwright.sync_api import expect

    cluster = Cluster.objects.get(slug=dairy.SLUG)
    person = Stakeholder.objects.filter(cluster=cluster, is_active=True).order_by("pk").first()
    assert person is not None
    doubt = _in_doubt(cluster, person)
    waiting = _delivery(cluster, person, "browser-waiting")

    page = page_as("coordinator", locale="en-US")
    page.goto(url("/notifications/"))
    page.get_by_role("link", name="Delivery log").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delivery log")
    expect(page.locator(f"#delivery-{waiting}")).to_be_visible()
    check_page(page, "notifications-delivery-log")

    page.get_by_label("Status").select_option("in_doubt")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(f"#delivery-{waiting}")).to_have_count(0)
    row = page.locator(f"#delivery-{doubt}")
    expect(row).to_contain_text("In doubt: sending started but no answer was recorded")
    check_page(page, "notifications-delivery-log-in-doubt")

    row.get_by_role("button", name="Resend").click()
    expect(page.get_by_role("status").filter(has_text="is queued to be sent again")).to_be_visible()
    assert "status=in_doubt" in page.url  # back on the log as it was filtered
    expect(page.locator(f"#delivery-{doubt}")).to_have_count(0)  # no longer in doubt
    check_page(page, "notifications-delivery-log-after-resend")

    resent = Delivery.objects.get(pk=doubt)
    assert (resent.status, resent.needs_review, resent.attempts) == (Delivery.Status.PENDING, False, 0)


@pytest.mark.django_db(transaction=True)
def test_the_coordinators_subscription_and_reminder_pages_pass_axe(
    page_as: Any, url: Any, check_page: Any
) -> None:
    from playwright.sync_api import expect

    from notifications.models import ReminderPolicy, Subscription
    from notifications.services.recipients import ensure_profiles
    from plans.models import Plan

    cluster = Cluster.objects.get(slug=dairy.SLUG)
    ensure_profiles(cluster_id=cluster.pk)  # everyone's default subscription, as the first message makes it
    plan = Plan.objects.filter(cluster=cluster).order_by("-edition").first()
    assert plan is not None
    page = page_as("coordinator", locale="en-US")

    page.goto(url("/notifications/"))
    check_page(page, "notifications-overview")
    page.get_by_role("link", name="Subscriptions").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Subscriptions")
    check_page(page, "notifications-subscriptions")
    page.get_by_role("link", name="Edit").first.click()
    check_page(page, "notifications-subscription-edit")
    page.get_by_label("Weekly digest").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="saved")).to_be_visible()
    assert Subscription.objects.filter(stakeholder__cluster=cluster, frequency="weekly").count() == 1

    page.goto(url(f"/notifications/plans/{plan.pk}/reminders/"))
    check_page(page, "notifications-reminder-policy")
    page.get_by_label("Remind the responsible person").fill("10, 3")
    page.get_by_role("button", name="Save the reminders").click()
    expect(page.get_by_role("status").filter(has_text="is saved")).to_be_visible()
    assert ReminderPolicy.objects.get(plan=plan).due_soon_days == [10, 3]
