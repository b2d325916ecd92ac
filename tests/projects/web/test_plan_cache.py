"""The live plan page's cached content (projects/web/plan_cache.py): the same page as rendered
afresh, new after every change, per reader's rights and language, with the reader's own token."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans.models import Source
from plans.services.history import Actor
from projects.models import Milestone
from projects.services.milestones import milestone_reschedule, milestone_start
from tests.projects.web import worlds
from tests.projects.web.worlds import PlanWorld

plan_world = worlds.plan_world
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def cached(settings):  # type: ignore[no-untyped-def]
    settings.PMC_PLAN_PAGE_CACHE_SECONDS = 60


@pytest.fixture
def world(plan_world: PlanWorld, cached: None) -> PlanWorld:
    """The plan world with a history (a change through the services), so its content has a name."""
    milestone_start(milestone_id=plan_world.soon.pk, actor=Actor(plan_world.users["coordinator"], Source.WEB))
    return plan_world


def url(world: PlanWorld) -> str:
    return reverse("projects:plan", kwargs={"plan_id": world.plan.pk})


def main(html: str) -> str:
    """The page body, every CSRF token blanked (each response masks its own)."""
    return TOKEN.sub('name="csrfmiddlewaretoken" value=""', html.split('<main id="main"', 1)[1].split("</main>")[0])


def page(client: Client, world: PlanWorld) -> str:
    response = client.get(url(world))
    assert response.status_code == 200
    return response.content.decode()


def test_a_cached_page_is_the_page_rendered_afresh(world: PlanWorld, settings) -> None:  # type: ignore[no-untyped-def]
    client = world.client("coordinator")
    first, second = page(client, world), page(client, world)
    settings.PMC_PLAN_PAGE_CACHE_SECONDS = 0
    fresh = page(client, world)

    assert main(first) == main(second) == main(fresh)
    assert "Equipar el laboratorio" in first and "<svg" in first


def test_a_hit_reads_only_the_session_the_roles_and_the_plan_row(world: PlanWorld) -> None:
    client = world.client("coordinator")
    page(client, world)
    with CaptureQueriesContext(connection) as hit:
        page(client, world)

    assert len(hit.captured_queries) == 4  # session, user, roles, the plan row with its history head


def test_a_change_shows_at_once(world: PlanWorld) -> None:
    client = world.client("coordinator")
    assert "Lluvias" not in page(client, world)
    soon = Milestone.objects.get(pk=world.soon.pk)

    milestone_reschedule(milestone_id=soon.pk, actor=Actor(world.users["coordinator"], Source.WEB),
                         due_date=soon.due_date + dt.timedelta(days=30), reason="Lluvias",
                         expected_version=soon.version)

    assert "Lluvias" in page(client, world)


def test_a_change_outside_the_app_shows_once_the_content_expires(world: PlanWorld) -> None:
    client = world.client("coordinator")
    page(client, world)
    Milestone.objects.filter(pk=world.overdue.pk).update(title="Cambiado por SQL")  # no history event

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        assert "Cambiado por SQL" in page(client, world)


def test_after_midnight_the_page_is_rendered_for_the_new_day(world: PlanWorld) -> None:
    midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time()))
    with time_machine.travel(midnight - dt.timedelta(seconds=10), tick=False):
        today = page(world.client("coordinator"), world)
    with time_machine.travel(midnight + dt.timedelta(seconds=10), tick=False):  # well within the expiry
        tomorrow = page(world.client("coordinator"), world)

    late = re.compile(r"(\d+) days? late|<strong class=\"late\">(\d+) days?</strong>")
    assert late.findall(today) != late.findall(tomorrow)


def test_readers_never_get_a_writers_controls_nor_a_writer_the_readers_page(world: PlanWorld) -> None:
    coordinator, auditor = world.client("coordinator"), world.client("auditor")
    assert "/complete/" in page(coordinator, world)

    assert "/complete/" not in page(auditor, world)
    assert "/complete/" in page(coordinator, world)


def test_each_language_has_its_own_content(world: PlanWorld) -> None:
    client = world.client("coordinator")
    english = page(client, world)
    client.cookies["django_language"] = "es"
    spanish = page(client, world)

    assert "Milestones to act on" in english and "Milestones to act on" not in spanish


def test_the_cached_forms_carry_the_readers_own_valid_token(world: PlanWorld) -> None:
    page(world.client("coordinator"), world)  # someone else's session fills the cache
    client = world.client("coordinator")
    client.handler.enforce_csrf_checks = True
    html = page(client, world)
    tokens = set(TOKEN.findall(main(html).replace('value=""', "")) + TOKEN.findall(html.split("<main", 1)[1]))
    start = reverse("projects:milestone-start", kwargs={"milestone_id": world.overdue.pk})
    form = html.split(f'action="{start}"', 1)[1].split("</form>", 1)[0]
    token = TOKEN.search(form)

    assert token is not None and "csrf-" not in html and tokens
    overdue = Milestone.objects.get(pk=world.overdue.pk)
    response = client.post(start, {"csrfmiddlewaretoken": token.group(1), "version": overdue.version,
                                   "next": url(world)})
    assert response.status_code == 302
    assert Milestone.objects.get(pk=world.overdue.pk).status == Milestone.Status.IN_PROGRESS


def test_a_page_with_a_query_is_rendered_afresh(world: PlanWorld) -> None:
    client = world.client("coordinator")
    with CaptureQueriesContext(connection) as first:
        client.get(url(world) + "?as_of=nonsense")
    with CaptureQueriesContext(connection) as second:
        client.get(url(world) + "?as_of=nonsense")

    assert len(first.captured_queries) == len(second.captured_queries) > 4


def test_completing_from_the_page_shows_on_the_page_at_once(world: PlanWorld) -> None:
    client = world.client("coordinator")
    before = page(client, world)
    overdue = Milestone.objects.get(pk=world.overdue.pk)
    complete = reverse("projects:milestone-complete", kwargs={"milestone_id": overdue.pk})
    assert complete in before

    response = client.post(complete, {"version": overdue.version, "completed_on": timezone.localdate().isoformat(),
                                      "note": "Hecho", "next": url(world)})

    assert response.status_code == 302
    after = page(client, world)
    assert complete not in after  # no longer among the milestones to act on
    assert "completed" in after.split('id="history-title"', 1)[1]


def test_the_page_answers_while_the_cache_is_down(world: PlanWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    from projects.web import plan_cache

    def down(*args: object, **kwargs: object) -> None:  # what the Redis client raises while it restarts
        raise ConnectionError("Connection refused")

    monkeypatch.setattr(plan_cache.cache, "get", down)
    monkeypatch.setattr(plan_cache.cache, "set", down)

    assert "Equipar el laboratorio" in page(world.client("coordinator"), world)
