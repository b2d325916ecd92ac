"""The front door: log in by username or email, the lockout, a home that fits the role,
log out, password reset by email, the language switch, and the layout on every page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import TEST_PASSWORD
from tests.world import World

pytestmark = pytest.mark.django_db


def log_in(people: World, username: str, password: str = TEST_PASSWORD, **extra: Any) -> Any:
    return people.browser(None).post(reverse("plans:login"), {"username": username, "password": password, **extra})


# --- The login page ------------------------------------------------------------------------------


def test_the_site_root_is_the_login_page_in_spanish_by_default(people: World) -> None:
    response = people.browser(None, language="").get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert 'name="username"' in html and 'name="password"' in html
    assert reverse("plans:password_reset") in html
    assert f'action="{reverse("set_language")}"' in html


def test_log_in_with_the_username_lands_on_home(people: World) -> None:
    response = log_in(people, "stakeholder")
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:home")


def test_log_in_with_the_email_in_any_case(people: World) -> None:
    client = people.browser(None)
    response = client.post(reverse("plans:login"), {"username": "Stakeholder@Example.org", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("plans:home")).context["user"].username == "stakeholder"


def test_an_email_shared_by_two_accounts_does_not_log_in(people: World) -> None:
    people.users["nobody"].email = "stakeholder@example.org"
    people.users["nobody"].save()
    response = log_in(people, "stakeholder@example.org")
    assert response.status_code == 200
    assert "Wrong username, email or password." in response.content.decode()


def test_a_wrong_password_says_so_and_never_mentions_a_staff_account(people: World) -> None:
    response = log_in(people, "stakeholder", "wrong-password")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Wrong username, email or password." in html
    assert "staff" not in html.lower()
    assert 'value="stakeholder"' in html  # what the person typed is kept


def test_the_next_page_is_honoured_on_this_site_only(people: World) -> None:
    inside = log_in(people, "admin", next="/portfolio/")
    assert inside["Location"] == "/portfolio/"
    outside = log_in(people, "admin", next="https://evil.example.com/")
    assert outside["Location"] == reverse("plans:home")


def test_a_logged_in_person_opening_the_login_page_goes_home(people: World) -> None:
    response = people.browser("stakeholder").get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:home")


def test_repeated_failures_lock_the_account_out_with_a_clear_message(people: World, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client = people.browser(None)
    url = reverse("plans:login")
    # Username and email spellings count against the same account.
    for identifier in ("coordinator", "coordinator@example.org"):
        assert client.post(url, {"username": identifier, "password": "nope"}).status_code == 200
    locked = client.post(url, {"username": "coordinator", "password": "nope"})
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("text/html")
    assert "Too many failed login attempts" in locked.content.decode()
    # Locked out: even the right password is refused, with the same page.
    again = client.post(url, {"username": "coordinator@example.org", "password": TEST_PASSWORD})
    assert again.status_code == 429
    assert "Too many failed login attempts" in again.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_session_cookie_is_http_only_and_same_site(people: World) -> None:
    response = log_in(people, "stakeholder")
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 12 * 3600  # a working day


def test_in_production_the_session_and_csrf_cookies_are_secure(people: World, settings: Any) -> None:
    settings.SESSION_COOKIE_SECURE = True  # what IS_PRODUCTION sets (check --deploy is tested too)
    settings.CSRF_COOKIE_SECURE = True
    client = people.browser(None)
    page = client.get("/", secure=True)
    assert page.cookies["csrftoken"]["secure"] is True
    token = page.cookies["csrftoken"].value
    response = client.post(
        reverse("plans:login"), {"username": "stakeholder", "password": TEST_PASSWORD, "csrfmiddlewaretoken": token},
        secure=True,
    )
    assert response.cookies["sessionid"]["secure"] is True


# --- Home by role --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "global_auditor"])
def test_administrators_and_all_cluster_auditors_land_on_the_portfolio(people: World, who: str) -> None:
    response = people.browser(who).get(reverse("plans:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:portfolio")


def test_a_coordinator_of_one_cluster_lands_on_its_plan(people: World) -> None:
    response = people.browser("coordinator").get(reverse("plans:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:plan", kwargs={"plan_id": people.own.plan.pk})


def test_the_current_plan_is_the_newest_open_edition(people: World) -> None:
    from tests.factories import PlanFactory

    newer = PlanFactory.create(cluster=people.own.cluster, title="PMC lácteo 2016", edition=2)
    PlanFactory.create(cluster=people.own.cluster, title="Cancelled draft", edition=3, status="cancelled")
    response = people.browser("coordinator").get(reverse("plans:home"))
    assert response["Location"] == reverse("projects:plan", kwargs={"plan_id": newer.pk})


def test_a_coordinator_of_several_clusters_chooses(people: World) -> None:
    response = people.browser("coordinator-both").get(reverse("plans:home"))
    assert response.status_code == 200
    html = response.content.decode()
    for plan in (people.own.plan, people.other.plan):
        assert reverse("projects:plan", kwargs={"plan_id": plan.pk}) in html
        assert plan.title in html


def test_a_stakeholder_sees_what_they_can_see_never_a_staff_error(people: World) -> None:
    response = people.browser("stakeholder").get(reverse("plans:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert people.own.cluster.name in html
    assert reverse("projects:plan", kwargs={"plan_id": people.own.plan.pk}) in html
    assert "stakeholder" in html
    assert people.other.cluster.name not in html and people.other.plan.title not in html
    assert "staff" not in html.lower()


def test_someone_without_a_role_is_told_whom_to_ask(people: World) -> None:
    response = people.browser("nobody").get(reverse("plans:home"))
    assert response.status_code == 200
    assert "no role in any cluster yet" in response.content.decode()


def test_home_and_portfolio_need_a_login(people: World) -> None:
    for name in ("plans:home", "projects:portfolio"):
        response = people.browser(None).get(reverse(name))
        assert response.status_code == 302
        assert response["Location"] == f"/?next={reverse(name)}"


# --- Log out ---------------------------------------------------------------------------------------


def test_log_out_is_a_post_and_ends_the_session(people: World) -> None:
    client = people.browser("stakeholder")
    assert client.get(reverse("plans:logout")).status_code == 405  # a GET never changes anything
    assert "_auth_user_id" in client.session
    response = client.post(reverse("plans:logout"), follow=True)
    assert response.redirect_chain[-1] == (reverse("plans:login"), 302)
    assert "You have logged out." in response.content.decode()
    assert client.get(reverse("plans:home")).status_code == 302  # back to the login page


# --- Password reset ---------------------------------------------------------------------------------


def test_password_reset_by_email_sets_a_new_password(people: World) -> None:
    client = people.browser(None)
    response = client.post(reverse("plans:password_reset"), {"email": "stakeholder@example.org"})
    assert response["Location"] == reverse("plans:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["stakeholder@example.org"]
    assert "PMC Tracker" in message.subject
    link = re.search(r"http://testserver(/password-reset/[^/\s]+/[^/\s]+/)", str(message.body))
    assert link, message.body
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    done = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1),
        {"new_password1": "Leche-de-calidad-2012", "new_password2": "Leche-de-calidad-2012"},
    )
    assert done["Location"] == reverse("plans:password_reset_complete")
    assert log_in(people, "stakeholder", "Leche-de-calidad-2012").status_code == 302


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(people: World) -> None:
    response = people.browser(None).post(reverse("plans:password_reset"), {"email": "nobody-here@example.org"})
    assert response["Location"] == reverse("plans:password_reset_done")
    assert mail.outbox == []


def test_a_used_or_forged_reset_link_says_it_no_longer_works(people: World) -> None:
    url = reverse("plans:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "forged"})
    response = people.browser(None).get(url)
    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()


# --- Language switch and layout ---------------------------------------------------------------------


def test_the_language_switch_changes_the_pages_language(people: World) -> None:
    client = people.browser(None, language="")
    assert '<html lang="es">' in client.get("/").content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Username or email" in html


def test_every_page_has_the_layout_the_person_and_csrf_on_each_form(people: World) -> None:
    client = people.browser("coordinator-both")
    html = client.get(reverse("plans:home")).content.decode()
    assert 'class="skip-link" href="#main"' in html
    assert '<main id="main"' in html
    assert 'aria-label="Breadcrumbs"' in html
    assert "<footer" in html and reverse("set_language") in html
    assert "Coordinator-Both" in html  # the header names the person
    forms = re.findall(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", html, flags=re.S)
    assert len(forms) >= 2  # log out + language switch
    assert all("csrfmiddlewaretoken" in form for form in forms)


def test_the_header_names_the_cluster_on_its_pages(people: World) -> None:
    page = people.browser("coordinator").get(reverse("projects:plan", kwargs={"plan_id": people.own.plan.pk}))
    assert page.status_code == 200
    header = page.content.decode().split("</header>")[0]
    assert people.own.cluster.name in header


def test_pages_are_not_found_and_not_allowed_in_plain_language(people: World) -> None:
    client = people.browser("coordinator")
    missing = client.get(reverse("projects:plan", kwargs={"plan_id": people.other.plan.pk}))
    assert missing.status_code == 404
    assert "Page not found" in missing.content.decode()
    # Non-ASCII digits and ids beyond 64 bits do not match the route at all.
    assert client.get("/plans/\u0661/").status_code == 404
    assert client.get(f"/plans/{2**63}/").status_code == 404


def test_a_form_sent_without_its_csrf_token_gets_a_plain_language_page(people: World) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("plans:login"), {"username": "stakeholder", "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert "The form expired" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_home_page_query_count_is_flat_in_the_number_of_clusters(people: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from plans.models import Role
    from tests.factories import ClusterFactory, PlanFactory, RoleAssignmentFactory

    def queries() -> int:
        client = people.browser("coordinator-both")
        client.get(reverse("plans:home"))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("plans:home")).status_code == 200
        return len(captured.captured_queries)

    small = queries()
    for n in range(8):
        cluster = ClusterFactory.create(name=f"Clúster {n}")
        PlanFactory.create(cluster=cluster, edition=1)
        PlanFactory.create(cluster=cluster, edition=2)
        RoleAssignmentFactory.create(user=people.users["coordinator-both"], cluster=cluster, role=Role.STAKEHOLDER)
    assert queries() == small
