"""The front door in a real browser on the demo data: the coordinator logs in and lands on the
plan, logs out; the administrator sees the portfolio; the language switch; the lockout
message. Every visited page goes through axe-core and leaves a screenshot."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow


def log_in(page: Any, url: Any, username: str, password: str | None = None) -> None:
    page.goto(url("/"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password if password is not None else settings.DEMO_PASSWORD)
    page.locator("form.card button[type=submit]").click()
    page.wait_for_load_state("load")


def test_the_login_page_is_spanish_accessible_and_light(demo: None, new_page: Any, url: Any, check_page: Any,
                                                        transfer_size: Any) -> None:
    page = new_page()
    size = transfer_size(page, url("/"))
    assert size < 200 * 1024, f"the login page with its assets weighs {size} bytes"
    assert page.locator("html").get_attribute("lang") == "es"
    check_page(page, "login")


def test_the_coordinator_logs_in_lands_on_the_plan_and_logs_out(demo: None, new_page: Any, url: Any,
                                                                 check_page: Any) -> None:
    from plans.models import Plan
    from projects.demo.dairy import SLUG

    plan = Plan.objects.filter(cluster__slug=SLUG).order_by("-edition").first()
    assert plan is not None
    page = new_page(locale="en-US")
    log_in(page, url, "coordinator")
    assert page.url == url(f"/plans/{plan.pk}/")
    header = page.locator("header.site-header")
    assert "coordinator" in header.inner_text().lower()
    check_page(page, "coordinator-plan")
    page.locator("header form button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.url == url("/")
    assert "You have logged out." in page.locator("main").inner_text()
    page.goto(url("/home/"))
    assert page.url.startswith(url("/?next="))  # the session is over


def test_the_administrator_sees_the_portfolio(demo: None, page_as: Any, url: Any, check_page: Any,
                                              transfer_size: Any) -> None:
    page = page_as("admin", locale="en-US")
    size = transfer_size(page, url("/home/"))
    assert page.url == url("/portfolio/")
    assert size < 200 * 1024, f"the portfolio with its assets weighs {size} bytes"
    table = page.locator("table.portfolio")
    assert table.locator("tbody tr").count() >= 2  # the dairy and the fine-fruit clusters
    assert table.locator("progress").count() >= 2
    assert "ARS" in table.inner_text()
    check_page(page, "portfolio")


def test_the_language_switch_turns_the_page_english(demo: None, page_as: Any, url: Any, check_page: Any) -> None:
    page = page_as("stakeholder")
    page.goto(url("/home/"))
    assert page.url == url("/me/")  # a stakeholder's home is their own page
    assert page.locator("html").get_attribute("lang") == "es"
    check_page(page, "stakeholder-home")
    page.locator("footer button[value=en]").click()
    page.wait_for_load_state("load")
    assert page.url == url("/me/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Milestones you are responsible for" in page.locator("main").inner_text()
    check_page(page, "stakeholder-home-en")


def test_too_many_failed_logins_show_the_lockout_message(demo: None, new_page: Any, url: Any, check_page: Any,
                                                          settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    page = new_page(locale="en-US")
    log_in(page, url, "coordinator", "wrong")
    assert "Wrong username, email or password." in page.locator("main").inner_text()
    log_in(page, url, "coordinator", "wrong again")
    log_in(page, url, "coordinator")  # the right password, too late
    assert "Too many failed login attempts" in page.locator("main [role=alert]").inner_text()
    assert page.locator("#id_username").is_visible()  # still the login page, not an error body
    check_page(page, "login-locked-out")
