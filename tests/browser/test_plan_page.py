"""The plan page in a real browser: a coordinator's day on the demo data.

Locators use ids and form field names, not text: the page is in Spanish (the browser's
language) and its words may change with the catalogue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from plans.models import HistoryEvent, Plan
from projects.models import Milestone
from tests.browser.shots import first_screen

OPEN = Milestone.OPEN_STATUSES


def plan_of(slug: str) -> Plan:
    return Plan.objects.get(cluster__slug=slug)


def overdue_of(plan: Plan) -> list[Milestone]:
    today = timezone.localdate()
    return list(Milestone.objects.filter(plan=plan, status__in=OPEN, due_date__lt=today).order_by("due_date", "id"))


def test_the_coordinator_completes_and_reschedules_overdue_milestones(
    page_as: Callable[[str], Any], url: Callable[[str], str], check_page: Callable[[Any, str], Any],
) -> None:
    plan = plan_of("lacteo-tucuman")
    first, second = overdue_of(plan)[:2]
    page = page_as("coordinator")

    page.goto(url(f"/plans/{plan.pk}/"))
    check_page(page, "plan-coordinator")
    first_screen(page, "plan-coordinator")  # the README's (docs/screenshots/plan-page.png)
    assert page.locator(f"#milestone-{first.pk}").is_visible()
    assert page.locator(".phase-strip [aria-current=step]").count() == 1
    assert page.locator("svg.money-chart").count() == 2  # ARS and USD

    row = page.locator(f"#milestone-{first.pk}")
    row.locator("a.complete-action").click()  # htmx opens the form in the row
    page.locator(f"#inline-{first.pk} form").wait_for()
    assert page.url.rstrip("/").endswith(f"/plans/{plan.pk}")  # still on the plan page
    check_page(page, "plan-inline-complete")
    page.fill(f"#m{first.pk}-complete-note", "Informe entregado por el laboratorio")
    page.fill(f"#m{first.pk}-complete-evidence_url", "https://example.org/informe.pdf")
    page.locator(f"#inline-{first.pk} button[type=submit]").click()
    page.wait_for_load_state()

    assert page.locator(".alert-success").is_visible()
    assert page.locator(f"#milestone-{first.pk}").count() == 0  # no longer overdue
    first.refresh_from_db()
    assert first.status == Milestone.Status.COMPLETED and first.evidence_url == "https://example.org/informe.pdf"
    assert first.title in page.locator("ol.history > li").first.inner_text()

    new_date = timezone.localdate() + dt.timedelta(days=30)
    row = page.locator(f"#milestone-{second.pk}")
    row.locator("a.reschedule-action").click()
    page.locator(f"#inline-{second.pk} form").wait_for()
    page.fill(f"#m{second.pk}-reschedule-due_date", new_date.isoformat())
    page.fill(f"#m{second.pk}-reschedule-reason", "Lluvias: caminos rurales cortados")
    page.locator(f"#inline-{second.pk} button[type=submit]").click()
    page.wait_for_load_state()

    assert page.locator(".alert-success").is_visible()
    assert page.locator(f"#milestone-{second.pk}").count() == 0  # due in 30 days: neither overdue nor soon
    second.refresh_from_db()
    assert second.due_date == new_date and second.baseline_due_date != new_date
    latest = page.locator("ol.history > li").first.inner_text()
    assert second.title in latest and "Lluvias: caminos rurales cortados" in latest
    event = HistoryEvent.objects.filter(object_id=second.pk, action="reschedule").get()
    assert event.source == "web"
    check_page(page, "plan-after-actions")


def test_a_progress_note_from_its_own_page(
    page_as: Callable[[str], Any], url: Callable[[str], str], check_page: Callable[[Any, str], Any],
) -> None:
    """Without htmx (as with JavaScript off) the row's link opens the form on its own page."""
    plan = plan_of("lacteo-tucuman")
    milestone = overdue_of(plan)[0]
    page = page_as("coordinator")
    page.goto(url(f"/plans/{plan.pk}/"))

    href = page.locator(f"#milestone-{milestone.pk} a.update-action").get_attribute("href")
    page.goto(url(href))
    check_page(page, "milestone-update-form")
    page.fill("textarea[name=note]", "Se recibieron 12 de las 20 muestras")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_load_state()

    assert page.url.rstrip("/").endswith(f"/plans/{plan.pk}")
    assert page.locator(".alert-success").is_visible()
    assert milestone.updates.filter(note="Se recibieron 12 de las 20 muestras").count() == 1


def test_coordinator_fruit_sees_the_fine_fruit_plans_overdue_milestones(
    page_as: Callable[[str], Any], url: Callable[[str], str], check_page: Callable[[Any, str], Any],
) -> None:
    plan = plan_of("frutas-finas-norpatagonia")
    overdue = overdue_of(plan)
    page = page_as("coordinator-fruit")

    page.goto(url(f"/plans/{plan.pk}/"))

    check_page(page, "plan-coordinator-fruit")
    assert len(overdue) >= 3
    for milestone in overdue:
        assert page.locator(f"#milestone-{milestone.pk}").is_visible()
    other = plan_of("lacteo-tucuman")
    assert page.goto(url(f"/plans/{other.pk}/")).status == 404


def test_the_plan_page_with_its_assets_weighs_under_200_kb(
    page_as: Callable[[str], Any], url: Callable[[str], str], transfer_size: Callable[[Any, str], int],
) -> None:
    plan = plan_of("frutas-finas-norpatagonia")  # the demo's biggest plan: 12 projects
    size = transfer_size(page_as("coordinator-fruit"), url(f"/plans/{plan.pk}/"))
    assert 0 < size < 200_000, f"{size} bytes"


def test_the_auditor_reads_the_plan_without_a_write_control(
    page_as: Callable[[str], Any], url: Callable[[str], str], check_page: Callable[[Any, str], Any],
) -> None:
    plan = plan_of("lacteo-tucuman")
    page = page_as("auditor")

    page.goto(url(f"/plans/{plan.pk}/"))

    check_page(page, "plan-auditor")
    assert page.locator(f"#milestone-{overdue_of(plan)[0].pk}").is_visible()
    assert page.locator("main form:not([method=get])").count() == 0  # no write form
    assert page.locator("main form[method=get] input[name=as_of]").count() == 1  # the as-of picker reads
    assert page.locator("main a.complete-action, main a.reschedule-action, main a.update-action").count() == 0
