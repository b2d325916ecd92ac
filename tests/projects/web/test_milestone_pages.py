"""The milestone list (filters, pages), the month calendar and a milestone's own page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans.models import Source
from plans.services.history import Actor
from projects.models import Milestone
from projects.services.milestones import milestone_reschedule, milestone_update_post
from tests.factories import MilestoneFactory, MilestoneUpdateFactory, ProjectFactory

from .pages_world import Pages, pages, write_controls

__all__ = ["pages"]
pytestmark = pytest.mark.django_db

ACTIONS_URLCONF = "tests.projects.web.urls_with_actions"


def list_url(pages: Pages) -> str:
    return reverse("projects:milestone-list", kwargs={"plan_id": pages.plan_a.pk})


def ids_on_page(response: Any) -> set[int]:
    return {row["id"] for row in response.context["page_obj"].object_list}


@pytest.fixture
def spread(pages: Pages) -> dict[str, Milestone]:
    """Four milestones of plan A over two projects, in different states, and one of plan B."""
    p2 = ProjectFactory.create(plan=pages.plan_a, code="P2", title="Cheese school")
    today = timezone.localdate()
    return {
        "late": pages.milestone(days=-3, title="Cheese press installed", responsible=pages.people_a[0]),
        "soon": pages.milestone(days=5, project=p2, title="Training day", status=Milestone.Status.IN_PROGRESS,
                                responsible=pages.people_a[1]),
        "done": pages.milestone(days=-10, title="Survey", status=Milestone.Status.COMPLETED, completed_on=today),
        "later": pages.milestone(days=40, project=p2, title="Cheese fair", description="Regional stand"),
        "other": pages.milestone(days=2, project=pages.project_b, title="Berry audit"),
    }


def test_the_list_shows_the_plans_milestones_with_project_responsible_and_lateness(
    pages: Pages, spread: dict[str, Milestone]
) -> None:
    response = pages.client("coordinator").get(list_url(pages))
    assert response.status_code == 200
    html = response.content.decode()
    assert ids_on_page(response) == {spread[k].pk for k in ("late", "soon", "done", "later")}
    assert "Berry audit" not in html  # another cluster's plan
    assert "Ana Ruiz" in html and "Cheese school" in html
    assert "overdue by 3 days" in html
    assert html.index("Survey") < html.index("Cheese press installed") < html.index("Training day")  # by due date


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=completed", {"done"}),
        ("status=pending&status=in_progress", {"late", "soon", "later"}),
        ("overdue=on", {"late"}),
        ("due_soon=on", {"soon"}),
        ("q=cheese", {"late", "later"}),
        ("q=cheese+regional", {"later"}),  # every word, in the title or the description
        ("q=cheese&overdue=on", {"late"}),
    ],
)
def test_filters_narrow_the_list(pages: Pages, spread: dict[str, Milestone], query: str, expected: set[str]) -> None:
    response = pages.client("coordinator").get(f"{list_url(pages)}?{query}")
    assert ids_on_page(response) == {spread[k].pk for k in expected}


def test_project_and_responsible_filters_offer_only_the_plans_choices(
    pages: Pages, spread: dict[str, Milestone]
) -> None:
    client = pages.client("coordinator")
    by_project = client.get(f"{list_url(pages)}?project={spread['soon'].project_id}")
    assert ids_on_page(by_project) == {spread["soon"].pk, spread["later"].pk}
    by_person = client.get(f"{list_url(pages)}?responsible={pages.people_a[0].pk}")
    assert ids_on_page(by_person) == {spread["late"].pk}
    # Another plan's project is not a choice: the filter is refused (said) and not applied.
    foreign = client.get(f"{list_url(pages)}?project={pages.project_b.pk}")
    assert foreign.status_code == 200
    assert ids_on_page(foreign) == {spread[k].pk for k in ("late", "soon", "done", "later")}
    assert "Select a valid choice" in foreign.content.decode()
    assert "Carla Sur" not in foreign.content.decode()


def test_the_list_is_paginated_and_page_links_keep_the_filters(pages: Pages) -> None:
    for i in range(30):
        pages.milestone(days=-1 - i, title=f"Late {i:02d}")
    client = pages.client("coordinator")
    first = client.get(f"{list_url(pages)}?overdue=on")
    assert len(first.context["page_obj"].object_list) == 25
    assert "?overdue=on&amp;page=2" in first.content.decode()
    second = client.get(f"{list_url(pages)}?overdue=on&page=2")
    assert len(second.context["page_obj"].object_list) == 5
    assert not ids_on_page(first) & ids_on_page(second)


def calendar_url(pages: Pages, month: str = "") -> str:
    url = reverse("projects:milestone-calendar", kwargs={"plan_id": pages.plan_a.pk})
    return f"{url}?month={month}" if month else url


def cells_of(response: Any) -> dict[dt.date, list[str]]:
    return {day["date"]: [m["title"] for m in day["milestones"]] for week in response.context["weeks"]
            for day in week}


def test_the_calendar_puts_milestones_on_their_due_dates_and_marks_the_overdue(pages: Pages) -> None:
    today = timezone.localdate()
    first = today.replace(day=1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    pages.milestone(days=0, title="Due today")
    late_day = previous.replace(day=15)
    MilestoneFactory.create(project=pages.project_a, title="Late one", due_date=late_day, baseline_due_date=late_day)
    MilestoneFactory.create(project=pages.project_a, title="Next month's", due_date=following.replace(day=15),
                            baseline_due_date=following.replace(day=15))
    client = pages.client("coordinator")
    response = client.get(calendar_url(pages))
    assert response.status_code == 200
    html = response.content.decode()
    assert cells_of(response)[today] == ["Due today"]
    assert "Late one" not in html and "Next month's" not in html
    assert response.context["month_count"] == 1
    assert f"?month={previous:%Y-%m}" in html and f"?month={following:%Y-%m}" in html
    assert 'aria-current="date"' in html  # today is marked
    earlier = client.get(calendar_url(pages, f"{previous:%Y-%m}"))
    assert cells_of(earlier)[late_day] == ["Late one"]
    assert 'class="is-overdue ms-pending"' in earlier.content.decode() and "overdue-flag" in earlier.content.decode()
    later = client.get(calendar_url(pages, f"{following:%Y-%m}"))
    assert cells_of(later)[following.replace(day=15)] == ["Next month's"]
    assert "overdue-flag" not in later.content.decode()


def test_the_calendar_of_a_given_month_with_filters(pages: Pages) -> None:
    day = dt.date(2026, 2, 14)
    other_project = ProjectFactory.create(plan=pages.plan_a, code="P9")
    MilestoneFactory.create(project=pages.project_a, title="Valentine delivery", due_date=day, baseline_due_date=day)
    MilestoneFactory.create(project=other_project, title="Other project", due_date=day, baseline_due_date=day)
    client = pages.client("stakeholder")
    response = client.get(f"{calendar_url(pages, '2026-02')}&project={pages.project_a.pk}")
    html = response.content.decode()
    assert "February 2026" in html
    assert "Valentine delivery" in html and "Other project" not in html
    assert '<details class="filters-toggle" open>' in html  # the applied filters are shown
    assert f"project={pages.project_a.pk}" in html.split("Next month")[0]  # month links keep the filters
    # A month that is not one falls back to the current month.
    bad = client.get(calendar_url(pages, "2026-13"))
    assert bad.status_code == 200 and bad.context["month"] == timezone.localdate().replace(day=1)
    assert '<details class="filters-toggle">' in bad.content.decode()  # no filter: folded away


def test_the_milestone_page_shows_baseline_and_current_dates_updates_and_history(pages: Pages) -> None:
    milestone = pages.milestone(days=10, title="Pasteurizer bought", responsible=pages.people_a[0])
    actor = Actor(user=pages.users["coordinator"], source=Source.API)
    new_date = milestone.due_date + dt.timedelta(days=21)
    milestone_reschedule(milestone_id=milestone.pk, actor=actor, due_date=new_date, reason="Supplier strike")
    milestone_update_post(milestone_id=milestone.pk, actor=actor, note="Quote received from two suppliers")
    response = pages.client("auditor").get(reverse("projects:milestone", kwargs={"milestone_id": milestone.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    context = response.context
    assert context["rescheduled"] is True
    assert new_date.isoformat() in html and milestone.baseline_due_date.isoformat() in html
    assert "Quote received from two suppliers" in html
    assert [item["action"] for item in context["history"]] == ["rescheduled"]
    assert "Supplier strike" in html and "coordinator" in html
    assert write_controls(html) == []  # an auditor sees no action


def test_action_links_for_coordinators_only(pages: Pages, settings: Any) -> None:
    settings.ROOT_URLCONF = ACTIONS_URLCONF
    pending = pages.milestone(days=3, title="Pending one")
    done = pages.milestone(days=-3, title="Done one", status=Milestone.Status.COMPLETED,
                           completed_on=timezone.localdate())
    coordinator = pages.client("coordinator").get(list_url(pages)).content.decode()
    for name in ("start", "complete", "reschedule", "update"):
        action = reverse(f"projects:milestone-{name}", kwargs={"milestone_id": pending.pk})
        assert f"{action}?next={list_url(pages)}" in coordinator  # and back to the list afterwards
    # A completed milestone offers no start, complete or reschedule.
    for name in ("start", "complete", "reschedule"):
        assert reverse(f"projects:milestone-{name}", kwargs={"milestone_id": done.pk}) not in coordinator
    detail = pages.client("coordinator").get(reverse("projects:milestone", kwargs={"milestone_id": pending.pk}))
    assert reverse("projects:milestone-complete", kwargs={"milestone_id": pending.pk}) in detail.content.decode()
    for who in ("stakeholder", "auditor"):
        html = pages.client(who).get(list_url(pages)).content.decode()
        assert "Pending one" in html
        assert write_controls(html) == []


@pytest.mark.parametrize(("who", "status"), [
    ("coordinator_b", 404), ("admin", 200), ("stakeholder", 200), (None, 302),
])
def test_milestone_pages_are_scoped_to_the_cluster(pages: Pages, who: str | None, status: int) -> None:
    milestone = pages.milestone(days=3)
    client = pages.client(who)
    for url in (list_url(pages), calendar_url(pages),
                reverse("projects:milestone", kwargs={"milestone_id": milestone.pk})):
        response = client.get(url)
        assert response.status_code == status, url
        if who is None:
            assert reverse("plans:login") in response["Location"]


def test_milestone_pages_answer_get_only(pages: Pages) -> None:
    milestone = pages.milestone(days=3)
    client = pages.client("coordinator")
    for url in (list_url(pages), calendar_url(pages),
                reverse("projects:milestone", kwargs={"milestone_id": milestone.pk})):
        assert client.post(url).status_code == 405


def count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("view", ["list", "calendar", "detail"])
def test_query_counts_do_not_grow_with_the_rows(pages: Pages, view: str) -> None:
    client = pages.client("coordinator")
    anchor = pages.milestone(days=0, responsible=pages.people_a[0])

    def add(n: int) -> None:
        for i in range(n):
            project = ProjectFactory.create(plan=pages.plan_a)
            MilestoneFactory.create(project=project, due_date=anchor.due_date, baseline_due_date=anchor.due_date,
                                    responsible=pages.people_a[i % 2])
            MilestoneUpdateFactory.create(milestone=anchor, note=f"Note {i}")

    url = {
        "list": list_url(pages), "calendar": calendar_url(pages),
        "detail": reverse("projects:milestone", kwargs={"milestone_id": anchor.pk}),
    }[view]
    add(4)
    small = count_queries(client, url)
    add(40)
    assert count_queries(client, url) == small


def test_the_calendar_writes_spanish_days_as_spanish_does(pages: Pages) -> None:
    client = pages.client("stakeholder")
    spanish = client.get(calendar_url(pages, "2026-12"), headers={"accept-language": "es"}).content.decode()
    english = client.get(calendar_url(pages, "2026-12"), headers={"accept-language": "en"}).content.decode()
    assert "martes 1 de diciembre" in spanish
    assert "Tuesday 1 December" in english
