"""In Chromium, as a coordinator: filter the plan's milestones, open the month calendar (and
its phone layout), create a project, add two beneficiaries and move it one status.

The fine-fruit demo plan is used: it is in execution and has overdue milestones, so the
filter has something to find. Controls are found by their ids and values (not their text),
as the pages are in Spanish.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.urls import reverse
from django.utils import timezone

from plans.models import HistoryEvent, Plan, Source
from projects.models import Milestone, Project


def fruit_plan() -> Plan:
    from projects.demo import finefruit

    plan = Plan.objects.filter(cluster__slug=finefruit.SLUG).order_by("-edition").first()
    assert plan is not None
    return plan


def test_coordinator_filters_milestones_opens_the_calendar_and_runs_a_new_project(
    page_as: Callable[[str], Any], mobile_page_as: Callable[[str], Any], url: Callable[[str], str],
    check_page: Callable[[Any, str], None],
) -> None:
    plan = fruit_plan()
    overdue = Milestone.objects.filter(plan=plan, status__in=Milestone.OPEN_STATUSES,
                                       due_date__lt=timezone.localdate()).count()
    page = page_as("coordinator-fruit")

    page.goto(url(reverse("projects:milestone-list", kwargs={"plan_id": plan.pk})))
    check_page(page, "milestones-list")
    page.check("#id_overdue")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"overdue=on"))
    rows = page.locator(".milestone-table tbody tr")
    assert overdue > 0 and rows.count() == min(overdue, 25)
    assert rows.count() == page.locator(".milestone-table tbody tr.is-overdue").count()
    check_page(page, "milestones-overdue")

    page.locator(".tabs a").nth(1).click()
    page.wait_for_url(re.compile(r"/milestones/calendar/"))
    assert page.locator("table.month-grid td").count() >= 28
    check_page(page, "milestones-calendar")
    page.locator("a[rel=prev]").click()
    page.wait_for_url(re.compile(r"month=\d{4}-\d{2}"))
    check_page(page, "milestones-calendar-previous")

    phone = mobile_page_as("coordinator-fruit")
    phone.goto(url(reverse("projects:milestone-calendar", kwargs={"plan_id": plan.pk})))
    assert phone.locator("table.month-grid thead").bounding_box()["width"] <= 1  # a list, not a grid
    check_page(phone, "milestones-calendar-phone")

    page.goto(url(reverse("projects:project-create", kwargs={"plan_id": plan.pk})))
    page.fill("#id_code", "WEB-1")
    page.fill("#id_title", "Laboratorio compartido de calidad")
    page.select_option("#id_category", "quality")
    check_page(page, "project-create")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/projects/\d+/$"))
    project = Project.objects.get(plan=plan, code="WEB-1")

    for _ in range(2):
        page.select_option("#id_organization", index=1)
        page.locator("#beneficiaries form:not(.inline-form) button[type=submit]").click()
        page.wait_for_url(re.compile(r"#beneficiaries$"))
    assert page.locator("#beneficiaries ul.beneficiaries li").count() == 2

    page.locator('button[name=to][value="formulated"]').click()
    page.wait_for_url(re.compile(rf"/projects/{project.pk}/$"))
    assert page.locator("h1 .badge.status-formulated").count() == 1
    check_page(page, "project-detail")

    project.refresh_from_db()
    assert project.status == Project.Status.FORMULATED
    assert project.beneficiaries.count() == 2
    events = HistoryEvent.objects.filter(plan_id=plan.pk, source=Source.WEB).order_by("id")
    assert [(e.object_type, e.action) for e in events] == [
        ("projects.project", "create"), ("projects.projectbeneficiary", "create"),
        ("projects.projectbeneficiary", "create"), ("projects.project", "transition"),
    ]
