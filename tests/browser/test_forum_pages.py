"""Attendance on a phone in a real browser: the coordinator, on a 360x740 screen, opens the
demo's next forum, searches the check-in list, checks two organizations in and sees the count
change; then opens the open agreement and reads its tally. No page scrolls sideways; every page
goes through axe-core with a screenshot."""

from __future__ import annotations

from typing import Any

import pytest

from plans.models import Agreement, Forum, ForumAttendance

PHONE_WIDTH = 360


def assert_no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide on a {PHONE_WIDTH} px screen"


@pytest.mark.django_db(transaction=True)
def test_coordinator_takes_attendance_on_a_phone_and_reads_a_tally(
    mobile_page_as: Any, url: Any, check_page: Any
) -> None:
    forum = Forum.objects.get(title__startswith="II Foro", status=Forum.Status.SCHEDULED)
    agreement = Agreement.objects.get(status=Agreement.Status.OPEN, plan=forum.plan)
    page = mobile_page_as("coordinator", locale="en-US")

    page.goto(url(f"/forums/{forum.pk}/"))
    assert page.get_by_role("heading", level=1).inner_text() == forum.title
    assert "America/Argentina/Tucuman" in page.inner_text("main")
    check_page(page, "forum-detail-phone")
    assert_no_horizontal_scroll(page)

    page.get_by_role("link", name="Take attendance").click()
    count = page.locator("#attendance-count")
    assert "0 organizations present" in count.inner_text()
    page.get_by_label("Search organizations and people").fill("Tambo muestra 0")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/check-in/?q=Tambo+muestra+0*")
    assert page.locator(".checkin-org").count() == 9  # Tambo muestra 01..09, nobody else
    check_page(page, "forum-checkin-phone")
    assert_no_horizontal_scroll(page)
    button = page.get_by_role("button", name="Check in Tambo muestra 01")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44  # a thumb's target

    button.click()
    page.wait_for_load_state()
    assert "1 organization present" in count.inner_text()
    assert page.get_by_label("Search organizations and people").input_value() == "Tambo muestra 0"
    page.get_by_role("button", name="Check in Tambo muestra 02").click()
    page.wait_for_load_state()
    assert "2 organizations present" in count.inner_text()
    assert page.get_by_role("button", name="Undo check-in of Tambo muestra 02").is_visible()
    assert ForumAttendance.objects.filter(forum=forum, organization__name__startswith="Tambo muestra 0").count() == 2
    check_page(page, "forum-checkin-phone-after")
    assert_no_horizontal_scroll(page)

    page.goto(url(f"/agreements/{agreement.pk}/"))
    tally = page.get_by_role("table", name="Tally so far")
    agree_row = tally.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Agree", exact=True))
    assert agree_row.get_by_role("cell").first.inner_text() == "2"
    assert "Mesa de Lechería Provincial" in agree_row.inner_text()
    check_page(page, "agreement-detail-phone")
    assert_no_horizontal_scroll(page)


@pytest.mark.django_db(transaction=True)
def test_every_forum_agreement_and_phase_page_is_accessible_on_a_phone(
    mobile_page_as: Any, url: Any, check_page: Any
) -> None:
    forum = Forum.objects.get(title__startswith="II Foro", status=Forum.Status.SCHEDULED)
    plan = forum.plan
    active = plan.phases.get(status="active")
    page = mobile_page_as("coordinator", locale="en-US")
    for name, path in (
        ("forum-list-phone", f"/plans/{plan.pk}/forums/"),
        ("forum-schedule-phone", f"/plans/{plan.pk}/forums/new/"),
        ("forum-edit-phone", f"/forums/{forum.pk}/edit/"),
        ("forum-hold-phone", f"/forums/{forum.pk}/hold/"),
        ("agreement-list-phone", f"/plans/{plan.pk}/agreements/"),
        ("agreement-create-phone", f"/plans/{plan.pk}/agreements/new/"),
        ("phase-list-phone", f"/plans/{plan.pk}/phases/"),
        ("phase-complete-phone", f"/phases/{active.pk}/complete/"),
    ):
        response = page.goto(url(path))
        assert response is not None and response.status == 200, path
        check_page(page, name)
        assert_no_horizontal_scroll(page)
    # A refusal shown in place, in plain language, the input kept: held before it starts.
    page.goto(url(f"/forums/{forum.pk}/hold/"))
    page.get_by_label("Minutes (what was discussed and decided)").fill("Acta del taller")
    page.get_by_role("button", name="Save minutes and mark held").click()
    assert "A forum cannot be recorded as held before it starts." in page.inner_text("main")
    assert page.get_by_label("Minutes (what was discussed and decided)").input_value() == "Acta del taller"
    check_page(page, "forum-hold-refused-phone")
