"""The auditor's workbench in a real browser, on the demo data: the programme's auditor filters
the Tucumán dairy plan's history, opens the plan as it stood just before a change, compares two
dates and runs the chain check. Every page goes through axe-core with a screenshot.

In English (locale="en-US"), so the text the view tests assert is the text read here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

from django.utils.dateparse import parse_datetime

from plans.models import HistoryChainHead, HistoryEvent, Plan


def test_the_auditor_filters_the_history_goes_back_compares_and_verifies(
    page_as: Callable[..., Any], url: Callable[[str], str], check_page: Callable[[Any, str], Any],
) -> None:
    plan = Plan.objects.get(cluster__slug="lacteo-tucuman")
    page = page_as("auditor", locale="en-US")

    page.goto(url(f"/plans/{plan.pk}/"))
    page.locator("nav.plan-nav").get_by_role("link", name="History", exact=True).click()
    page.wait_for_url(f"**/plans/{plan.pk}/history/")
    assert page.get_by_role("heading", level=1).inner_text() == "History of the plan"
    check_page(page, "history-timeline")

    # Filter: the milestones' changes only
    page.get_by_label("Object type").select_option("projects.milestone")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/history/?*object_type=projects.milestone*")
    events = page.locator("ol.timeline > li")
    assert events.count() > 0
    ids = [int(i.removeprefix("event-")) for i in events.evaluate_all("items => items.map(i => i.id)")]
    assert set(HistoryEvent.objects.filter(pk__in=ids).values_list("object_type", flat=True)) == {"projects.milestone"}
    assert page.get_by_label("Object type").input_value() == "projects.milestone"  # the filter stays shown
    check_page(page, "history-timeline-filtered")

    # The full hash on demand
    first = events.first
    first.locator("details summary").click()
    event = HistoryEvent.objects.get(pk=ids[0])
    assert first.locator("dl.hashes code").first.inner_text() == event.hash

    # The plan just before this change (the as-of page itself is the plan page's business)
    with page.expect_navigation() as navigation:
        first.locator("a.before-link").click()
    assert navigation.value.status == 200
    address = urlparse(page.url)
    assert address.path == f"/plans/{plan.pk}/"
    as_of = parse_datetime(parse_qs(address.query)["as_of"][0])
    assert as_of is not None and as_of < event.occurred_at
    check_page(page, "history-plan-just-before")

    # Compare two dates: from long before the demo to now
    page.goto(url(f"/plans/{plan.pk}/history/compare/"))
    check_page(page, "history-compare-empty")
    page.fill("#compare-from", "2000-01-01T00:00:00")
    page.get_by_role("button", name="Compare", exact=True).click()
    page.wait_for_url("**/history/compare/?from=2000-01-01T00*")
    assert "objects changed" in page.locator("#compare-summary").inner_text()
    assert page.locator("#compare-created li").count() > 0
    check_page(page, "history-compare")

    # Verify: a POST from the button, the head to publish
    page.goto(url(f"/plans/{plan.pk}/history/verify/"))
    check_page(page, "history-verify")
    page.get_by_role("button", name="Verify the chain now").click()
    page.locator("#verify-result").wait_for()
    assert page.locator("#result-title").inner_text() == "The chain is intact"
    head = HistoryChainHead.objects.get(chain_id=plan.cluster_id)
    assert page.locator("#chain-head").inner_text() == f"{head.chain_id}:{head.last_seq}:{head.last_hash}"
    check_page(page, "history-verify-result")
