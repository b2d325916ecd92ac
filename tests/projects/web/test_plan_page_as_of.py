"""The plan page as of a moment (`?as_of=` / `?before_event=`), role by role, bad input, queries."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans.access import forget_access
from plans.models import HistoryEvent, Source
from plans.services.history import Actor
from projects.services.milestones import milestone_create
from projects.services.projects import project_create
from tests.projects.history_story import Story, tell

pytestmark = pytest.mark.django_db
MICRO = dt.timedelta(microseconds=1)
WRITE_MARKERS = ("/complete/", "/reschedule/", "/start/", 'name="csrfmiddlewaretoken" value', "Post a note",
                 "/projects/new/")
BANNER = "You are looking at the plan as it stood on"


@pytest.fixture
def story(db: Any) -> Story:
    return tell()


def client(story: Story, who: str) -> Client:
    browser = Client(headers={"accept-language": "en"})
    forget_access(story.users[who])
    browser.force_login(story.users[who])
    return browser


def url(story: Story) -> str:
    return reverse("projects:plan", kwargs={"plan_id": story.plan.pk})


def main_of(html: str) -> str:
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def section(html: str, title_id: str) -> str:
    return html.split(f'id="{title_id}"', 1)[1].split("</section>", 1)[0]


def page(story: Story, who: str = "auditor", **params: Any) -> str:
    response = client(story, who).get(url(story), params)
    assert response.status_code == 200, response.content[:300]
    return main_of(response.content.decode())


def test_the_plan_just_before_a_change_is_shown_with_a_banner_and_no_write_control(story: Story) -> None:
    completed = story.moments["completed"]

    before = page(story, "coordinator", before_event=completed.pk)
    live = page(story, "coordinator")

    assert BANNER in before and BANNER not in live
    assert f'href="{url(story)}"' in before.split(BANNER, 1)[1]  # back to today
    assert "Equipar el laboratorio" in section(before, "overdue-title")  # overdue until completed
    assert "Equipar el laboratorio" not in section(live, "overdue-title")
    assert f'id="event-{completed.pk}"' in live and f'id="event-{completed.pk}"' not in before
    assert f'id="event-{completed.pk - 1}"' in before
    assert [marker for marker in WRITE_MARKERS if marker in before] == []
    assert "/complete/" in live  # the coordinator's actions are back on the live page


def test_money_and_indicators_are_as_they_stood(story: Story) -> None:
    from decimal import Decimal

    from projects.services.funding import expenditure_record, funding_line_create
    from projects.services.indicators import indicator_create

    actor = Actor.system(Source.COMMAND)
    line = funding_line_create(project_id=story.project.pk, actor=actor, source="programme_grant", currency="ARS",
                               budget=Decimal("1000000"))
    budgeted = HistoryEvent.objects.latest("id")
    expenditure_record(funding_line_id=line.pk, actor=actor, amount=Decimal("250000"),
                       spent_on=timezone.localdate())
    spent = HistoryEvent.objects.latest("id")
    indicator_create(plan_id=story.plan.pk, actor=actor, name="Litros por día", unit="l", baseline_value=10,
                     baseline_date=timezone.localdate(), target_value=20,
                     target_date=timezone.localdate() + dt.timedelta(days=365))

    before_money = section(page(story, before_event=budgeted.pk), "money-title")
    budget_only = section(page(story, before_event=spent.pk), "money-title")
    live = section(page(story), "money-title")
    def shows(amount: str, html: str) -> bool:  # 1.000.000 in Spanish, 1,000,000 in English
        return re.search(amount.replace(".", "[.,]"), html) is not None

    assert not shows("1.000.000", before_money) and shows("1.000.000", budget_only) and shows("1.000.000", live)
    assert not shows("250.000", budget_only) and shows("250.000", live)  # executed only after the expenditure
    assert "not rebuilt" not in budget_only
    assert "Litros por día" not in page(story, before_event=spent.pk) and "Litros por día" in page(story)


def test_as_of_a_moment_is_the_same_page_as_before_the_event_at_it(story: Story) -> None:
    completed = story.moments["completed"]
    at = timezone.localtime(completed.occurred_at - MICRO).isoformat()

    by_time = page(story, as_of=at)
    by_event = page(story, before_event=completed.pk)

    def steady(html: str) -> str:  # the picker's latest allowed minute moves with the clock
        return re.sub(r' max="[^"]*"', "", html)

    assert steady(by_time) == steady(by_event)
    assert "Equipar el laboratorio" in section(by_time, "overdue-title")


def test_a_date_means_its_first_instant(story: Story) -> None:
    html = page(story, as_of=timezone.localdate().isoformat())  # the story was told today, after midnight

    assert BANNER not in html and "did not exist yet" in html


@pytest.mark.parametrize("who", ["auditor", "coordinator"])
def test_auditors_and_coordinators_get_the_picker(story: Story, who: str) -> None:
    html = page(story, who)

    assert 'type="datetime-local"' in html and 'name="as_of"' in html and 'method="get"' in html
    assert BANNER in page(story, who, as_of=timezone.now().isoformat())


def test_stakeholders_read_the_plan_but_not_its_past(story: Story) -> None:
    browser = client(story, "stakeholder")

    live = browser.get(url(story))
    assert live.status_code == 200 and 'name="as_of"' not in main_of(live.content.decode())
    assert browser.get(url(story), {"as_of": timezone.now().isoformat()}).status_code == 403
    assert browser.get(url(story), {"before_event": story.moments["completed"].pk}).status_code == 403


def test_another_clusters_plan_is_not_found_as_of_either(story: Story) -> None:
    other = tell("frutas")
    browser = client(other, "auditor")

    assert browser.get(url(story), {"as_of": timezone.now().isoformat()}).status_code == 404
    assert browser.get(url(story), {"before_event": story.moments["completed"].pk}).status_code == 404


@pytest.mark.parametrize(("params", "message"), [
    ({"as_of": "el día de la aprobación"}, "is not a date and time"),
    ({"as_of": "2012-02-30"}, "is not a date and time"),
    ({"as_of": "2999-01-01T00:00"}, "has not come yet"),
    ({"as_of": "2000-01-01"}, "did not exist yet"),
    ({"before_event": "999999999"}, "is not in this plan"),
    ({"before_event": "١٢"}, "is not in this plan"),
    ({"before_event": "9" * 30}, "is not in this plan"),
])
def test_input_that_names_no_moment_shows_the_live_page_with_a_message(
    story: Story, params: dict[str, str], message: str,
) -> None:
    html = page(story, "coordinator", **params)

    assert BANNER not in html
    assert message in html.split('id="as-of-problem"', 1)[1].split("</p>", 1)[0]
    assert "/complete/" in html  # the live page, with its actions


def test_another_plans_event_is_not_a_moment_of_this_plan(story: Story) -> None:
    other = tell("frutas")
    foreign = HistoryEvent.objects.filter(plan_id=other.plan.pk).latest("id")

    assert "is not in this plan" in page(story, before_event=foreign.pk)


def _as_of_queries(story: Story) -> int:
    browser = client(story, "auditor")
    at = timezone.now().isoformat()
    browser.get(url(story), {"as_of": at})  # warm: session, caches
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url(story), {"as_of": at}).status_code == 200
    return len(captured.captured_queries)


def test_as_of_query_count_is_flat_in_the_number_of_projects_and_milestones(story: Story) -> None:
    actor = Actor.system(Source.COMMAND)
    small = _as_of_queries(story)
    for n in range(6):
        project = project_create(plan_id=story.plan.pk, actor=actor, code=f"X-{n}", title=f"Extra {n}",
                                 category="quality")
        for k in range(4):
            milestone_create(project_id=project.pk, actor=actor, title=f"Hito {k}",
                             due_date=timezone.localdate() + dt.timedelta(days=k - 2))

    assert _as_of_queries(story) == small
